"""Run and result statuses (the seed's ten values) and why a conversation ended."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Status of a run or a result, exactly the seed's values."""

    PENDING = "pending"
    IN_QUEUE = "in_queue"
    SCALING_UP = "scaling_up"
    RUNNING = "running"
    IN_PROGRESS = "in_progress"
    EVALUATING = "evaluating"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.TIMEOUT, Status.CANCELLED})
ACTIVE = frozenset({Status.RUNNING, Status.IN_PROGRESS, Status.EVALUATING})


class EndReason(StrEnum):
    """Why a conversation ended (stored in the run's `metadata.ended_reason`)."""

    CALLER_ENDED = "testing-agent-ended-call"
    AGENT_ENDED = "main-agent-ended-call"
    MAX_TURNS = "max-turns-reached"
    MAX_DURATION = "max-duration-exceeded"
    AGENT_SILENT = "agent-silence-timeout"
    INFRASTRUCTURE = "infrastructure-failure"
    CANCELLED = "cancelled"


def result_status(runs_by_status: dict[str, int], current: str) -> str:
    """A result's status from how many of its runs are in each status.

    A stored `cancelled` or `timeout` stands; all runs terminal → `completed` (or `failed` when
    every run failed on infrastructure); some live or finished → `running` (`evaluating` when
    the only unfinished runs are being scored); otherwise queued.
    """
    if current in (Status.CANCELLED, Status.TIMEOUT) or not runs_by_status:
        return current
    present = set(runs_by_status)
    terminal = {s.value for s in TERMINAL}
    if present <= terminal:
        return Status.FAILED.value if present == {Status.FAILED.value} else Status.COMPLETED.value
    if present & ({s.value for s in ACTIVE} | terminal):
        if present <= {Status.EVALUATING.value, *terminal}:
            return Status.EVALUATING.value
        return Status.RUNNING.value
    return Status.IN_QUEUE.value if Status.IN_QUEUE.value in present else current
