"""`sparring run --api URL`: send a suite to a sparring server and follow the result."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp
from rich.console import Console

from sparring.errors import BadInput, SparringError

TERMINAL = {"completed", "failed", "cancelled", "timeout"}


async def run_remote(
    api: str, doc: dict[str, Any], agent_id: int | None, concurrency: int | None, console: Console
) -> list[dict[str, Any]]:
    key = os.environ.get("SPARRING_API_KEY") or os.environ.get("CEKURA_API_KEY")
    if not key:
        raise BadInput("SPARRING_API_KEY", "Set SPARRING_API_KEY (or CEKURA_API_KEY) to use --api.")
    if agent_id is None:
        raise BadInput("--agent-id", "With --api, give the server's agent id.")
    base = api.rstrip("/")
    headers = {"X-CEKURA-API-KEY": key}
    body = {"spec": doc, "agent_id": agent_id, "channel": "text", "concurrency_limit": concurrency}
    async with aiohttp.ClientSession(headers=headers) as http:
        launched = await _call(
            http, "POST", f"{base}/test_framework/v1/scenarios/run_scenarios_json", body
        )
        result_id = launched["id"]
        console.print(f"Started result {result_id} on {base}")
        with console.status("waiting for conversations…"):
            while True:
                result = await _call(http, "GET", f"{base}/test_framework/v1/results/{result_id}")
                if result["status"] in TERMINAL:
                    return [result]
                await asyncio.sleep(1)


async def _call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    try:
        async with http.request(method, url, json=body) as response:
            data = await response.json(content_type=None)
            if response.status == 400:
                raise BadInput("suite", str(data))
            if response.status >= 300:
                raise SparringError(f"{method} {url} answered {response.status}: {data}")
            return data
    except aiohttp.ClientError as exc:
        raise SparringError(f"cannot reach {url}: {exc}") from exc
