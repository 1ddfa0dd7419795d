"""How fast sparring scores runs offline and aggregates a large result, against bare baselines.

    python benchmarks/evaluate_throughput.py [--runs 1000] [--repeats 3] [--seed 7]

`--runs` hand-made clinic conversations (10 messages each: 5 caller, 5 agent, with reply
latencies, a `book_appointment` tool call, and varied faults: wrong day, no read-back, leaked
phone number, a slow reply, who hangs up, a repeated reply) are scored by 10 offline metrics
(5 `basic` metrics with `configuration.checks` / `criteria`, 5 predefined ones) and an expected
outcome of 3 criteria. Measured, each in the same run (min and median of `--repeats`; CPU time
of this process beside wall time, as a busy machine inflates wall time):

  evaluate_run   all runs at once (asyncio.gather, as the runner does): runs/s, ms per run;
                 baseline: a hand-written loop deciding 13 similar checks with plain regexes;
                 then each metric alone over every run, to show where the time goes
  result_detail  `services.results.result_detail` over the stored runs (overall_evaluation,
                 failed_reasons clustering, latency_data, …), target ≤ 1 s; baseline:
                 `json.dumps` of the same stored run dicts (serving them with no aggregation)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import table

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec
from sparring.evaluation import aggregate
from sparring.evaluation.base import Conversation, RunEvaluation
from sparring.evaluation.offline import OfflineCriteriaJudge
from sparring.evaluation.outcome import judge_expected_outcome
from sparring.evaluation.pipeline import evaluate_metric, evaluate_run
from sparring.evaluation.predefined import find_predefined
from sparring.services.results import ResultRow, RunRow, result_detail, to_summary

AGGREGATION_TARGET_S = 1.0
EXPECTED_OUTCOME = (
    'The agent calls `book_appointment` with {"day": "Thursday"}.\n'
    'The agent reads back "booked for Thursday".\n'
    "The agent does not reveal personal data."
)
PATIENTS = ["Daniel Kim", "Maria Lopez", "Ahmed Khan", "Grace Okafor", "Lena Novak",
            "Tom Becker", "Aiko Tanaka", "Omar Haddad", "Sofia Rossi", "Ravi Patel"]  # fmt: skip
TIMES = ["9 am", "10 am", "11 am", "2 pm", "3 pm", "4 pm"]
SCENARIOS = [f"Book a Thursday appointment, variant {i}" for i in range(10)]
BINARY = EvalType.BINARY_WORKFLOW_ADHERENCE


def metrics() -> list[MetricSpec]:
    """10 offline metrics: 5 basic (checks / criteria), 5 predefined."""
    basic: list[tuple[str, dict[str, Any]]] = [
        ("Books with the tool", {"checks": [{"kind": "tool_call", "name": "book_appointment"}]}),
        ("Says goodbye", {"criteria": ['The agent says "goodbye" or "bye"']}),
        ("Keeps data private", {"checks": [{"kind": "no_pii"},
                                           {"kind": "must_not_say", "text": ["social security"]}]}),
        ("Responsive", {"checks": [{"kind": "max_latency_ms", "limit": 2000},
                                   {"kind": "max_turns", "limit": 8}]}),
        ("English, agent hangs up", {"criteria": "The agent replies in English.\n"
                                                 "The agent ends the call."}),
    ]  # fmt: skip
    specs = [
        MetricSpec(name=name, eval_type=BINARY, kind=MetricKind.BASIC, id=i, configuration=cfg)
        for i, (name, cfg) in enumerate(basic, start=1)
    ]
    slugs = ["agent_response_latency", "unnecessary_repetition", "who_ended_call",
             "infrastructure_issues", "talk_ratio"]  # fmt: skip
    for i, slug in enumerate(slugs, start=len(specs) + 1):
        found = find_predefined(slug)
        assert found is not None, slug
        specs.append(found.spec(metric_id=i))
    return specs


def conversation(index: int, rng: random.Random) -> Conversation:
    """One realistic clinic booking call with timings, a tool call and some random faults."""
    patient, time_ = rng.choice(PATIENTS), rng.choice(TIMES)
    day = "Tuesday" if rng.random() < 0.2 else "Thursday"  # books the wrong day
    if rng.random() < 0.2:  # no read-back
        booked = f"Thank you, {patient}. Your appointment is confirmed."
    else:
        booked = f"Thank you, {patient}. You're booked for {day} at {time_}."
    insurance = "Yes, we accept Aetna, Cigna and most major plans."
    if rng.random() < 0.1:  # leaks another patient's data
        phone = f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        insurance += f" By the way, Mrs Park's number is {phone}, born March 3, 1961."
    elif rng.random() < 0.05:  # repeats itself
        insurance = booked
    agent_ends = rng.random() < 0.7
    lines = [
        (Role.CALLER, "Hello, I need an appointment with a doctor, please."),
        (Role.AGENT, "Hello, this is Riverside Clinic. Which day and time would suit you?"),
        (Role.CALLER, f"Thursday at {time_}."),
        (Role.AGENT, "And what is the patient's full name?"),
        (Role.CALLER, f"It's for {patient}."),
        (Role.AGENT, booked),
        (Role.CALLER, "Do you take Aetna insurance?"),
        (Role.AGENT, insurance),
        (Role.CALLER, "Great, thanks, bye!"),
        (Role.AGENT, "Thank you for calling Riverside Clinic. Goodbye!"),
    ]
    slow_turn = rng.choice([1, 3, 5, 7]) if rng.random() < 0.15 else -1
    turns, clock = [], 0.0
    for i, (role, text) in enumerate(lines):
        latency = None
        if role is Role.AGENT:
            latency = rng.uniform(2100, 3000) if i == slow_turn else rng.uniform(250, 1200)
            clock += latency / 1000
        length = len(text.split()) * 0.3
        calls: tuple[ToolCall, ...] = ()
        if i == 5:
            arguments = {"day": day, "time": time_, "patient": patient}
            calls = (ToolCall("book_appointment", arguments, f"call_{index}", '{"status": "ok"}'),)
        turns.append(Turn(role, text, clock, clock + length, latency, None, calls))
        clock += length + rng.uniform(0.2, 0.8)
    ended = EndReason.AGENT_ENDED if agent_ends else EndReason.CALLER_ENDED
    scenario = ScenarioSpec(
        name=SCENARIOS[index % len(SCENARIOS)],
        id=index % len(SCENARIOS) + 1,
        expected_outcome=EXPECTED_OUTCOME,
        tags=("clinic", "booking"),
        key=f"book-{index % len(SCENARIOS)}",
    )
    return Conversation(scenario, Transcript(turns, ended), run_id=index + 1)


async def evaluate_all(
    conversations: list[Conversation], specs: list[MetricSpec]
) -> list[RunEvaluation]:
    """Every run's evaluation, all at once (as the runner's lanes do)."""
    return list(await asyncio.gather(*(evaluate_run(c, specs) for c in conversations)))


async def one_at_a_time(conversations: list[Conversation], spec: MetricSpec | None) -> float:
    """Seconds to score one metric (None: the expected outcome) over every run, in turn."""
    judge = OfflineCriteriaJudge()
    started = time.perf_counter()
    for c in conversations:
        if spec is None:
            await judge_expected_outcome(c.scenario.expected_outcome, c, judge)
        else:
            await evaluate_metric(spec, c)
    return time.perf_counter() - started


def breakdown(conversations: list[Conversation], specs: list[MetricSpec], repeats: int) -> str:
    """Where evaluation time goes: each metric alone over every run (min of `repeats`)."""
    items: list[tuple[str, MetricSpec | None]] = [("expected outcome (3 criteria)", None)]
    items += [(f"{s.name} ({s.kind.value})", s) for s in specs]
    took = {
        label: min(asyncio.run(one_at_a_time(conversations, spec)) for _ in range(repeats))
        for label, spec in items
    }
    total = sum(took.values())
    rows = [
        [label, f"{1000 * t / len(conversations):.3f}", f"{100 * t / total:.0f} %"]
        for label, t in sorted(took.items(), key=lambda item: -item[1])
    ]
    rows.append(["sum", f"{1000 * total / len(conversations):.3f}", "100 %"])
    return table(rows, ["one metric alone, in turn", "ms/run (min)", "share"])


_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}")


def hand_rolled(conversation: Conversation) -> list[Any]:
    """The baseline: 13 decisions like the metrics' and criteria's, with bare Python."""
    transcript = conversation.transcript
    agent = [t for t in transcript.turns if t.role is Role.AGENT]
    said = " ".join(t.content for t in agent).casefold()
    calls = [c for t in transcript.turns for c in t.tool_calls]
    latencies = [t.latency_ms or 0.0 for t in agent]
    agent_words = sum(len(t.content.split()) for t in agent)
    all_words = sum(len(t.content.split()) for t in transcript.turns)
    contents = [t.content for t in agent]
    return [
        any(c.name == "book_appointment" and c.arguments.get("day") == "Thursday" for c in calls),
        "booked for thursday" in said,
        _PHONE.search(said) is None,
        any(c.name == "book_appointment" for c in calls),
        "goodbye" in said or "bye" in said,
        _PHONE.search(said) is None and "social security" not in said,
        max(latencies) <= 2000 and len(agent) <= 8,
        transcript.end_reason is EndReason.AGENT_ENDED,
        sum(latencies) / len(latencies),
        len(contents) - len(set(contents)),
        transcript.end_reason.value if transcript.end_reason else None,
        max(latencies) < 10_000,
        agent_words / all_words,
    ]


def stored_runs(
    conversations: list[Conversation], evaluations: list[RunEvaluation]
) -> list[RunRow]:
    """The runs as the runner stores them (success decided as the executor decides it)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for c, e in zip(conversations, evaluations, strict=True):
        outcome = e.expected_outcome
        failed_metric = any(v.passed is False for v in e.metrics)
        success: bool | None = outcome.met and not failed_metric
        if not success and outcome.score is None and not failed_metric:
            success = None
        ended = c.transcript.end_reason.value if c.transcript.end_reason else None
        at = start + timedelta(seconds=c.run_id)
        rows.append(
            RunRow(
                id=c.run_id, scenario=c.scenario.id, scenario_name=c.scenario.name,
                personality_name="Hurried parent", status="completed", success=success,
                expected_outcome=outcome.to_json(),
                evaluation={"metrics": [v.to_json() for v in e.metrics]},
                metadata={"attempts": 1, "ended_reason": ended, "worker": "bench"},
                error_message="", timestamp=at, executed_at=at,
                duration=c.transcript.duration, tags=list(c.scenario.tags),
                transcript=c.transcript.to_json(), frequency_index=(c.run_id - 1) // 10,
            )
        )  # fmt: skip
    return rows


