"""How many text conversations sparring holds per second, against a bare asyncio loop.

    python benchmarks/text_throughput.py [--conversations 1000] [--turns 6] [--delay 0.05]
        [--repeat 3] [--skip llm redis]

An agent server (webhook protocol, replying after `--delay`) runs in its own process. Measured,
each in the same run:
  bare     the fastest bare loop: one aiohttp session, every conversation's requests in order
  scripted sparring end to end (SQLite, in-process broker, runner, scripted caller, webhook
           transport, offline evaluation, results stored)
  llm      the same with the LLM caller talking to a fake OpenAI-compatible server (same delay)
  redis    `scripted` through Redis and two `sparring worker` processes (needs redis-server)
The per-agent cap (`SPARRING_AGENT_CONCURRENCY`, 50 by default) is raised to --conversations, as
the bare loop holds them all at once. Each phase runs --repeat rounds of its baseline, then
sparring (the machines are noisy). Printed: the medians of wall time, conversations/s, ratio to
the baseline (with the rounds' range), CPU ms per turn (this process), and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from _common import Measure, free_port, in_process, peak_rss_mb, run_forever, table, wait_port


def serve_agent(port: int, delay: float) -> None:
    from sparring.testing.fake_agents import FakeWebhookAgent

    run_forever(
        lambda: FakeWebhookAgent(port=port, delay=delay, reply=lambda m, h: "Noted.").start()
    )


def serve_llm(port: int, delay: float, turns: int) -> None:
    from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer

    def respond(request: dict[str, Any]) -> FakeCompletion:
        said = sum(1 for m in request["messages"] if m["role"] == "assistant")
        if said >= turns:
            return FakeCompletion(
                None, tool_calls=[{"name": "end_call", "arguments": {}}], delay=delay
            )
        return FakeCompletion(f"Caller line {said + 1}.", delay=delay)

    run_forever(lambda: FakeOpenAIServer(respond, port=port).start())


def suite(conversations: int, turns: int) -> dict[str, Any]:
    lines = " then ".join(f'say "line {i}"' for i in range(1, turns))
    return {
        "version": "1",
        "scenarios": [
            {
                "name": "throughput",
                "first_message": "line 0",
                "instructions": lines,
                "expected_outcome": 'The agent says "Noted"',
                "frequency": conversations,
            }
        ],
    }


async def bare_loop(url: str, conversations: int, turns: int) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def conversation() -> None:
            session_id = uuid.uuid4().hex
            for i in range(turns):
                body = {"message": f"line {i}", "session_id": session_id}
                async with http.post(url, json=body) as response:
                    await response.json()

        await asyncio.gather(*(conversation() for _ in range(conversations)))


async def bare_llm_loop(url: str, llm_url: str, conversations: int, turns: int) -> None:
    """The bare loop with the LLM caller's exchanges too: one completion, then the agent."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def conversation() -> None:
            session_id = uuid.uuid4().hex
            messages = [{"role": "system", "content": "You are the caller."}]
            for _ in range(turns):
                body = {"model": "fake", "messages": messages}
                async with http.post(f"{llm_url}/chat/completions", json=body) as response:
                    line = (await response.json())["choices"][0]["message"]["content"]
                messages.append({"role": "assistant", "content": line})
                async with http.post(url, json={"message": line, "session_id": session_id}) as r:
                    messages.append({"role": "user", "content": (await r.json())["reply"]})

        await asyncio.gather(*(conversation() for _ in range(conversations)))


async def sparring_run(
    agent_url: str, doc: dict[str, Any], caller: str, executes: bool
) -> dict[str, Any]:
    from sparring.cli.embedded import ensure_agent
    from sparring.config import load_settings
    from sparring.runner.runtime import Runtime
    from sparring.services import launch, result_queries, suites
    from sparring.services.keys import Principal, ensure_project
    from sparring.storage.db import Database

    cfg = load_settings()
    db = Database(cfg.effective_database_url)
    runtime = await Runtime(db, cfg, executes=executes).start()
    try:
        async with db.transaction() as session:
            project = await ensure_project(session, f"bench-{uuid.uuid4().hex[:6]}")
            principal = Principal(project.id, project.organization_id, 0)
        provider = {"type": "webhook", "credentials": {"config": {"url": agent_url}}}
        agent_id = await ensure_agent(db, principal, "bench agent", provider)
        async with db.transaction() as session:
            result, total, _ = await suites.launch_suite(
                session, principal, doc, agent_id, caller_engine=caller,
                concurrency_limit=total_of(doc),
            )  # fmt: skip
        assert result is not None
        await runtime.enqueue_lanes(result.id, launch.lanes_for(result, total))
        while True:
            async with db.session() as session:
                counts = await result_queries.run_counts(session, result.id)
            if counts["completed"] >= counts["total"]:
                break
            await asyncio.sleep(0.1)
        async with db.session() as session:
            return await result_queries.load_result(session, principal, result.id)
    finally:
        await runtime.stop()
        await db.dispose()


def total_of(doc: dict[str, Any]) -> int:
    return sum(int(s.get("frequency", 1)) for s in doc["scenarios"])


