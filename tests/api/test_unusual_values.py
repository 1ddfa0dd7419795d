"""Values JSON allows but fast encoders refuse are stored and served, not a 500."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest


async def test_an_integer_beyond_64_bits_in_an_extra_field(live_api) -> None:
    async with live_api.client() as client:
        created = await client.post(
            "/test_framework/v2/aiagents/", json={"name": "big", "note": 10664280734926279498792960}
        )
        assert created.status_code == 201, created.text
        again = await client.get(f"/test_framework/v2/aiagents/{created.json()['id']}/")
    assert again.json()["note"] == 10664280734926279498792960


INTERNAL_NAMES = {"_sa_instance_state": 1, "__dict__": {}, "__class__": "x", "metadata": 3}
RESOURCES = [
    ("/test_framework/v2/aiagents", {"name": "agent"}),
    ("/test_framework/v1/personalities", {"name": "caller", "description": "calm"}),
    ("/test_framework/v1/test-profiles", {"name": "profile", "information": {}}),
    ("/test_framework/v1/scenarios", {"name": "s", "instructions": 'Say "hi"'}),
    ("/test_framework/v1/metrics", {"name": "m", "type": "basic", "eval_type": "binary_qualitative",
                                    "description": "the agent is kind"}),
    ("/schedules/v1/cron-jobs", {"name": "nightly", "crontab_expression": "0 3 * * *"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body"), RESOURCES, ids=[p.split("/")[-1] for p, _ in RESOURCES])
async def test_unknown_fields_named_like_internals_are_kept_as_data(
    live_api, path: str, body: dict[str, Any]
) -> None:
    async with live_api.client() as client:
        created = await client.post(path + "/", json={**body, **INTERNAL_NAMES})
        assert created.status_code in (200, 201), created.text  # test profiles: 200
        url = f"{path}/{created.json()['id']}/"
        patched = await client.patch(url, json=INTERNAL_NAMES)
        assert patched.status_code == 200, patched.text
        again = await client.get(url)
    assert again.status_code == 200, again.text
    assert again.json()["name"] == body["name"]
    if "test-profiles" not in path and "cron-jobs" not in path:  # these two keep no extras
        assert again.json()["_sa_instance_state"] == 1


@pytest.mark.parametrize("size", [70_000, 250_000])
async def test_an_over_long_url_is_refused_with_414(live_api, size: int) -> None:
    url = f"{live_api.url}/test_framework/v1/runs/bulk?run_ids={'1' * size}"
    headers = {"X-CEKURA-API-KEY": live_api.key}
    async with aiohttp.ClientSession(headers=headers) as http, http.get(url) as response:
        status, body = response.status, await response.json()  # (httpx refuses such URLs)
    assert status == 414
    assert body == {"detail": "The URL is longer than 65536 bytes."}
