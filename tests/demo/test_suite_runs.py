"""The clinic suite, played in-process through sparring's loop and offline judge: the good agent
passes every scenario, each planted bug fails exactly the scenarios the manifest lists."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio
from demo_helpers import failing_keys, judge, manifest, play, python_transport, scenarios

from sparring.demo.clinic import BUGS
from sparring.domain.verdict import ExpectedOutcome

Outcomes = dict[str, ExpectedOutcome]  # by suite key
AGENTS = ["good_agent", "buggy_agent", *(f"buggy_{bug}_agent" for bug in BUGS)]


async def run_suite(callable_name: str) -> Outcomes:
    """Every scenario against the agent `callable_name`, at once; outcome by suite key."""
    transport = python_transport(callable_name)
    cases = scenarios()
    try:
        transcripts = await asyncio.gather(*(play(transport, s) for s in cases))
    finally:
        await transport.aclose()
    outcomes = await asyncio.gather(*(judge(s, t) for s, t in zip(cases, transcripts, strict=True)))
    return {s.key: o for s, o in zip(cases, outcomes, strict=True)}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def outcomes() -> dict[str, Outcomes]:
    """The suite against every variant, all at once (the slow reply is waited for once)."""
    names = [f"sparring.demo.clinic:{agent}" for agent in AGENTS]
    results = await asyncio.gather(*(run_suite(name) for name in names))
    return dict(zip(AGENTS, results, strict=True))


def failed_criteria(outcome: ExpectedOutcome) -> list[str]:
    return [a.prompt_part for a in outcome.alignments if a.aligned is False]


def test_the_good_agent_meets_every_expected_outcome(outcomes: dict[str, Outcomes]) -> None:
    assert {k: o.explanation for k, o in outcomes["good_agent"].items() if not o.met} == {}


def test_the_buggy_agent_fails_exactly_the_scenarios_of_its_bugs(
    outcomes: dict[str, Outcomes],
) -> None:
    buggy = outcomes["buggy_agent"]
    assert {k for k, o in buggy.items() if failing(o)} == failing_keys(set(BUGS))
    assert all(o.met for k, o in buggy.items() if k in manifest()["controls"])
    for bug in manifest()["bugs"]:
        for key in bug["scenarios"]:
            assert bug["check"] in failed_criteria(buggy[key]), (bug["id"], key)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_alone_fails_only_its_own_scenarios(
    outcomes: dict[str, Outcomes], bug: str
) -> None:
    alone = outcomes[f"buggy_{bug}_agent"]
    assert {k for k, o in alone.items() if failing(o)} == failing_keys({bug})
    assert {k for k, o in alone.items() if o.score is None} == set()


def failing(outcome: ExpectedOutcome) -> bool:
    """Failed, not merely undecided: some criterion is decided as not met."""
    return outcome.score is not None and outcome.score < 100
