"""aiohttp, httpx and the openai SDK as the one shared client of many concurrent conversations.

    python benchmarks/http_clients.py [--rounds 1]

A local OpenAI-compatible server, in its own process so that its CPU is not counted, answers
every chat completion after 50 ms. 200 conversations run at once, each sending 12 requests one
after another, through one shared client each time: an `aiohttp.ClientSession`, an
`httpx.AsyncClient`, and the openai SDK's `AsyncOpenAI` on its aiohttp backend
(`chat.completions.create`), with pool limits above 200 so none waits for a connection. After a
short warm-up each client runs `--rounds` rounds (httpx takes ~30 s per round), alternating, and
the median round is reported: wall time, requests per second, and CPU milliseconds per request in
this (the client's) process, then the ratios to aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import version
from multiprocessing.queues import Queue
from typing import Any

import aiohttp
import httpx
from aiohttp import web
from openai import AsyncOpenAI, DefaultAioHttpClient

CONVERSATIONS = 200
TURNS = 12
REPLY_DELAY = 0.05
POOL = 1000  # well above CONVERSATIONS: the pool never queues

Post = Callable[[str, dict[str, Any]], Awaitable[str]]


def serve(ports: Queue[int]) -> None:
    """The agent: reply to each POST after REPLY_DELAY (runs in a child process)."""

    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(REPLY_DELAY)
        said = body["messages"][-1]["content"]
        message = {"role": "assistant", "content": f"You said: {said}"}
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        })  # fmt: skip

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", reply)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


@dataclass
class Round:
    """One measured round of CONVERSATIONS × TURNS requests."""

    wall_s: float
    cpu_s: float

    @property
    def requests(self) -> int:
        return CONVERSATIONS * TURNS

    @property
    def per_second(self) -> float:
        return self.requests / self.wall_s

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s * 1000 / self.requests


async def conversations(url: str, post: Post, count: int = CONVERSATIONS) -> Round:
    """`count` conversations at once, each turn waiting for the previous reply."""

    async def one(n: int) -> None:
        for turn in range(TURNS):
            messages = [{"role": "user", "content": f"{n}-{turn}"}]
            text = await post(url, {"model": "m", "messages": messages})
            assert "You said" in text, text

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(n) for n in range(count)))
    return Round(time.perf_counter() - wall, time.process_time() - cpu)


async def with_aiohttp(url: str, rounds: int, count: int = CONVERSATIONS) -> list[Round]:
    connector = aiohttp.TCPConnector(limit=POOL, limit_per_host=POOL)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(target: str, body: dict[str, Any]) -> str:
            async with session.post(target, json=body) as response:
                response.raise_for_status()
                return await response.text()

        return [await conversations(url, post, count) for _ in range(rounds)]


async def with_httpx(url: str, rounds: int, count: int = CONVERSATIONS) -> list[Round]:
    limits = httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def post(target: str, body: dict[str, Any]) -> str:
            response = await client.post(target, json=body)
            response.raise_for_status()
            return response.text

        return [await conversations(url, post, count) for _ in range(rounds)]


async def with_openai_sdk(url: str, rounds: int, count: int = CONVERSATIONS) -> list[Round]:
    base_url = url.removesuffix("/chat/completions")
    http = DefaultAioHttpClient(
        limits=httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL)
    )
    async with AsyncOpenAI(base_url=base_url, api_key="x", http_client=http) as client:

        async def post(_target: str, body: dict[str, Any]) -> str:
            completion = await client.chat.completions.create(**body)
            return completion.choices[0].message.content or ""

        return [await conversations(url, post, count) for _ in range(rounds)]


CLIENTS = {"aiohttp": with_aiohttp, "httpx": with_httpx, "openai SDK": with_openai_sdk}


def median(rounds: list[Round]) -> Round:
    """The round with the median wall time."""
    return sorted(rounds, key=lambda r: r.wall_s)[len(rounds) // 2]


async def measure(url: str, rounds: int) -> dict[str, Round]:
    results: dict[str, list[Round]] = {name: [] for name in CLIENTS}
    for run in CLIENTS.values():  # warm up imports, every client and the server
        await run(url, 1, 20)
    for _ in range(rounds):  # alternate, so a noisy moment hurts all alike
        for name, run in CLIENTS.items():
            results[name] += await run(url, 1)
    return {name: median(rounds) for name, rounds in results.items()}


def report(results: dict[str, Round], rounds: int) -> None:
    print(
        f"{CONVERSATIONS} conversations x {TURNS} sequential requests, "
        f"server replies after {REPLY_DELAY * 1000:.0f} ms; median of {rounds} round(s)"
    )
    versions = ", ".join(f"{p} {version(p)}" for p in ("aiohttp", "httpx", "openai"))
    print(f"python {sys.version.split()[0]}, {versions}")
    print(f"{'client':<12}{'wall s':>10}{'req/s':>10}{'CPU ms/req':>12}")
    for name, r in results.items():
        print(f"{name:<12}{r.wall_s:>10.2f}{r.per_second:>10.0f}{r.cpu_ms_per_request:>12.3f}")
    base = results["aiohttp"]
    for name, r in results.items():
        if name != "aiohttp":
            print(
                f"{name} / aiohttp: wall x{r.wall_s / base.wall_s:.2f}, "
                f"CPU per request x{r.cpu_ms_per_request / base.cpu_ms_per_request:.2f}"
            )
    print(f"ideal wall time (no overhead): {TURNS * REPLY_DELAY:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="measured rounds per client")
    rounds = parser.parse_args().rounds
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    server = context.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{ports.get(timeout=30)}/v1/chat/completions"
        results = asyncio.run(measure(url, rounds))
    finally:
        server.terminate()
        server.join()
    report(results, rounds)


if __name__ == "__main__":
    main()
