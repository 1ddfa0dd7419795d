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
