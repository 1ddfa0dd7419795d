"""Metrics of kind `custom_code`: the user's Python script decides (Cekura's convention).

The script sees a dict `data` (see `custom_code_data`) and sets `_result` (bool, number or
string, per the metric's eval_type) and `_explanation` (str). It runs in a separate process
(`script_runner`) with a wall-time limit (`configuration.timeout_seconds`, default 5) and a
memory limit (`configuration.memory_mb`, default 256); a timeout, a memory overrun or an
exception becomes an error verdict saying so.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from datetime import UTC, datetime
from typing import Any, ClassVar

from sparring.domain.verdict import MetricKind, MetricSpec, MetricVerdict
from sparring.evaluation.base import Conversation, Evaluator
from sparring.evaluation.script_runner import run_script
from sparring.evaluation.verdicts import coerce_result, error_verdict

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_MB = 256
MAX_TIMEOUT_S = 120.0
MAX_MEMORY_MB = 4096
MIN_MEMORY_MB = 64

# Keys the pipeline adds to `Conversation.metadata` for scripts run after the other metrics.
METRIC_RESULTS_KEY = "metric_results"
OUTCOME_SCORE_KEY = "expected_outcome_score"
OUTCOME_EXPLANATION_KEY = "expected_outcome_explanation"
_EVALUATION_KEYS = (METRIC_RESULTS_KEY, OUTCOME_SCORE_KEY, OUTCOME_EXPLANATION_KEY)


def custom_code_data(conversation: Conversation) -> dict[str, Any]:
    """The `data` dict a script sees (keys as in Cekura's docs, plus metric results by name)."""
    transcript, scenario = conversation.transcript, conversation.scenario
    meta = conversation.metadata
    timed = [t for t in transcript.agent_turns if t.latency_ms is not None]
    latency = [
        {"latency(ms)": t.latency_ms, "speaker": t.role.value, "start_time": t.start} for t in timed
    ]
    mean_latency = sum(t.latency_ms or 0.0 for t in timed) / len(timed) if timed else None
    now = datetime.now(UTC)
    data: dict[str, Any] = {
        "transcript": transcript.to_text(),
        "transcript_json": transcript.to_json(),
        "call_duration": transcript.duration,
        "call_end_reason": transcript.end_reason.value if transcript.end_reason else "",
        "error": transcript.error or "",
        "metadata": {
            k: v for k, v in {**transcript.metadata, **meta}.items() if k not in _EVALUATION_KEYS
        },
        "run_id": conversation.run_id,
        "scenario_name": scenario.name,
        "expected_outcome": scenario.expected_outcome,
        "expected_outcome_score": meta.get(OUTCOME_SCORE_KEY),
        "expected_outcome_explanation": meta.get(OUTCOME_EXPLANATION_KEY, []),
        "tags": list(scenario.tags),
        "test_profile": meta.get("test_profile") or {},
        "dynamic_variables": dict(scenario.agent_variables),
        "agent_description": meta.get("agent_description", ""),
        "latency_data": latency,
        "Average Latency (in ms)": mean_latency,
        "date": now.date().isoformat(),
        "timestamp": now.isoformat(),
    }
    for name, value in (meta.get(METRIC_RESULTS_KEY) or {}).items():
        data.setdefault(name, value)  # other metrics' results, by metric name
    return data


def limits(configuration: dict[str, Any]) -> tuple[float, int]:
    """(timeout seconds, memory MB) from a metric's configuration; ValueError if unusable."""
    timeout = configuration.get("timeout_seconds", DEFAULT_TIMEOUT_S)
    memory = configuration.get("memory_mb", DEFAULT_MEMORY_MB)
    for name, value in (("timeout_seconds", timeout), ("memory_mb", memory)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"configuration.{name} must be a positive number")
    return min(float(timeout), MAX_TIMEOUT_S), int(min(max(memory, MIN_MEMORY_MB), MAX_MEMORY_MB))


class CustomCodeEvaluator(Evaluator):
    """Kind `custom_code`: one process per evaluation, at most `max_parallel` at a time."""

    kind: ClassVar[str] = MetricKind.CUSTOM_CODE.value

    def __init__(self, max_parallel: int | None = None):
        self.max_parallel = max_parallel or max(4, 2 * (os.cpu_count() or 1))
        # One semaphore per event loop: a shared evaluator may serve several loops (tests, threads).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            self._slots[loop] = asyncio.Semaphore(self.max_parallel)
        return self._slots[loop]

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        if not metric.code.strip():
            return error_verdict(metric, "no custom code: set the metric's custom_code")
        try:
            timeout_s, memory_mb = limits(metric.configuration)
        except ValueError as exc:
            return error_verdict(metric, str(exc))
        data = custom_code_data(conversation)
        try:
            async with self._slot():  # the time limit starts with the process, not in the queue
                outcome = await run_script(
                    metric.code, data, timeout_s=timeout_s, memory_mb=memory_mb
                )
        except OSError as exc:  # e.g. out of processes or file descriptors on this machine
            return error_verdict(metric, f"custom code could not start: {exc}")
        if outcome.error is not None:
            return error_verdict(metric, f"custom code {_phrase(outcome.error)}")
        if not outcome.has_result:
            return error_verdict(metric, "custom code did not set _result")
        explanation = outcome.explanation
        if isinstance(explanation, list):
            explanation = "\n".join(str(line) for line in explanation)
        extra: dict[str, Any] = {"elapsed_ms": outcome.elapsed_ms}
        if outcome.output:
            extra["output"] = outcome.output[:2000]
        return coerce_result(metric, outcome.result, str(explanation or ""), extra=extra)


def _phrase(error: str) -> str:
    """'timed out after 5 s' reads on after "custom code"; an exception needs "raised"."""
    if error.startswith(("timed out", "ran out of memory", "crashed")):
        return error
    return f"raised {error}"
