"""Helpers for runner tests: make an agent and scenarios through the API, wait for results."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

TERMINAL = {"completed", "failed", "timeout", "cancelled"}


async def make_agent(client: httpx.AsyncClient, provider: dict[str, Any], **fields: Any) -> int:
    response = await client.post(
        "/test_framework/v2/aiagents/", json={"name": "agent", "provider": provider, **fields}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def websocket_provider(url: str) -> dict[str, Any]:
    return {"type": "self_hosted", "credentials": {"config": {"url": url}}}


async def make_scenario(client: httpx.AsyncClient, **fields: Any) -> int:
    body = {
        "name": "book Friday",
        "instructions": 'Ask "Can I book Friday?" then say "Thanks, bye"',
        "expected_outcome_prompt": 'The agent says "Friday"',
        **fields,
    }
    response = await client.post("/test_framework/v1/scenarios", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def launch(client: httpx.AsyncClient, **body: Any) -> int:
    response = await client.post("/test_framework/v1/scenarios/run_scenarios_text", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def wait_result(
    client: httpx.AsyncClient, result_id: int, timeout: float = 60, statuses: set[str] = TERMINAL
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        result = (await client.get(f"/test_framework/v1/results/{result_id}")).json()
        if result["status"] in statuses:
            return result  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"result {result_id} still {result['status']}"
        await asyncio.sleep(0.1)
