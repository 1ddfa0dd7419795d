"""The LLM judge against a real fake OpenAI server: valid verdicts pass through, everything
else fails closed, verdicts are cached, votes are a strict majority."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from sparring.config import LLMSettings
from sparring.domain.scenario import ScenarioSpec
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.domain.verdict import EvalType, Evidence, MetricKind, MetricSpec, VerdictStatus
from sparring.evaluation.base import Conversation
from sparring.evaluation.cache import MemoryVerdictCache
from sparring.evaluation.judge import LLMCriteriaJudge, LLMJudgeEvaluator
from sparring.llm.client import LLMClient
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer

CRITERIA = ["The agent books a table for two", "The agent gives a confirmation number"]
BOOKED = "Sure! I have booked a table for two tomorrow at 7 pm. Your confirmation number is AB12."


def conversation(run_id: int = 1) -> Conversation:
    turns = [
        Turn(Role.CALLER, "Hi, I'd like a table for two tomorrow at 7pm.", 0.0, 2.0),
        Turn(
            Role.AGENT,
            BOOKED,
            2.5,
            4.0,
            latency_ms=500.0,
            tool_calls=(ToolCall("book_table", {"people": 2}, result="booked"),),
        ),
        Turn(Role.CALLER, "Thanks, bye.", 5.0, 6.0),
        Turn(Role.AGENT, "Goodbye, enjoy your dinner!", 6.5, 7.0, latency_ms=400.0),
    ]
    scenario = ScenarioSpec(name="Book a table", instructions="Book a table for two.")
    return Conversation(scenario=scenario, transcript=Transcript(turns=turns), run_id=run_id)


def criterion(index: int, verdict: str, evidence: list[dict[str, Any]], reason: str = "r") -> dict:
    return {
        "index": index,
        "criterion": CRITERIA[index - 1],
        "verdict": verdict,
        "reason": reason,
        "evidence": evidence,
    }


def reply(*items: dict[str, Any]) -> FakeCompletion:
    return FakeCompletion(json.dumps({"criteria": list(items)}))


BOOK_QUOTE = [{"turn": 1, "quote": "I have booked a table for two"}]
CODE_QUOTE = [{"turn": 1, "quote": "Your confirmation number is AB12"}]


class Script:
    """A responder whose reply the test sets (a FakeCompletion or a function of the count)."""

    def __init__(self) -> None:
        self.next: Callable[[int], FakeCompletion] = lambda n: reply()
        self.count = 0

    def set(self, completion: FakeCompletion | Callable[[int], FakeCompletion]) -> None:
        self.next = completion if callable(completion) else (lambda n: completion)

    def __call__(self, body: dict[str, Any]) -> FakeCompletion:
        self.count += 1
        return self.next(self.count)


@pytest_asyncio.fixture(loop_scope="session")
async def server() -> AsyncIterator[tuple[FakeOpenAIServer, Script]]:
    script = Script()
    async with FakeOpenAIServer(script, model="judge-model") as fake:
        yield fake, script


def make_client(fake: FakeOpenAIServer, **settings: Any) -> LLMClient:
    return LLMClient(LLMSettings(base_url=fake.base_url, model="judge-model", **settings))


@pytest_asyncio.fixture(loop_scope="session")
async def client(server: tuple[FakeOpenAIServer, Script]) -> AsyncIterator[LLMClient]:
    llm = make_client(server[0], timeout_seconds=5.0)
    yield llm
    await llm.aclose()


async def judge_once(client: LLMClient, **kwargs: Any) -> list:
    return await LLMCriteriaJudge(client, **kwargs).judge(CRITERIA, conversation())


async def test_valid_verdicts_pass_through_with_evidence(server, client) -> None:
    fake, script = server
    script.set(
        reply(criterion(1, "met", BOOK_QUOTE, "booked"), criterion(2, "not_met", CODE_QUOTE))
    )
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [True, False]
    assert verdicts[0].prompt_part == CRITERIA[0]
    assert verdicts[0].outcome == "booked"
    assert verdicts[0].evidence == (Evidence(1, "I have booked a table for two"),)
    request = fake.requests[-1]
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    user = request["messages"][-1]["content"]
    assert f"[1] Main Agent: {BOOKED}" in user
    assert 'book_table({"people": 2}) -> booked' in user
    assert "1. The agent books a table for two" in user


async def test_all_criteria_are_decided_in_one_request(server, client) -> None:
    fake, script = server
    script.set(reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE)))
    before = len(fake.requests)
    await judge_once(client)
    assert len(fake.requests) == before + 1


async def test_quotes_match_after_normalisation_and_tool_calls_count(server, client) -> None:
    _, script = server
    loose = [{"turn": 1, "quote": "“i have BOOKED a table … tomorrow at 7 pm”"}]
    tool = [{"turn": 1, "quote": 'book_table({"people": 2})'}]
    script.set(reply(criterion(1, "met", loose), criterion(2, "met", tool)))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [True, True]


async def test_malformed_json_is_undecided(server, client) -> None:
    _, script = server
    script.set(FakeCompletion('{"criteria": [{"criterion": "The agent books'))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, None]
    assert "not the JSON asked for" in verdicts[0].outcome


async def test_wrong_shape_and_unknown_verdict_are_undecided(server, client) -> None:
    _, script = server
    script.set(reply(criterion(1, "probably", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE)))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, None]
    script.set(FakeCompletion(json.dumps({"verdicts": "all met"})))
    assert [v.aligned for v in await judge_once(client)] == [None, None]


async def test_a_verdict_without_evidence_is_inconclusive(server, client) -> None:
    _, script = server
    script.set(reply(criterion(1, "met", []), criterion(2, "not_met", [])))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, None]
    assert "no evidence" in verdicts[0].outcome


@pytest.mark.parametrize(
    "evidence",
    [
        [{"turn": 1, "quote": "I have booked a table for four"}],  # not said
        [{"turn": 3, "quote": "I have booked a table for two"}],  # said, but in another turn
        [{"turn": 9, "quote": "Goodbye"}],  # no such turn
        [{"turn": 1, "quote": "boo"}],  # part of a word only
        [{"turn": 1, "quote": "..."}],  # nothing quoted
    ],
)
async def test_evidence_not_in_the_cited_turn_is_inconclusive(server, client, evidence) -> None:
    _, script = server
    script.set(reply(criterion(1, "met", evidence), criterion(2, "met", CODE_QUOTE)))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, True]
    assert verdicts[0].evidence == ()


async def test_cannot_tell_and_missing_criteria_are_inconclusive(server, client) -> None:
    _, script = server
    script.set(reply(criterion(1, "cannot_tell", [], "unclear")))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, None]
    assert verdicts[0].outcome == "unclear"
    assert "no verdict" in verdicts[1].outcome


async def test_criteria_are_matched_by_text_then_by_number(server, client) -> None:
    _, script = server
    by_text = criterion(2, "met", CODE_QUOTE) | {"index": 7}
    by_number = criterion(1, "not_met", BOOK_QUOTE) | {"criterion": "books a table"}
    script.set(reply(by_text, by_number))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [False, True]


async def test_conflicting_answers_on_one_criterion_are_inconclusive(server, client) -> None:
    _, script = server
    script.set(
        reply(
            criterion(1, "met", BOOK_QUOTE),
            criterion(1, "not_met", BOOK_QUOTE),
            criterion(2, "met", CODE_QUOTE),
        )
    )
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, True]
    assert "conflicting" in verdicts[0].outcome


async def test_fenced_json_is_read(server, client) -> None:
    _, script = server
    body = json.dumps(
        {"criteria": [criterion(1, "met", BOOK_QUOTE), criterion(2, "Not met", CODE_QUOTE)]}
    )
    script.set(FakeCompletion(f"```json\n{body}\n```"))
    assert [v.aligned for v in await judge_once(client)] == [True, False]


@pytest.mark.parametrize(
    "text", ["I can't help with that.", "I’m sorry, but I cannot assist with this request."]
)
async def test_a_refusal_is_undecided(server, client, text: str) -> None:
    _, script = server
    script.set(FakeCompletion(text))
    verdicts = await judge_once(client)
    assert [v.aligned for v in verdicts] == [None, None]
    assert "refused" in verdicts[0].outcome


async def test_a_server_error_is_undecided_and_not_cached(server, client) -> None:
    fake, script = server
    cache = MemoryVerdictCache()
    script.set(FakeCompletion(status=500))
    verdicts = await judge_once(client, cache=cache)
    assert [v.aligned for v in verdicts] == [None, None]
    assert "the LLM judge failed" in verdicts[0].outcome
    assert len(cache) == 0
    script.set(reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE)))
    before = len(fake.requests)
    assert [v.aligned for v in await judge_once(client, cache=cache)] == [True, True]
    assert len(fake.requests) == before + 1


async def test_a_timeout_is_undecided(server) -> None:
    fake, script = server
    slow = make_client(fake, timeout_seconds=0.1)
    try:
        script.set(FakeCompletion(json.dumps({"criteria": []}), delay=0.5))
        verdicts = await judge_once(slow)
        metric = await LLMJudgeEvaluator(slow).evaluate(binary_metric(), conversation())
    finally:
        await slow.aclose()
    assert [v.aligned for v in verdicts] == [None, None]
    assert "timed out" in verdicts[0].outcome.lower()
    assert metric.status is VerdictStatus.ERROR
    assert metric.score is None


async def test_a_second_evaluation_of_the_same_run_makes_no_request(server, client) -> None:
    fake, script = server
    script.set(reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "not_met", CODE_QUOTE)))
    judge = LLMCriteriaJudge(client)
    first = await judge.judge(CRITERIA, conversation())
    before = len(fake.requests)
    script.set(FakeCompletion(status=500))
    second = await judge.judge(CRITERIA, conversation(run_id=2))
    assert len(fake.requests) == before
    assert second == first


async def test_a_shared_cache_serves_the_metric_evaluator_too(server, client) -> None:
    fake, script = server
    cache = MemoryVerdictCache()
    script.set(metric_reply(True))
    first = await LLMJudgeEvaluator(client, cache=cache).evaluate(binary_metric(), conversation())
    before = len(fake.requests)
    second = await LLMJudgeEvaluator(client, cache=cache).evaluate(binary_metric(), conversation())
    assert len(fake.requests) == before
    assert (first.score, second.score) == (1.0, 1.0)


async def test_a_changed_transcript_is_judged_again(server, client) -> None:
    fake, script = server
    script.set(reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE)))
    judge = LLMCriteriaJudge(client)
    await judge.judge(CRITERIA, conversation())
    changed = conversation()
    changed.transcript.turns[3].content = "Bye."
    before = len(fake.requests)
    await judge.judge(CRITERIA, changed)
    assert len(fake.requests) == before + 1


def alternating(*verdicts: str) -> Callable[[int], FakeCompletion]:
    def respond(n: int) -> FakeCompletion:
        verdict = verdicts[(n - 1) % len(verdicts)]
        return reply(criterion(1, verdict, BOOK_QUOTE), criterion(2, "met", CODE_QUOTE))

    return respond


async def test_votes_take_the_strict_majority(server, client) -> None:
    fake, script = server
    script.count = 0
    script.set(alternating("met", "not_met", "met"))
    before = len(fake.requests)
    verdicts = await judge_once(client, votes=3)
    assert len(fake.requests) == before + 3
    assert [v.aligned for v in verdicts] == [True, True]
    assert "(2 of 3 votes)" in verdicts[0].outcome


async def test_tied_votes_are_inconclusive(server, client) -> None:
    _, script = server
    script.count = 0
    script.set(alternating("met", "not_met"))
    verdicts = await judge_once(client, votes=2)
    assert [v.aligned for v in verdicts] == [None, True]
    assert "did not agree" in verdicts[0].outcome


async def test_votes_come_from_the_settings(server) -> None:
    fake, script = server
    voting = make_client(fake, judge_votes=3)
    try:
        script.count = 0
        script.set(alternating("met", "not_met", "not_met"))
        before = len(fake.requests)
        verdicts = await judge_once(voting)
    finally:
        await voting.aclose()
    assert len(fake.requests) == before + 3
    assert verdicts[0].aligned is False


async def test_an_empty_conversation_is_not_sent(server, client) -> None:
    fake, _ = server
    empty = Conversation(scenario=ScenarioSpec(name="x"), transcript=Transcript())
    before = len(fake.requests)
    verdicts = await LLMCriteriaJudge(client).judge(CRITERIA, empty)
    metric = await LLMJudgeEvaluator(client).evaluate(binary_metric(), empty)
    assert len(fake.requests) == before
    assert [v.aligned for v in verdicts] == [None, None]
    assert metric.status is VerdictStatus.INCONCLUSIVE
    assert await LLMCriteriaJudge(client).judge([], conversation()) == []


# ---- metrics -------------------------------------------------------------------------------


def binary_metric(**kw: Any) -> MetricSpec:
    base: dict[str, Any] = {
        "name": "Confirms booking",
        "eval_type": EvalType.BINARY_WORKFLOW_ADHERENCE,
        "kind": MetricKind.LLM_JUDGE,
        "id": 7,
        "prompt": "Did the agent confirm the booking?",
    }
    return MetricSpec(**(base | kw))


def metric_reply(value: Any, evidence: list[dict[str, Any]] | None = None) -> FakeCompletion:
    body = {
        "value": value,
        "reason": "because",
        "evidence": BOOK_QUOTE if evidence is None else evidence,
    }
    return FakeCompletion(json.dumps(body))


@pytest.mark.parametrize(
    ("eval_type", "enum_values", "value", "score", "enum"),
    [
        (EvalType.BINARY_WORKFLOW_ADHERENCE, (), True, 1.0, None),
        (EvalType.BINARY_QUALITATIVE, (), False, 0.0, None),
        (EvalType.CONTINUOUS_QUALITATIVE, (), 4, 4.0, None),
        (EvalType.NUMERIC, (), 2.5, 2.5, None),
        (EvalType.ENUM, ("polite", "rude"), "Polite", None, "polite"),
    ],
)
async def test_metric_answers_on_each_scale(
    server, client, eval_type, enum_values, value, score, enum
) -> None:
    fake, script = server
    script.set(metric_reply(value))
    metric = binary_metric(eval_type=eval_type, enum_values=enum_values)
    verdict = await LLMJudgeEvaluator(client).evaluate(metric, conversation())
    assert verdict.status is VerdictStatus.OK
    assert (verdict.score, verdict.enum) == (score, enum)
    assert verdict.metric_id == 7
    assert verdict.evidence == [Evidence(1, "I have booked a table for two")]
    assert "Did the agent confirm the booking?" in fake.requests[-1]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("eval_type", "value", "status"),
    [
        (EvalType.CONTINUOUS_QUALITATIVE, 7, VerdictStatus.ERROR),  # off the 0–5 scale
        (EvalType.ENUM, "grumpy", VerdictStatus.ERROR),  # not an enum value
        (EvalType.BINARY_QUALITATIVE, "maybe", VerdictStatus.ERROR),
        (EvalType.BINARY_QUALITATIVE, None, VerdictStatus.INCONCLUSIVE),
    ],
)
async def test_metric_answers_off_the_scale_fail_closed(
    server, client, eval_type, value, status
) -> None:
    _, script = server
    script.set(metric_reply(value))
    metric = binary_metric(eval_type=eval_type, enum_values=("polite", "rude"))
    verdict = await LLMJudgeEvaluator(client).evaluate(metric, conversation())
    assert verdict.status is status
    assert verdict.score is None
    assert verdict.passed is None


@pytest.mark.parametrize(
    "completion",
    [
        metric_reply(True, evidence=[]),
        metric_reply(True, evidence=[{"turn": 1, "quote": "I never booked anything"}]),
        FakeCompletion("I can't help with that"),
        FakeCompletion("not json"),
        FakeCompletion(json.dumps({"reason": "no value key"})),
        FakeCompletion(status=500),
    ],
)
async def test_a_binary_metric_never_passes_on_a_bad_reply(server, client, completion) -> None:
    _, script = server
    script.set(completion)
    verdict = await LLMJudgeEvaluator(client).evaluate(binary_metric(), conversation())
    assert verdict.status is not VerdictStatus.OK
    assert verdict.passed is None
    assert verdict.explanation


async def test_a_metric_without_a_prompt_is_an_error_without_a_request(server, client) -> None:
    fake, _ = server
    before = len(fake.requests)
    verdict = await LLMJudgeEvaluator(client).evaluate(binary_metric(prompt=""), conversation())
    assert verdict.status is VerdictStatus.ERROR
    assert len(fake.requests) == before


async def test_the_description_stands_in_for_a_missing_prompt(server, client) -> None:
    fake, script = server
    script.set(metric_reply(True))
    metric = binary_metric(prompt="", description="The agent confirmed it.")
    verdict = await LLMJudgeEvaluator(client).evaluate(metric, conversation())
    assert verdict.score == 1.0
    assert "The agent confirmed it." in fake.requests[-1]["messages"][-1]["content"]
    assert LLMJudgeEvaluator.kind == "llm_judge"


async def test_metric_votes(server, client) -> None:
    _, script = server
    script.count = 0
    script.set(lambda n: metric_reply([4, 3, 4][(n - 1) % 3]))
    metric = binary_metric(eval_type=EvalType.CONTINUOUS_QUALITATIVE)
    verdict = await LLMJudgeEvaluator(client, votes=3).evaluate(metric, conversation())
    assert verdict.score == 4.0
    script.count = 0
    script.set(lambda n: metric_reply([5, 3, 4][(n - 1) % 3]))
    verdict = await LLMJudgeEvaluator(client, votes=3).evaluate(metric, conversation())
    assert verdict.status is VerdictStatus.INCONCLUSIVE
    assert "did not agree" in verdict.explanation


# ---- cache ---------------------------------------------------------------------------------


async def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryVerdictCache(max_entries=2)
    await cache.set("a", "1")
    await cache.set("b", "2")
    assert await cache.get("a") == "1"
    await cache.set("c", "3")
    assert await cache.get("b") is None
    assert (await cache.get("a"), await cache.get("c")) == ("1", "3")
    with pytest.raises(ValueError, match="at least 1"):
        MemoryVerdictCache(max_entries=0)


async def test_an_unreadable_cache_entry_is_judged_again(server, client) -> None:
    fake, script = server

    class Garbage(MemoryVerdictCache):
        async def get(self, key: str) -> str | None:
            return "{not json"

    script.set(reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE)))
    before = len(fake.requests)
    verdicts = await judge_once(client, cache=Garbage())
    assert len(fake.requests) == before + 1
    assert [v.aligned for v in verdicts] == [True, True]
