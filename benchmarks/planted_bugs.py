"""How truthful sparring's offline verdicts are: the clinic suite against agents with planted bugs.

    python benchmarks/planted_bugs.py [--frequency 1]

The clinic suite (examples/clinic/suite.json) runs end to end through sparring (one in-process
runtime, SQLite, scripted caller, offline evaluator, python transport) against the good clinic
agent, the buggy one (every bug) and each single-bug agent (`buggy_<bug>_agent`), all launched
at once. Ground truth is `sparring.demo.bug_manifest()` alone: which scenarios expose which bug
and which criterion must catch it. Measured:

  found      a (bug, scenario) pair whose run failed with the bug's `check` among its ❌ lines
  recall     found pairs / expected pairs (single-bug runs and the all-bugs run)
  precision  failing runs whose scenario the manifest says exposes the agent's bug(s) / all
             failing runs (single-bug runs and the all-bugs run)
  false-failure rate  failing runs of the good agent / its runs (the baseline of the same run:
             the same suite against the agent without bugs)
  inconclusive        runs with success null, and ❔ criteria

Exit code 1 when recall < 0.95, precision < 0.95 or the good agent fails any run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import table

SUITE = Path(__file__).resolve().parent.parent / "examples" / "clinic" / "suite.json"
RECALL_TARGET = 0.95
PRECISION_TARGET = 0.95
GOOD = "good"
ALL_BUGS = "buggy"


@dataclass
class Agent:
    """One agent under test: its label, the callable, and the bugs the manifest gives it."""

    label: str
    callable: str
    bugs: tuple[str, ...]


@dataclass
class RunVerdict:
    """What sparring said about one run, reduced to what the benchmark scores."""

    run_id: int
    scenario: str
    status: str
    success: bool | None
    failed_criteria: list[str] = field(default_factory=list)
    undecided_criteria: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.success is False


def agents_under_test(manifest: dict[str, Any]) -> list[Agent]:
    bugs = [b["id"] for b in manifest["bugs"]]
    module = "sparring.demo.clinic"
    return [
        Agent(GOOD, f"{module}:good_agent", ()),
        Agent(ALL_BUGS, f"{module}:buggy_agent", tuple(bugs)),
        *(Agent(f"buggy:{b}", f"{module}:buggy_{b}_agent", (b,)) for b in bugs),
    ]


def suite_doc(frequency: int) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SUITE.read_text())
    if frequency > 1:
        for scenario in doc["scenarios"]:
            scenario["frequency"] = frequency
    return doc


async def run_all(
    doc: dict[str, Any], agents: list[Agent]
) -> tuple[dict[str, list[RunVerdict]], dict[str, list[dict[str, Any]]]]:
    """Launch the suite once per agent in one runtime; wait; the verdicts of each agent's runs
    and the `failed_reasons` issues of each agent's result."""
    from sqlalchemy import select

    from sparring.cli.embedded import ensure_agent
    from sparring.config import load_settings
    from sparring.runner.runtime import Runtime
    from sparring.services import launch, result_queries, suites
    from sparring.services.keys import Principal, ensure_project
    from sparring.storage.db import Database
    from sparring.storage.models import Scenario

    cfg = load_settings()
    db = Database(cfg.effective_database_url)
    runtime = await Runtime(db, cfg, executes=True).start()
    try:
        async with db.transaction() as session:
            project = await ensure_project(session, f"bench-{uuid.uuid4().hex[:6]}")
            principal = Principal(project.id, project.organization_id, 0)
        launched: dict[str, int] = {}
        for agent in agents:
            provider = {"type": "python", "credentials": {"config": {"callable": agent.callable}}}
            agent_id = await ensure_agent(db, principal, f"clinic {agent.label}", provider)
            async with db.transaction() as session:
                result, total, _ = await suites.launch_suite(
                    session, principal, doc, agent_id, name=agent.label,
                    caller_engine="scripted", concurrency_limit=total_runs(doc),
                )  # fmt: skip
            assert result is not None
            await runtime.enqueue_lanes(result.id, launch.lanes_for(result, total))
            launched[agent.label] = result.id
        while True:
            async with db.session() as session:
                counts = [await result_queries.run_counts(session, r) for r in launched.values()]
            if all(c["completed"] >= c["total"] for c in counts):
                break
            await asyncio.sleep(0.1)
        async with db.session() as session:
            rows = await session.execute(
                select(Scenario.id, Scenario.extra).where(Scenario.project_id == project.id)
            )
            keys = {sid: (extra or {}).get("suite_key", "") for sid, extra in rows}
            out, issues = {}, {}
            for label, result_id in launched.items():
                detail = await result_queries.load_result(session, principal, result_id)
                out[label] = [verdict_of(run, keys) for run in detail["runs"].values()]
                issues[label] = detail["failed_reasons"]["issues"]
        return out, issues
    finally:
        await runtime.stop()
        await db.dispose()


