"""With an LLM configured: the LLM caller talks, the LLM judge decides what offline checks cannot."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from runner_helpers import launch, make_agent, make_scenario, wait_result, websocket_provider

from api_server import serve_api
from sparring.config import LLMSettings, load_settings
from sparring.testing.fake_agents import FakeWebSocketAgent
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer


def fake_llm(request: dict[str, Any]) -> FakeCompletion:
    """Plays the caller (two lines, then end_call) and the judge (JSON verdicts with evidence)."""
    system = request["messages"][0]["content"]
    if request.get("response_format"):
        transcript = request["messages"][-1]["content"]
        quote = "Friday at 10 works" if "Friday at 10 works" in transcript else "x"
        turn = next(
            (line.split("]")[0].strip("[ ") for line in transcript.splitlines() if quote in line),
            "0",
        )
        verdicts = [
            {
                "index": 1,
                "criterion": "The agent offers a convenient time slot",
                "verdict": "met",
                "reason": "offered a slot",
                "evidence": [{"turn": int(turn), "quote": quote}],
            }
        ]
        return FakeCompletion(json.dumps({"criteria": verdicts}))
    said = sum(1 for m in request["messages"] if m["role"] == "assistant")
    if said >= 2 or ("caller" not in system.lower() and said >= 2):
        return FakeCompletion(None, tool_calls=[{"name": "end_call", "arguments": {}}])
    return FakeCompletion(["Can I come on Friday?", "Great, thanks."][said])


async def test_llm_caller_and_judge_through_the_api(database) -> None:
    async with (
        FakeOpenAIServer(fake_llm) as llm,
        FakeWebSocketAgent(reply=lambda m, h: "Friday at 10 works.") as agent,
    ):
        llm_settings = LLMSettings(base_url=llm.base_url, model="fake", api_key="k", seed=7)
        settings = dataclasses.replace(load_settings(), llm=llm_settings)
        async with serve_api(database, settings) as api, api.client() as client:
            agent_id = await make_agent(
                client, websocket_provider(agent.url), agent_speaks_first=False
            )
            scenario = await make_scenario(
                client,
                instructions="You want an appointment on Friday.",
                expected_outcome_prompt="The agent offers a convenient time slot.",
            )
            result = await wait_result(
                client, await launch(client, agent_id=agent_id, scenarios=[scenario])
            )
            again = await client.post(f"/test_framework/v1/results/{result['id']}/rerun", json={})
            assert again.status_code == 200
    (run,) = result["runs"].values()
    caller_lines = [t["content"] for t in run["transcript_object"] if t["role"] == "Testing Agent"]
    assert caller_lines == ["Hello", "Great, thanks."]  # the opening line, then the LLM's
    assert run["metadata"]["ended_reason"] == "testing-agent-ended-call"  # its end_call tool
    assert run["expected_outcome"]["score"] == 100, run[
        "expected_outcome"
    ]  # decided by the judge, not offline
    assert run["expected_outcome"]["outcome_alignments"][0]["aligned"] is True
    assert run["success"] is True
    judge_requests = [r for r in llm.requests if r.get("response_format")]
    assert len(judge_requests) == 1
    assert judge_requests[0]["temperature"] == 0
