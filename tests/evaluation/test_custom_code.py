"""Metrics of kind `custom_code`: the user's script in a limited process."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, Transcript, Turn
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec, MetricVerdict, VerdictStatus
from sparring.evaluation.base import Conversation
from sparring.evaluation.custom_code import CustomCodeEvaluator, custom_code_data, limits

CONVERSATION = Conversation(
    ScenarioSpec(name="Booking", expected_outcome="The agent books Tuesday.", tags=("smoke",)),
    Transcript(
        [
            Turn(Role.AGENT, "Hello, clinic here.", 0.0, 1.5, latency_ms=400),
            Turn(Role.CALLER, "Tuesday please.", 2.0, 3.0),
            Turn(Role.AGENT, "Booked for Tuesday.", 3.5, 65.0, latency_ms=600),
        ],
        end_reason=EndReason.AGENT_ENDED,
        metadata={"attempts": 1},
    ),
    run_id=42,
    metadata={"test_profile": {"name": "Jane"}},
)
EVALUATOR = CustomCodeEvaluator()


async def run(
    code: str,
    eval_type: EvalType = EvalType.NUMERIC,
    enum_values: tuple[str, ...] = (),
    **configuration: Any,
) -> MetricVerdict:
    metric = MetricSpec(
        "Script",
        eval_type,
        MetricKind.CUSTOM_CODE,
        id=3,
        code=code,
        enum_values=enum_values,
        configuration=configuration,
    )
    return await EVALUATOR.evaluate(metric, CONVERSATION)


def assert_error(verdict: MetricVerdict, message: str) -> None:
    assert verdict.status is VerdictStatus.ERROR, verdict
    assert verdict.score is None
    assert message in verdict.explanation


async def test_script_reads_data_and_sets_result_and_explanation() -> None:
    verdict = await run(
        "turns = [t for t in data['transcript_json'] if t['role'] == 'Main Agent']\n"
        "_result = len(turns)\n"
        '_explanation = f"{len(turns)} agent turns"\n'
        "print('debugging', data['run_id'])\n"
    )
    assert (verdict.status, verdict.score, verdict.explanation) == (
        VerdictStatus.OK,
        2,
        "2 agent turns",
    )
    assert verdict.metric_id == 3
    assert verdict.extra["output"] == "debugging 42\n"


def test_data_has_cekuras_keys() -> None:
    data = custom_code_data(CONVERSATION)
    assert data["transcript"] == (
        "[00:00] Main Agent: Hello, clinic here.\n[00:02] Testing Agent: Tuesday please.\n"
        "[00:04] Main Agent: Booked for Tuesday."
    )
    assert data["transcript_json"][1]["role"] == "Testing Agent"
    assert data["call_duration"] == 65.0
    assert data["call_end_reason"] == "main-agent-ended-call"
    assert data["run_id"] == 42
    assert data["expected_outcome"] == "The agent books Tuesday."
    assert data["tags"] == ["smoke"]
    assert data["test_profile"] == {"name": "Jane"}
    assert data["metadata"] == {"attempts": 1, "test_profile": {"name": "Jane"}}
    assert data["latency_data"] == [
        {"latency(ms)": 400, "speaker": "Main Agent", "start_time": 0.0},
        {"latency(ms)": 600, "speaker": "Main Agent", "start_time": 3.5},
    ]
    assert data["Average Latency (in ms)"] == 500
    json.dumps(data)  # everything a script gets is JSON


@pytest.mark.parametrize(
    ("code", "eval_type", "score", "enum"),
    [
        ("_result = 'Tuesday' in data['transcript']", EvalType.BINARY_WORKFLOW_ADHERENCE, 1, None),
        ("_result = False", EvalType.BINARY_QUALITATIVE, 0, None),
        ("_result = 4.5", EvalType.CONTINUOUS_QUALITATIVE, 4.5, None),
        ("_result = data['call_duration'] * 2", EvalType.NUMERIC, 130, None),
        ("_result = 'Booked'", EvalType.ENUM, None, "booked"),
    ],
)
async def test_result_is_coerced_to_the_eval_type(
    code: str, eval_type: EvalType, score: float | None, enum: str | None
) -> None:
    verdict = await run(code, eval_type, ("booked", "not booked"))
    assert (verdict.status, verdict.score, verdict.enum) == (VerdictStatus.OK, score, enum)


@pytest.mark.parametrize(
    ("code", "eval_type", "message"),
    [
        ("_result = 'maybe'", EvalType.BINARY_WORKFLOW_ADHERENCE, "needs True/False"),
        ("_result = 9", EvalType.CONTINUOUS_QUALITATIVE, "needs 0 to 5, got 9"),
        ("_result = 'many'", EvalType.NUMERIC, "needs a number, got 'many'"),
        ("_result = 'cancelled'", EvalType.ENUM, "'cancelled' is not one of the enum values"),
        ("_result = None", EvalType.NUMERIC, "no result"),
        ("x = 1", EvalType.NUMERIC, "custom code did not set _result"),
    ],
)
async def test_result_that_does_not_fit_is_an_error(
    code: str, eval_type: EvalType, message: str
) -> None:
    assert_error(await run(code, eval_type, ("booked", "not booked")), message)


async def test_exception_is_reported_with_message_and_line() -> None:
    verdict = await run("a = 1\nb = 0\n_result = a / b\n")
    assert_error(verdict, "custom code raised ZeroDivisionError: division by zero (line 3)")


async def test_syntax_error_is_reported_with_line() -> None:
    assert_error(
        await run("x = 1\n_result = (\n"), "raised SyntaxError: '(' was never closed (line 2)"
    )


async def test_explanation_list_is_joined() -> None:
    verdict = await run("_result = 1\n_explanation = ['a', 'b']")
    assert verdict.explanation == "a\nb"


@pytest.mark.slow
async def test_infinite_loop_times_out() -> None:
    started = time.perf_counter()
    verdict = await run("while True:\n    pass\n", timeout_seconds=0.5)
    assert_error(verdict, "custom code timed out after 0.5 s")
    assert time.perf_counter() - started < 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "bomb",
    ["x = bytearray(10**10)", "x = []\nwhile True:\n    x.append(' ' * 10**6)"],
    ids=["one-big", "growing"],
)
async def test_memory_bomb_is_stopped(bomb: str) -> None:
    assert_error(await run(bomb, memory_mb=128), "custom code ran out of memory (limit 128 MB)")


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.slow
async def test_timeout_kills_processes_the_script_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "while True:\n    pass\n"
    )
    assert_error(await run(code, timeout_seconds=1), "timed out")
    pid = int(pid_file.read_text())
    for _ in range(100):
        if not alive(pid):
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"process {pid} started by the script is still alive")


async def test_script_does_not_see_server_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_LLM_API_KEY", "sk-secret")
    verdict = await run(
        "import os\n_result = 'SPARRING_LLM_API_KEY' in os.environ", EvalType.BINARY_QUALITATIVE
    )
    assert verdict.score == 0


async def test_many_scripts_run_in_parallel() -> None:
    verdicts = await asyncio.gather(*(run(f"_result = {i} * 2") for i in range(12)))
    assert [v.score for v in verdicts] == [i * 2 for i in range(12)]


@pytest.mark.parametrize(
    ("configuration", "message"),
    [({"timeout_seconds": "soon"}, "timeout_seconds"), ({"memory_mb": -1}, "memory_mb")],
)
async def test_bad_limits_are_an_error(configuration: dict[str, Any], message: str) -> None:
    assert_error(await run("_result = 1", **configuration), message)


async def test_no_code_is_an_error() -> None:
    assert_error(await run("   "), "no custom code")


def test_default_limits() -> None:
    assert limits({}) == (5.0, 256)
    assert limits({"timeout_seconds": 1000, "memory_mb": 1}) == (120.0, 64)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import os\nos._exit(3)", "custom code crashed (exit status 3)"),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
            "custom code crashed (exit status -9)",
        ),
    ],
)
async def test_a_process_that_dies_without_reporting_is_an_error(code: str, message: str) -> None:
    assert_error(await run(code), message)