def total_runs(doc: dict[str, Any]) -> int:
    return sum(int(s.get("frequency", 1)) for s in doc["scenarios"])


def verdict_of(run: dict[str, Any], keys: dict[int, str]) -> RunVerdict:
    explanation = (run.get("expected_outcome") or {}).get("explanation") or []
    return RunVerdict(
        run_id=int(run["id"]),
        scenario=keys.get(run["scenario"], run["scenario_name"]),
        status=run["status"],
        success=run["success"] if run["status"] == "completed" else False,
        failed_criteria=[line for line in explanation if line.startswith("❌")],
        undecided_criteria=[line for line in explanation if line.startswith("❔")],
    )


def caught(run: RunVerdict, check: str) -> bool:
    """The run failed, and the bug's criterion is among its ❌ lines."""
    wanted = f"❌ {check.strip().rstrip('.')}:"
    return run.failing and any(line.startswith(wanted) for line in run.failed_criteria)


@dataclass
class Tally:
    found: int = 0
    expected: int = 0
    exposing_failures: int = 0
    failures: int = 0

    def add(self, other: Tally) -> None:
        self.found += other.found
        self.expected += other.expected
        self.exposing_failures += other.exposing_failures
        self.failures += other.failures


def score_agent(
    agent: Agent, runs: list[RunVerdict], bugs: dict[str, dict[str, Any]]
) -> tuple[Tally, dict[str, tuple[int, int]], list[RunVerdict]]:
    """Recall and precision counts of one buggy agent, found/expected per bug, stray failures."""
    tally = Tally()
    per_bug: dict[str, tuple[int, int]] = {}
    for bug in agent.bugs:
        exposing = [r for r in runs if r.scenario in bugs[bug]["scenarios"]]
        found = sum(1 for r in exposing if caught(r, bugs[bug]["check"]))
        per_bug[bug] = (found, len(exposing))
        tally.found += found
        tally.expected += len(exposing)
    exposed = {s for bug in agent.bugs for s in bugs[bug]["scenarios"]}
    failing = [r for r in runs if r.failing]
    tally.failures = len(failing)
    tally.exposing_failures = sum(1 for r in failing if r.scenario in exposed)
    return tally, per_bug, [r for r in failing if r.scenario not in exposed]


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frequency", type=int, default=1, help="runs of each scenario")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="sparring-bench-")
    os.environ.update(SPARRING_HOME=home, SPARRING_DATABASE_URL=f"sqlite+aiosqlite:///{home}/b.db")
    for key in ("SPARRING_LLM_BASE_URL", "SPARRING_LLM_MODEL", "SPARRING_LLM_API_KEY"):
        os.environ.pop(key, None)  # offline verdicts only
    from sparring.demo import bug_manifest
    from sparring.storage.migrate import upgrade_database

    upgrade_database(os.environ["SPARRING_DATABASE_URL"])
    manifest = bug_manifest()
    bugs = {b["id"]: b for b in manifest["bugs"]}
    agents = agents_under_test(manifest)
    doc = suite_doc(args.frequency)
    started = time.perf_counter()
    verdicts, issues = asyncio.run(run_all(doc, agents))
    wall = time.perf_counter() - started

    scored = {a.label: score_agent(a, verdicts[a.label], bugs) for a in agents if a.bugs}
    single, everything = Tally(), Tally()
    for agent in agents:
        if agent.bugs:
            (everything if agent.label == ALL_BUGS else single).add(scored[agent.label][0])
    both = Tally()
    both.add(single)
    both.add(everything)

    bug_rows = []
    for bug_id, bug in bugs.items():
        alone, stray = scored[f"buggy:{bug_id}"][1][bug_id], scored[f"buggy:{bug_id}"][2]
        among = scored[ALL_BUGS][1][bug_id]
        bug_rows.append([
            bug_id, ", ".join(bug["scenarios"]), bug["check"],
            f"{alone[0]}/{alone[1]}", f"{among[0]}/{among[1]}",
            "yes" if alone[0] == alone[1] and among[0] == among[1] else "NO",
            ", ".join(sorted({r.scenario for r in stray})) or "-",
        ])  # fmt: skip

    agent_rows = []
    for agent in agents:
        runs = verdicts[agent.label]
        exposed = {s for bug in agent.bugs for s in bugs[bug]["scenarios"]}
        agent_rows.append([
            agent.label + (" (baseline)" if agent.label == GOOD else ""),
            str(len(runs)), str(sum(r.success is True for r in runs)),
            str(sum(r.failing for r in runs)), str(sum(r.success is None for r in runs)),
            str(sum(len(r.undecided_criteria) for r in runs)),
            str(sum(r.failing for r in runs if r.scenario in exposed)),
            str(sum(1 for r in runs if r.status != "completed")),
        ])  # fmt: skip

    good = verdicts[GOOD]
    good_failures = sum(r.failing for r in good)
    inconclusive_runs = sum(r.success is None for runs in verdicts.values() for r in runs)
    undecided = sum(len(r.undecided_criteria) for runs in verdicts.values() for r in runs)
    recall, precision = (
        ratio(both.found, both.expected),
        ratio(both.exposing_failures, both.failures),
    )
    false_rate = ratio(good_failures, len(good)) if good else 0.0
    verdict_rows = [
        ["recall, single-bug runs", f"{ratio(single.found, single.expected):.3f}",
         f"{single.found}/{single.expected} pairs", ""],
        ["recall, all-bugs run", f"{ratio(everything.found, everything.expected):.3f}",
         f"{everything.found}/{everything.expected} pairs", ""],
        ["recall", f"{recall:.3f}", f"{both.found}/{both.expected} pairs",
         pass_mark(recall >= RECALL_TARGET, f">= {RECALL_TARGET}")],
        ["precision, single-bug runs", f"{ratio(single.exposing_failures, single.failures):.3f}",
         f"{single.exposing_failures}/{single.failures} failing runs", ""],
        ["precision, all-bugs run",
         f"{ratio(everything.exposing_failures, everything.failures):.3f}",
         f"{everything.exposing_failures}/{everything.failures} failing runs", ""],
        ["precision", f"{precision:.3f}", f"{both.exposing_failures}/{both.failures} failing runs",
         pass_mark(precision >= PRECISION_TARGET, f">= {PRECISION_TARGET}")],
        ["good agent false-failure rate", f"{false_rate:.3f}",
         f"{good_failures}/{len(good)} runs", pass_mark(good_failures == 0, "0 failures")],
        ["inconclusive runs (all agents)", str(inconclusive_runs),
         f"{undecided} ❔ criteria", "(reported)"],
    ]  # fmt: skip

    total = sum(len(v) for v in verdicts.values())
    print(
        f"\nclinic suite: {len(doc['scenarios'])} scenarios × {args.frequency}, "
        f"{len(agents)} agents, {total} runs in {wall:.1f} s "
        f"(scripted caller, offline evaluator, python transport)\n"
    )
    print(table(bug_rows, ["bug", "exposing scenarios", "manifest check", "alone", "among all",
                           "found", "stray failures (alone)"]))  # fmt: skip
    print()
    print(table(agent_rows, ["agent", "runs", "passed", "failed", "inconclusive", "❔ criteria",
                             "failed on exposing", "not completed"]))  # fmt: skip
    print()
    print(table(verdict_rows, ["figure", "value", "counts", "target"]))
    missed = [
        name for name, ok in (("recall", recall >= RECALL_TARGET),
                              ("precision", precision >= PRECISION_TARGET),
                              ("false failures", good_failures == 0)) if not ok
    ]  # fmt: skip
    print()
    print(issues_table(verdicts[ALL_BUGS], issues[ALL_BUGS], bugs))
    for agent in agents:
        show_unexpected(agent, verdicts[agent.label], bugs)
    if missed:
        print(f"\nTARGET MISSED: {', '.join(missed)}")
        return 1
    print("\nall targets met")
    return 0


