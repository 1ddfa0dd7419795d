"""Run a user's Python metric script in a separate, limited process.

The child is `sys.executable -I -c <runner>` in its own session, with a minimal environment
(no server secrets), a wall-time limit (the process group is killed when it is over), an
address-space limit (`RLIMIT_AS`) and a CPU-time limit. `data` goes in as JSON on stdin; the
script's `_result` / `_explanation` come back as the last line of stdout, while anything the
script prints goes to a capped stderr. This is isolation from the server, not a security
sandbox: the script can still read and write files the server user can.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

OUTPUT_LIMIT = 64 * 1024  # bytes kept of what the script prints (the rest is drained)

# Runs in the child. It reads the payload before limiting memory, so large transcripts fit.
_RUNNER = r"""
import io, json, resource, sys, traceback
_out = sys.stdout
class _Capped(io.TextIOBase):
    def __init__(self, target, limit):
        self.target, self.left = target, limit
    def writable(self):
        return True
    def write(self, text):
        if self.left > 0:
            self.target.write(text[: self.left])
            self.left -= len(text)
        return len(text)
    def flush(self):
        self.target.flush()
payload = json.loads(sys.stdin.buffer.read())
memory = payload["memory_bytes"]
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
cpu = payload["cpu_seconds"]
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
sys.stdout = sys.stderr = _Capped(sys.__stderr__, payload["output_limit"])
scope = {"data": payload["data"], "__name__": "__metric__", "__builtins__": __builtins__}
def _report(obj):
    _out.write("\n" + json.dumps(obj, default=str) + "\n")
    _out.flush()
def _line(exc):
    if isinstance(exc, SyntaxError):
        return exc.lineno
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<metric>"]
    return lines[-1] if lines else None
try:
    exec(compile(payload["code"], "<metric>", "exec"), scope)
except MemoryError:
    scope.clear()
    _report({"error": "memory"})
except SystemExit as exc:
    if exc.code not in (None, 0):
        _report({"error": "exception", "message": f"SystemExit: {exc.code}", "line": _line(exc)})
    else:
        _report({"result": scope.get("_result"), "has_result": "_result" in scope,
                 "explanation": scope.get("_explanation", "")})
except BaseException as exc:
    message = f"{type(exc).__name__}: {exc.msg if isinstance(exc, SyntaxError) else exc}"
    _report({"error": "exception", "message": message, "line": _line(exc)})
else:
    try:
        _report({"result": scope.get("_result"), "has_result": "_result" in scope,
                 "explanation": scope.get("_explanation", "")})
    except MemoryError:
        scope.clear()
        _report({"error": "memory"})
"""


@dataclass(frozen=True, slots=True)
class ScriptOutcome:
    """What a script run produced: a result, or an error message; and what it printed."""

    result: Any = None
    has_result: bool = False
    explanation: Any = ""
    error: str | None = None
    output: str = ""
    elapsed_ms: float = 0.0


async def run_script(
    code: str, data: dict[str, Any], *, timeout_s: float = 5.0, memory_mb: int = 256
) -> ScriptOutcome:
    """Run `code` with `data` in a fresh limited process; never raises for the script's faults."""
    payload = json.dumps(
        {
            "code": code,
            "data": data,
            "memory_bytes": memory_mb * 1024 * 1024,
            "cpu_seconds": max(1, math.ceil(timeout_s) + 1),
            "output_limit": OUTPUT_LIMIT,
        },
        default=str,
    ).encode()
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-c",
        _RUNNER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        cwd=tempfile.gettempdir(),
        env={"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C.UTF-8"},
    )
    try:
        stdout, stderr = await asyncio.wait_for(_exchange(proc, payload), timeout_s)
    except TimeoutError:
        return ScriptOutcome(error=f"timed out after {timeout_s:g} s", elapsed_ms=_ms(started))
    finally:
        await _reap(proc)
    outcome = _interpret(proc.returncode, stdout, stderr, memory_mb, timeout_s)
    return ScriptOutcome(
        outcome.result,
        outcome.has_result,
        outcome.explanation,
        outcome.error,
        stderr.decode(errors="replace"),
        _ms(started),
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def _exchange(proc: asyncio.subprocess.Process, payload: bytes) -> tuple[bytes, bytes]:
    assert proc.stdin is not None  # created with PIPEs above
    assert proc.stdout is not None
    assert proc.stderr is not None
    try:
        proc.stdin.write(payload)
        await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child died early; its exit status tells why
    stdout, stderr, _ = await asyncio.gather(
        _read_capped(proc.stdout), _read_capped(proc.stderr), proc.wait()
    )
    return stdout, stderr


async def _read_capped(stream: asyncio.StreamReader) -> bytes:
    """Keep the first and last parts of a stream and drain the rest, so the child never blocks."""
    head = bytearray()
    tail = b""
    total = 0
    while chunk := await stream.read(65536):
        total += len(chunk)
        if len(head) < OUTPUT_LIMIT:
            head.extend(chunk[: OUTPUT_LIMIT - len(head)])
        tail = (tail + chunk)[-4096:]  # the result line is last on stdout
    return bytes(head) if total == len(head) else bytes(head) + b"\n" + tail


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Kill the child's whole process group if it is still there, and wait for it."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


def _interpret(
    returncode: int | None, stdout: bytes, stderr: bytes, memory_mb: int, timeout_s: float
) -> ScriptOutcome:
    report = _last_json_line(stdout)
    memory = f"ran out of memory (limit {memory_mb} MB)"
    if report is not None:
        if report.get("error") == "memory":
            return ScriptOutcome(error=memory)
        if report.get("error"):
            line = report.get("line")
            where = f" (line {line})" if line else ""
            return ScriptOutcome(error=f"{report.get('message', 'failed')}{where}")
        return ScriptOutcome(
            report.get("result"), bool(report.get("has_result")), report.get("explanation", "")
        )
    text = stderr.decode(errors="replace")
    if "MemoryError" in text or "Cannot allocate memory" in text:
        return ScriptOutcome(error=memory)
    if returncode is not None and -returncode == signal.SIGXCPU:
        return ScriptOutcome(error=f"timed out after {timeout_s:g} s (CPU limit)")
    last_line = (text.strip().splitlines() or [""])[-1]
    return ScriptOutcome(error=f"crashed (exit status {returncode}) {last_line}".strip())


def _last_json_line(stdout: bytes) -> dict[str, Any] | None:
    for line in reversed(stdout.decode(errors="replace").splitlines()):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None
