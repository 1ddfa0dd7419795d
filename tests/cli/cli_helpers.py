"""Helpers for CLI tests: the real console scripts as subprocesses, servers on free ports, and
results written straight into a database for `sparring compare`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from typer.testing import Result as Invocation

from sparring.cli.main import app
from sparring.config import settings
from sparring.storage.db import Database
from sparring.storage.models import Result, Run

BIN = Path(sys.executable).parent
SPARRING = str(BIN / "sparring")
CEKURA = str(BIN / "cekura")
ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "examples" / "clinic" / "suite.json"
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def suite_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(SUITE.read_text())["scenarios"]
    return cases


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without sparring's or Cekura's settings, plus `extra`;
    SPARRING_HOME is `home` and rich prints wide lines (no wrapping inside names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARRING_", "CEKURA_"))}
    return {**env, "SPARRING_HOME": str(home), "COLUMNS": "250", **extra}


@dataclass
class Done:
    """A finished command: exit code and both outputs."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"{self.args} exited {self.returncode}\n{self.stdout}\n{self.stderr}"


class Command:
    """A command started now; `done()` waits for it (so several run in parallel). A server's
    output goes to the `log` file instead of a pipe, which it could fill and block on."""

    def __init__(
        self, args: list[str], env: dict[str, str], cwd: Path | None = None, log: Path | None = None
    ) -> None:
        self.args = args
        self.log = log
        if log is None:
            self.process = subprocess.Popen(
                args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        else:
            with log.open("w") as output:  # the child keeps its own copy open
                self.process = subprocess.Popen(
                    args, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, text=True
                )
        self._done: Done | None = None

    def done(self, timeout: float = 120) -> Done:
        if self._done is None:
            try:
                out, err = self.process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                out, err = self.process.communicate()
                raise AssertionError(f"{self.args} did not finish:\n{out}\n{err}") from None
            if self.log:
                out, err = self.log.read_text(), ""
            self._done = Done(self.args, self.process.returncode, out, err)
        return self._done


def sparring(
    *args: str, env: dict[str, str], cwd: Path | None = None, log: Path | None = None
) -> Command:
    return Command([SPARRING, *args], env, cwd, log)


def invoke(*args: str, **env: str) -> Invocation:
    """`sparring ARGS` in this process (fast: no start-up), with `env` set (and no other database
    or key) and settings re-read; stdout and stderr apart, lines wide."""
    unset = ("SPARRING_DATABASE_URL", "SPARRING_API_KEY", "CEKURA_API_KEY")
    environment: dict[str, str | None] = {**dict.fromkeys(unset), "COLUMNS": "250", **env}
    settings.cache_clear()
    try:
        return CliRunner(env=environment).invoke(app, list(args))
    finally:
        settings.cache_clear()


def row(table: str, key: str, column: int = 0) -> list[str]:
    """The cells of the rich table row whose cell `column` is `key`."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) > column and cells[column] == key:
            return cells
    raise AssertionError(f"no row {key!r} in:\n{table}")


def start_servers(commands: list[tuple[list[str], int]], env: dict[str, str]) -> list[Command]:
    """Start every `sparring ARGS` server (args, port) at once; return when all listen.
    Each logs to `server-PORT.log` in SPARRING_HOME."""
    logs = [Path(env["SPARRING_HOME"]) / f"server-{port}.log" for _, port in commands]
    started = [
        sparring(*args, env=env, log=log) for (args, _), log in zip(commands, logs, strict=True)
    ]
    deadline = time.monotonic() + 60
    for command, (_, port) in zip(started, commands, strict=True):
        while True:
            if command.process.poll() is not None:
                stop(started)
                raise AssertionError(str(command.done()))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"{command.args} did not start listening"
                time.sleep(0.05)
    return started


def stop(commands: list[Command]) -> None:
    for command in commands:
        if command.process.poll() is None:
            command.process.send_signal(signal.SIGTERM)
    for command in commands:
        try:
            command.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            command.process.kill()
            command.process.communicate()


# ---- stored results for `compare` ----------------------------------------------------------

METRICS = [
    {"id": 501, "name": "Protects privacy", "type": "binary_qualitative"},
    {"id": 502, "name": "Warmth", "type": "continuous_qualitative"},
    {"id": 503, "name": "Latency (in ms)", "type": "numeric"},
    {"id": 504, "name": "Caller mood", "type": "enum"},
]
SCENARIO_NAMES = {1: "Book on Friday", 2: "Opening hours", 3: "Cancel"}


def run_of(
    scenario: int, passed: bool, *, privacy: bool = True, warmth: float = 4.5
) -> dict[str, Any]:
    """A finished run of `scenario` with a verdict of each of the METRICS."""
    verdicts = [
        {**METRICS[0], "score": 1.0 if privacy else 0.0, "explanation": ""},
        {**METRICS[1], "score": warmth, "explanation": ""},
        {**METRICS[2], "score": 400.0 if passed else 900.0, "explanation": ""},
        {**METRICS[3], "score": None, "enum": "calm" if passed else "angry", "explanation": ""},
    ]
    return {
        "scenario_id": scenario,
        "scenario_name": SCENARIO_NAMES[scenario],
        "success": passed,
        "evaluation": {"metrics": verdicts},
    }


async def store_result(
    database: Database, project_id: int, runs: list[dict[str, Any]], name: str
) -> int:
    """A completed result of `project_id` with `runs` (see `run_of`), written directly."""
    async with database.transaction() as session:
        result = Result(
            project_id=project_id,
            agent_name="Clinic bot",
            name=name,
            status="completed",
            metrics=METRICS,
        )
        session.add(result)
        await session.flush()
        session.add_all(
            Run(
                result_id=result.id,
                project_id=project_id,
                status="completed",
                personality_name="Calm caller",
                transcript=[{"role": "Main Agent", "content": "Hello."}],
                duration=30.0,
                timestamp=T0 + timedelta(seconds=i),
                **values,
            )
            for i, values in enumerate(runs)
        )
        return result.id


BEFORE = [run_of(1, True), run_of(1, True), run_of(2, True), run_of(2, True)]
AFTER = [
    run_of(1, True),
    run_of(1, False, privacy=False, warmth=3.0),
    run_of(2, True, warmth=3.0),
    run_of(2, True, warmth=3.0),
    run_of(3, True),
]