def pass_mark(ok: bool, target: str) -> str:
    return f"{target} {'ok' if ok else 'MISSED'}"


def issues_table(
    runs: list[RunVerdict], issues: list[dict[str, Any]], bugs: dict[str, dict[str, Any]]
) -> str:
    """The all-bugs result's `failed_reasons` issues, each with the planted bugs of its runs
    (reported, not scored: one issue should be one root cause)."""
    scenario_of = {r.run_id: r.scenario for r in runs}
    rows = []
    for issue in issues:
        scenarios = sorted({scenario_of.get(i, "?") for i in issue["run_ids"]})
        planted = sorted({b for b, bug in bugs.items() for s in scenarios if s in bug["scenarios"]})
        rows.append([
            str(issue["rank"]), str(issue["affected_count"]), ", ".join(scenarios),
            ", ".join(planted), "MIXED" if len(planted) > 1 else "",
            shorten(issue["description"], 70),
        ])  # fmt: skip
    mixed = sum(1 for r in rows if r[4])
    header = ["issue", "runs", "scenarios", "planted bugs", "", "description"]
    title = (
        f"failed_reasons of the all-bugs result: {len(rows)} issues for {len(bugs)} bugs, "
        f"{mixed} mixing root causes (reported, not scored)\n"
    )
    return title + table(rows, header)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def show_unexpected(agent: Agent, runs: list[RunVerdict], bugs: dict[str, dict[str, Any]]) -> None:
    """Print the ❌/❔ lines of failing or undecided runs the manifest does not explain."""
    exposed = {s for bug in agent.bugs for s in bugs[bug]["scenarios"]}
    for run in runs:
        if (run.failing and run.scenario not in exposed) or run.success is None:
            print(f"\n{agent.label} / {run.scenario}: success={run.success} status={run.status}")
            for line in [*run.failed_criteria, *run.undecided_criteria]:
                print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main())
