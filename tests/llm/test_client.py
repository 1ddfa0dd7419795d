"""The LLM client against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sparring.config import LLMSettings
from sparring.errors import LLMError
from sparring.llm import LLMClient, LLMToolCall
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer


def replies(*completions: FakeCompletion) -> object:
    """A responder that answers with `completions` in turn (the last one from then on)."""
    queue: Iterator[FakeCompletion] = iter(completions)
    last = completions[-1]
    return lambda _request: next(queue, last)


def client_for(server: FakeOpenAIServer, **settings: object) -> LLMClient:
    options = {"base_url": server.base_url, "model": "m", "api_key": "sk-test", **settings}
    return LLMClient(LLMSettings(**options))  # type: ignore[arg-type]


async def test_a_completion_is_read_with_its_tool_calls() -> None:
    end_call = {"name": "end_call", "arguments": {"last_words": "Bye"}}
    async with FakeOpenAIServer(replies(FakeCompletion("Bye then", tool_calls=[end_call]))) as fake:
        client = client_for(fake, seed=7)
        try:
            reply = await client.complete(
                [{"role": "user", "content": "Hi"}], temperature=0.2, tools=[{"type": "function"}]
            )
        finally:
            await client.aclose()
    assert reply.text == "Bye then"
    assert reply.tool_calls == (LLMToolCall("end_call", {"last_words": "Bye"}, "call_0"),)
    assert reply.model == "fake-model"
    sent = fake.requests[0]
    assert sent["model"] == "m"
    assert sent["messages"] == [{"role": "user", "content": "Hi"}]
    assert (sent["temperature"], sent["seed"], sent["tools"]) == (0.2, 7, [{"type": "function"}])


@pytest.mark.parametrize("status", [503, 429])
async def test_a_passing_failure_is_retried_once_after_the_pause_asked_for(status: int) -> None:
    first = FakeCompletion(status=status, headers={"Retry-After": "0.3"})
    async with FakeOpenAIServer(replies(first, FakeCompletion("Recovered"))) as fake:
        client = client_for(fake)
        started = time.monotonic()
        try:
            reply = await client.complete([{"role": "user", "content": "Hi"}])
        finally:
            await client.aclose()
    assert reply.text == "Recovered"
    assert len(fake.requests) == 2
    assert time.monotonic() - started >= 0.3


async def test_a_lasting_failure_says_what_the_server_said() -> None:
    async with FakeOpenAIServer(replies(FakeCompletion(status=500))) as fake:
        client = client_for(fake)
        try:
            with pytest.raises(LLMError, match="HTTP 500: fake failure"):
                await client.complete([{"role": "user", "content": "Hi"}])
        finally:
            await client.aclose()
    assert len(fake.requests) == 2


async def test_a_refusal_is_not_retried() -> None:
    async with FakeOpenAIServer(replies(FakeCompletion(status=400))) as fake:
        client = client_for(fake)
        try:
            with pytest.raises(LLMError, match="HTTP 400"):
                await client.complete([{"role": "user", "content": "Hi"}])
        finally:
            await client.aclose()
    assert len(fake.requests) == 1


@pytest.mark.parametrize("body", ["not json", '{"choices": []}', '{"choices": [{"message": 3}]}'])
async def test_a_reply_that_is_no_chat_completion_is_an_llm_error(body: str) -> None:
    async with FakeOpenAIServer(replies(FakeCompletion(raw_body=body))) as fake:
        client = client_for(fake)
        try:
            with pytest.raises(LLMError, match="not a chat completion"):
                await client.complete([{"role": "user", "content": "Hi"}])
        finally:
            await client.aclose()


async def test_no_answer_in_time_is_an_llm_error() -> None:
    async with FakeOpenAIServer(replies(FakeCompletion("late", delay=1.0))) as fake:
        client = client_for(fake, timeout_seconds=0.2)
        try:
            with pytest.raises(LLMError, match=r"timed out after 0.2 s"):
                await client.complete([{"role": "user", "content": "Hi"}])
        finally:
            await client.aclose()


async def test_a_dead_port_is_an_llm_error() -> None:
    client = LLMClient(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m"))
    try:
        with pytest.raises(LLMError, match="LLM request failed"):
            await client.complete([{"role": "user", "content": "Hi"}])
    finally:
        await client.aclose()
