"""The OpenAPI document is served, and any change to it is deliberate: it must match the snapshot
in `tests/api/openapi.snapshot.json`.

After changing the API on purpose, update the snapshot and commit it with the change:

    SPARRING_UPDATE_SNAPSHOT=1 pytest tests/api/test_openapi.py
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import httpx

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def rendered(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


async def test_the_document_and_its_pages_are_served(live_api: Any) -> None:
    async with httpx.AsyncClient(base_url=live_api.url) as anonymous:
        document = await anonymous.get("/openapi.json")
        assert document.status_code == 200
        assert document.json()["info"]["title"] == "sparring"
        docs = await anonymous.get("/docs")
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()
        assert "/openapi.json" in docs.text


async def test_the_document_matches_the_snapshot(live_api: Any) -> None:
    async with httpx.AsyncClient(base_url=live_api.url) as anonymous:
        current = rendered((await anonymous.get("/openapi.json")).json())
    if os.environ.get("SPARRING_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current)
    stored = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if current != stored:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                current.splitlines(keepends=True),
                "openapi.snapshot.json",
                "/openapi.json",
                n=2,
            )
        )
        raise AssertionError(
            "The OpenAPI document changed. If that is intended, update the snapshot with\n"
            "    SPARRING_UPDATE_SNAPSHOT=1 pytest tests/api/test_openapi.py\n"
            "and commit it with the change.\n\n" + diff[:6000]
        )


def test_every_operation_documents_its_errors_in_the_api_shapes() -> None:
    """400 `{field: [messages]}`, 401/404 `{detail}`; never FastAPI's 422."""
    document = json.loads(SNAPSHOT.read_text())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            if path not in ("/openapi.json",):
                assert {"401", "404"} <= set(responses), (method, path)
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})