def check(result: dict[str, Any], conversations: int, turns: int) -> str:
    runs = list(result["runs"].values())
    replies = sum(1 for r in runs for t in r["transcript_object"] if t["role"] == "Main Agent")
    ok = result["success_runs_count"] == conversations and replies == conversations * turns
    return "ok" if ok else f"MISMATCH: {result['success_runs_count']} passed, {replies} replies"


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    exe = str(Path(sys.executable).parent / "sparring")
    return [subprocess.Popen([exe, "worker", "--max-conversations", "1000"], env=env,
                             stderr=subprocess.DEVNULL) for _ in range(count)]  # fmt: skip


def warm_up() -> None:
    """Start up as `sparring run` does, before timing: start-up cost is not throughput."""
    import sklearn.cluster  # noqa: F401  (failure-reason clustering)

    import sparring.cli.embedded
    import sparring.cli.run
    import sparring.evaluation.failure_reasons
    import sparring.services.suites  # noqa: F401
    from sparring.runner.runtime import settle_heap

    settle_heap()  # the bare loop profits from it as much


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--skip", nargs="*", default=[], help="phases to skip: llm redis")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per phase (medians)")
    args = parser.parse_args()
    n, turns = args.conversations, args.turns
    home = tempfile.mkdtemp(prefix="sparring-bench-")
    os.environ.update(
        SPARRING_HOME=home,
        SPARRING_DATABASE_URL=f"sqlite+aiosqlite:///{home}/b.db",
        SPARRING_AGENT_CONCURRENCY=str(n),  # the bare loop holds all n at once too
    )
    from sparring.storage.migrate import upgrade_database

    upgrade_database(os.environ["SPARRING_DATABASE_URL"])
    warm_up()
    agent_port, llm_port = free_port(), free_port()
    processes = [in_process(serve_agent, agent_port, args.delay),
                 in_process(serve_llm, llm_port, args.delay, turns)]  # fmt: skip
    wait_port(agent_port)
    wait_port(llm_port)
    agent_url = f"http://127.0.0.1:{agent_port}/agent"
    llm_url = f"http://127.0.0.1:{llm_port}/v1"
    doc = suite(n, turns)
    rows: list[list[str]] = []

    def compare(label: str, baseline: Callable[[], Any], run: Callable[[], Any], note: str) -> None:
        """`--repeat` rounds of baseline then run; the medians, and the ratios' range."""
        pairs = []
        for _ in range(args.repeat):
            with Measure("") as base:
                asyncio.run(baseline())
            with Measure("") as m:
                result = asyncio.run(run())
            pairs.append((base, m, check(result, n, turns)))
        ratios = sorted(b.wall / m.wall for b, m, _ in pairs)
        checks = {p[2] for p in pairs}
        status = "ok" if checks == {"ok"} else "; ".join(sorted(checks - {"ok"}))
        spread = f"ratios {ratios[0]:.2f}–{ratios[-1]:.2f}" if len(ratios) > 1 else ""
        notes = ("baseline", "; ".join(x for x in (status, note, spread) if x))
        for which in (0, 1):
            ratio = 1.0 if which == 0 else statistics.median(ratios)
            wall = statistics.median(p[which].wall for p in pairs)
            cpu = statistics.median(p[which].cpu for p in pairs)
            rows.append([label[which], f"{wall:.2f}", f"{n / wall:.0f}", f"{ratio:.2f}",
                         f"{1000 * cpu / (n * turns):.2f}", f"{peak_rss_mb():.0f}",
                         notes[which]])  # fmt: skip

    compare(
        ("bare aiohttp loop", "sparring, scripted caller"),
        lambda: bare_loop(agent_url, n, turns),
        lambda: sparring_run(agent_url, doc, "scripted", executes=True),
        "",
    )
    if "llm" not in args.skip:
        os.environ.update(SPARRING_LLM_BASE_URL=llm_url, SPARRING_LLM_MODEL="fake",
                          SPARRING_LLM_API_KEY="x")  # fmt: skip
        compare(
            ("bare loop, + LLM requests", "sparring, llm caller"),
            lambda: bare_llm_loop(agent_url, llm_url, n, turns),
            lambda: sparring_run(agent_url, doc, "llm", executes=True),
            "2 requests per turn",
        )
        for key in ("SPARRING_LLM_BASE_URL", "SPARRING_LLM_MODEL", "SPARRING_LLM_API_KEY"):
            os.environ.pop(key)
    redis = shutil.which("redis-server")
    if "redis" not in args.skip and redis:
        port = free_port()
        server = subprocess.Popen([redis, "--port", str(port), "--save", "", "--appendonly", "no"],
                                  stdout=subprocess.DEVNULL)  # fmt: skip
        wait_port(port)
        env = {**os.environ, "SPARRING_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
        workers = start_workers(env, 2)
        time.sleep(3)  # workers connect
        os.environ["SPARRING_BROKER_URL"] = env["SPARRING_BROKER_URL"]
        compare(
            ("bare aiohttp loop", "sparring, redis + 2 workers"),
            lambda: bare_loop(agent_url, n, turns),
            lambda: sparring_run(agent_url, doc, "scripted", executes=False),
            "CPU: launcher only",
        )
        for w in workers:
            w.terminate()
        server.terminate()
    for p in processes:
        p.terminate()
    print(f"\n{n} conversations × {turns} turns, agent replies after {args.delay * 1000:.0f} ms\n")
    print(
        table(
            rows,
            ["phase", "wall s", "conv/s", "ratio to bare", "CPU ms/turn", "peak RSS MB", "check"],
        )
    )


if __name__ == "__main__":
    main()
