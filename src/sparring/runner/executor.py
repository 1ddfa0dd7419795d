"""Executes one claimed run: converse, evaluate, store — each write fenced by the claim."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sparring.domain.plan import RunPlan
from sparring.domain.scenario import RunContext
from sparring.domain.status import EndReason, Status
from sparring.domain.transcript import Transcript
from sparring.domain.verdict import MetricKind
from sparring.evaluation.base import Conversation
from sparring.evaluation.pipeline import evaluate_run
from sparring.runner.leases import Claim
from sparring.simulation.callers.registry import get_caller
from sparring.simulation.conversation import converse
from sparring.simulation.end_conditions import StopSignal
from sparring.storage.types import utcnow

if TYPE_CHECKING:
    from sparring.runner.runtime import Runtime

log = logging.getLogger(__name__)
INFRA_RETRIES = 2
# Metrics that take long enough for `evaluating` to be worth a write of its own.
SLOW_METRICS = (MetricKind.LLM_JUDGE, MetricKind.CUSTOM_CODE)
RETRY_BACKOFF = 0.5


@dataclass
class LiveRun:
    """A conversation this process is holding right now."""

    claim: Claim
    cancel: StopSignal = field(default_factory=StopSignal)


async def execute(runtime: Runtime, claim: Claim) -> None:
    """Hold the run's conversation (retrying infrastructure failures), score it, store it."""
    live = LiveRun(claim)
    runtime.live[claim.run_id] = live
    try:
        plan = RunPlan.from_json(claim.plan)
        transport = await runtime.transport_for(plan)
        context = RunContext(
            run_id=claim.run_id,
            result_id=claim.result_id,
            scenario_id=plan.scenario.id or 0,
            agent_variables=dict(plan.scenario.agent_variables),
        )
        async with runtime.agent_slot(plan.agent_id):
            transcript = await _converse_with_retries(runtime, transport, plan, context, live)
        await _finish(runtime, claim, plan, transcript, live)
    except Exception as exc:  # a run must end terminal, whatever broke
        log.exception("run %s failed", claim.run_id)
        await runtime.writer.write(claim, _failure(str(exc) or type(exc).__name__))
    finally:
        runtime.live.pop(claim.run_id, None)
        runtime.dirty_results.add(claim.result_id)


async def _converse_with_retries(
    runtime: Runtime, transport: Any, plan: RunPlan, context: RunContext, live: LiveRun
) -> Transcript:
    transcript = Transcript()
    for attempt in range(INFRA_RETRIES + 1):
        caller = get_caller(plan.caller_engine, plan.scenario, llm=runtime.evaluation.client)
        try:
            transcript = await converse(
                transport,
                caller,
                plan.scenario,
                context,
                cancel=live.cancel,
                silence_timeout=plan.silence_timeout,
            )
        finally:
            await caller.aclose()
        retryable = transcript.end_reason is EndReason.INFRASTRUCTURE and not transcript.turns
        if not retryable or live.cancel.is_set() or attempt == INFRA_RETRIES:
            break
        await asyncio.sleep(RETRY_BACKOFF * 2**attempt)
    transcript.metadata["attempts"] = attempt + 1
    return transcript


async def _finish(
    runtime: Runtime, claim: Claim, plan: RunPlan, transcript: Transcript, live: LiveRun
) -> None:
    base = _transcript_values(transcript)
    base["run_metadata"]["worker"] = runtime.owner
    if live.cancel.is_set() or transcript.end_reason is EndReason.CANCELLED:
        await runtime.writer.write(claim, {**base, "status": Status.CANCELLED.value})
        return
    if transcript.end_reason is EndReason.INFRASTRUCTURE:
        values = {
            **base,
            "status": Status.FAILED.value,
            "success": False,
            "infrastructure_failure": True,
        }
        await runtime.writer.write(claim, values)
        return
    slow = any(m.kind in SLOW_METRICS for m in plan.metrics) or runtime.cfg.llm.configured
    if slow and not await runtime.writer.write(claim, {"status": Status.EVALUATING.value}):
        return  # the lease was lost: a newer attempt owns the run
    conversation = Conversation(plan.scenario, transcript, claim.run_id, dict(transcript.metadata))
    evaluation = await evaluate_run(
        conversation,
        list(plan.metrics),
        criteria_judge=runtime.evaluation.criteria_judge,
        registry=runtime.evaluation.registry,
    )
    outcome = evaluation.expected_outcome
    metrics = [v.to_json() for v in evaluation.metrics]
    failed_metric = any(v.passed is False for v in evaluation.metrics)
    timed_out = transcript.end_reason is EndReason.MAX_DURATION
    success: bool | None = outcome.met and not failed_metric and not timed_out
    if not success and outcome.score is None and not failed_metric and not timed_out:
        success = None  # inconclusive: neither a pass nor a fail
    values = {
        **base,
        "status": Status.TIMEOUT.value if timed_out else Status.COMPLETED.value,
        "success": success,
        "expected_outcome": outcome.to_json(),
        "evaluation": {"metrics": metrics},
    }
    await runtime.writer.write(claim, values)


def _transcript_values(transcript: Transcript) -> dict[str, Any]:
    metadata = {
        **transcript.metadata,
        "ended_reason": transcript.end_reason.value if transcript.end_reason else None,
    }
    return {
        "transcript": transcript.to_json(),
        "run_metadata": metadata,
        "end_reason": transcript.end_reason.value if transcript.end_reason else None,
        "error_message": transcript.error or "",
        "duration": transcript.duration,
        "ended_at": utcnow(),
        "lease_owner": None,
    }


def _failure(message: str) -> dict[str, Any]:
    return {
        "status": Status.FAILED.value,
        "success": False,
        "infrastructure_failure": True,
        "error_message": message[:2000],
        "ended_at": utcnow(),
        "lease_owner": None,
    }
