"""Values JSON allows but fast encoders refuse are stored and served, not a 500."""

from __future__ import annotations


async def test_an_integer_beyond_64_bits_in_an_extra_field(live_api) -> None:
    async with live_api.client() as client:
        created = await client.post(
            "/test_framework/v2/aiagents/", json={"name": "big", "note": 10664280734926279498792960}
        )
        assert created.status_code == 201, created.text
        again = await client.get(f"/test_framework/v2/aiagents/{created.json()['id']}/")
    assert again.json()["note"] == 10664280734926279498792960
