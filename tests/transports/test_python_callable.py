"""The "python" transport, calling real functions from a module written for the test."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sparring.domain.scenario import RunContext
from sparring.domain.transcript import ToolCall
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput
from sparring.transports import Transport
from sparring.transports.python_callable import PythonCallableTransport

MakeTransport = Callable[..., Transport]

AGENTS = """
import asyncio
import threading
import time

def echo(messages, context):
    return {
        "content": f"{len(messages)}: {messages[-1]['content'] if messages else 'Welcome!'}",
        "metadata": {"context": context},
    }

async def booking(messages, context):
    await asyncio.sleep(0)
    turns = sum(1 for m in messages if m["role"] == "user")
    return {
        "content": "Booked, goodbye!" if turns == 2 else "Which day?",
        "end_call": turns == 2,
        "tool_calls": [{"name": "book", "arguments": '{"day": "Mon"}', "id": "t1", "result": "ok"}]
        if turns == 2 else [],
    }

def broken(messages, context):
    raise RuntimeError("database is down")

async def slow(messages, context):
    await asyncio.sleep(1)
    return "late"

def number(messages, context):
    return 42

def wrong_dict(messages, context):
    return {"text": "hi"}

def vandal(messages, context):
    seen = len(messages)
    messages.clear()
    context.clear()
    return str(seen)

running = 0
peak = 0
lock = threading.Lock()

def blocking(messages, context):
    global running, peak
    with lock:
        running += 1
        peak = max(peak, running)
    time.sleep(0.2)
    with lock:
        running -= 1
    return "done"

NOT_CALLABLE = 3
"""


@pytest.fixture
def agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a fresh importable module holding the agent functions above."""
    name = f"agents_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(AGENTS))
    (tmp_path / f"{name}_bad.py").write_text("raise ImportError('missing dependency')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


async def test_a_sync_function_gets_the_history_and_the_run(
    make_transport: MakeTransport, agents: str
) -> None:
    transport = make_transport("python", {"callable": f"{agents}:echo"})
    context = RunContext(run_id=7, result_id=8, scenario_id=9, agent_variables={"tier": "gold"})
    connection = await transport.connect(context)
    assert await connection.start() is None
    first = await connection.send("Hi")
    second = await connection.send("Book me")

    assert (first.text, second.text) == ("1: Hi", "3: Book me")
    assert second.latency_ms > 0
    assert not second.ended
    assert second.metadata["context"] == {
        "run_id": 7,
        "result_id": 8,
        "scenario_id": 9,
        "variables": {"tier": "gold"},
    }


async def test_an_async_function_can_call_tools_and_hang_up(
    make_transport: MakeTransport, agents: str
) -> None:
    connection = await make_transport("python", {"callable": f"{agents}:booking"}).connect(
        RunContext()
    )
    first = await connection.send("A table please")
    second = await connection.send("Monday")

    assert (first.text, first.ended) == ("Which day?", False)
    assert (second.text, second.ended) == ("Booked, goodbye!", True)
    assert second.tool_calls == (
        ToolCall(name="book", arguments={"day": "Mon"}, id="t1", result="ok"),
    )


async def test_an_agent_that_speaks_first_is_called_with_no_messages(
    make_transport: MakeTransport, agents: str
) -> None:
    transport = make_transport("python", {"callable": f"{agents}:echo"}, agent_speaks_first=True)
    connection = await transport.connect(RunContext())
    greeting = await connection.start()
    reply = await connection.send("Hi")

    assert greeting is not None
    assert greeting.text == "0: Welcome!"
    assert reply.text == "2: Hi"


async def test_a_function_cannot_rewrite_the_history(
    make_transport: MakeTransport, agents: str
) -> None:
    connection = await make_transport("python", {"callable": f"{agents}:vandal"}).connect(
        RunContext()
    )
    replies = [(await connection.send(text)).text for text in ("one", "two", "three")]
    assert replies == ["1", "3", "5"]


async def test_an_exception_is_unreachable_with_its_message(
    make_transport: MakeTransport, agents: str
) -> None:
    connection = await make_transport("python", {"callable": f"{agents}:broken"}).connect(
        RunContext()
    )
    with pytest.raises(AgentUnreachable, match="RuntimeError: database is down"):
        await connection.send("Hello?")


async def test_a_slow_function_is_unreachable(make_transport: MakeTransport, agents: str) -> None:
    transport = make_transport("python", {"callable": f"{agents}:slow", "timeout_seconds": 0.1})
    connection = await transport.connect(RunContext())
    with pytest.raises(AgentUnreachable, match=r"did not answer within 0.1 s"):
        await connection.send("Hello?")


@pytest.mark.parametrize(
    ("function", "message"), [("number", "returned int"), ("wrong_dict", '"content"')]
)
async def test_a_reply_of_the_wrong_shape_is_misbehaviour(
    make_transport: MakeTransport, agents: str, function: str, message: str
) -> None:
    connection = await make_transport("python", {"callable": f"{agents}:{function}"}).connect(
        RunContext()
    )
    with pytest.raises(AgentMisbehaved, match=message):
        await connection.send("Hello?")


async def test_blocking_functions_do_not_stall_other_conversations(
    make_transport: MakeTransport, agents: str
) -> None:
    transport = make_transport("python", {"callable": f"{agents}:blocking"})
    connections = [await transport.connect(RunContext(run_id=n)) for n in range(4)]
    replies = await asyncio.gather(*(c.send("go") for c in connections))

    assert [r.text for r in replies] == ["done"] * 4
    module = __import__(agents)
    assert module.peak > 1  # they ran side by side, in worker threads


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "required"),
        ({"callable": "no_colon_here"}, "package.module:function"),
        ({"callable": "sparring_no_such_module_xyz:agent"}, "Cannot import"),
        ({"callable": "{agents}_bad:agent"}, "missing dependency"),
        ({"callable": "{agents}:missing"}, 'no attribute "missing"'),
        ({"callable": "{agents}:NOT_CALLABLE"}, "not callable"),
        ({"callable": "{agents}:echo", "timeout_seconds": 0}, "greater than 0"),
    ],
)
def test_config_errors_name_the_field(agents: str, config: dict[str, Any], message: str) -> None:
    filled = {k: v.format(agents=agents) if isinstance(v, str) else v for k, v in config.items()}
    field = "timeout_seconds" if "timeout_seconds" in config else "callable"
    with pytest.raises(BadInput, match=message) as caught:
        PythonCallableTransport.validate_config(filled)
    assert caught.value.field == f"provider.credentials.config.{field}"