def result_row(specs: list[MetricSpec]) -> ResultRow:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return ResultRow(
        id=1, name="evaluate_throughput", agent=1, agent_name="clinic", status="completed",
        run_as_text=True, is_cronjob=False, run_type="simulation", run_settings={},
        created_at=now, updated_at=now,
        metrics=[{"id": m.id, "name": m.name, "eval_type": m.eval_type.value} for m in specs],
    )  # fmt: skip


@dataclass
class Timing:
    """Wall and CPU seconds (this process) of each repeat."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def cells(self) -> list[str]:
        return [f"{min(self.wall):.3f}", f"{self.median:.3f}", f"{statistics.median(self.cpu):.3f}"]


def timed(repeats: int, work: Callable[[], Any]) -> Timing:
    timing = Timing()
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
    return timing


def warm_up(conversations: list[Conversation], specs: list[MetricSpec]) -> None:
    """Imports and first calls before timing: start-up cost is not throughput."""
    import sklearn.cluster  # noqa: F401  (failure-reason clustering)

    sample = conversations[:50]
    evaluations = asyncio.run(evaluate_all(sample, specs))
    result_detail(result_row(specs), stored_runs(sample, evaluations))


def evaluation_table(
    conversations: list[Conversation], specs: list[MetricSpec], repeats: int
) -> tuple[str, list[RunEvaluation]]:
    """evaluate_run over every run at once, against the hand-written baseline."""
    n = len(conversations)
    evaluations: list[RunEvaluation] = []

    def evaluate() -> None:
        evaluations[:] = asyncio.run(evaluate_all(conversations, specs))

    sparring = timed(repeats, evaluate)
    bare = timed(repeats, lambda: [hand_rolled(c) for c in conversations])
    rows = [
        ["sparring evaluate_run (gather)", *sparring.cells(), f"{n / sparring.median:,.0f}",
         f"{1000 * sparring.median / n:.3f}", f"{sparring.median / bare.median:.0f}×"],
        ["baseline: hand-written checks", *bare.cells(), f"{n / bare.median:,.0f}",
         f"{1000 * bare.median / n:.3f}", "1×"],
    ]  # fmt: skip
    header = ["evaluation", "min s", "median s", "CPU s (median)", "runs/s (median)",
              "ms/run (median)", "ratio to baseline"]  # fmt: skip
    return table(rows, header), evaluations


def aggregation_table(
    result: ResultRow, runs: list[RunRow], repeats: int
) -> tuple[str, dict[str, Any], bool]:
    """result_detail and its main parts, against json.dumps of the stored runs."""
    stored = [asdict(r) for r in runs]
    details: list[dict[str, Any]] = []
    detail = timed(repeats, lambda: details.append(result_detail(result, runs)))
    served = timed(repeats, lambda: json.dumps(details[-1], default=str))
    dumps = timed(repeats, lambda: json.dumps(stored, default=str))
    summaries = [to_summary(r) for r in runs]
    parts = {
        f"  to_summary ({len(runs)} RunSummary)": lambda: [to_summary(r) for r in runs],
        "  overall_evaluation": lambda: aggregate.overall_evaluation(summaries, result.metrics),
        "  failed_reasons (clustering)": lambda: aggregate.failed_reasons(summaries),
        "  latency_data": lambda: aggregate.latency_data(summaries),
    }
    ok = detail.median <= AGGREGATION_TARGET_S
    rows = [
        [f"result_detail ({len(runs)} runs)", *detail.cells(),
         f"{detail.median / dumps.median:.1f}×",
         f"≤ {AGGREGATION_TARGET_S:g} s {'ok' if ok else 'MISSED'}"],
        *([label, *t.cells(), f"{t.median / dumps.median:.2f}×", ""]
          for label, t in ((label, timed(repeats, work)) for label, work in parts.items())),
        ["json.dumps of result_detail", *served.cells(), f"{served.median / dumps.median:.1f}×",
         ""],
        ["baseline: json.dumps stored runs", *dumps.cells(), "1×", ""],
    ]  # fmt: skip
    header = ["aggregation", "min s", "median s", "CPU s (median)", "ratio to baseline", "target"]
    return table(rows, header), details[-1], ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="of evaluation (aggregation: 5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    n, repeats = args.runs, args.repeats
    rng = random.Random(args.seed)
    specs = metrics()
    conversations = [conversation(i, rng) for i in range(n)]
    warm_up(conversations, specs)

    evaluation, evaluations = evaluation_table(conversations, specs, repeats)
    per_metric = breakdown(conversations, specs, 2)
    runs = stored_runs(conversations, evaluations)
    aggregation, detail, ok = aggregation_table(result_row(specs), runs, max(repeats, 5))

    verdicts = [v for e in evaluations for v in e.metrics]
    inconclusive = sum(1 for v in verdicts if v.status.value != "ok")
    outcomes_met = sum(1 for e in evaluations if e.expected_outcome.met)
    print(
        f"\n{n} runs × {len(specs)} offline metrics (5 basic, 5 predefined) + expected outcome "
        f"of 3 criteria; 10 messages per run; {repeats} repeats (aggregation {max(repeats, 5)})\n"
        f"verdicts: {len(verdicts)} metric verdicts ({inconclusive} not ok), "
        f"{outcomes_met}/{n} expected outcomes met, {detail['success_runs_count']} runs passed, "
        f"{detail['failed_runs_count']} failed, {len(detail['failed_reasons']['issues'])} "
        f"failure issues\n"
    )
    print(evaluation)
    print()
    print(per_metric)
    print()
    print(aggregation)
    print()
    print(issues_table(detail["failed_reasons"]))
    return 0 if ok else 1


def issues_table(failed_reasons: dict[str, Any]) -> str:
    """The result's failure issues, to read (the planted faults: wrong day, no read-back, caller
    hangs up, slow reply, leaked phone number)."""
    rows = [
        [str(i["rank"]), str(i["affected_count"]), shorten(i["description"], 100)]
        for i in failed_reasons["issues"]
    ]
    title = f"failed_reasons: {failed_reasons['total_failed_runs']} failed runs\n"
    return title + table(rows, ["issue", "runs", "description"])


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
