"""Cekura's own SDK and CLI (cekura 1.6.7) against `sparring serve`: every kind of object made,
listed, read, changed and deleted; stored results listed and read."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cekura import Cekura
from cekura._exceptions import NotFoundError
from cli_helpers import (
    CEKURA,
    cli_env,
    free_port,
    run_of,
    sparring,
    start_servers,
    stop,
    store_result,
)
from sqlalchemy import select

from sparring.services.keys import authenticate
from sparring.storage.db import Database
from sparring.storage.models import Run


@dataclass(frozen=True)
class KeyedServer:
    """`sparring serve` over the test database, a key from `sparring keys create`, a clean HOME."""

    url: str
    key: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def keyed_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeyedServer]:
    work = tmp_path_factory.mktemp("cekura-cli")
    for folder in ("home", "sparring"):
        (work / folder).mkdir()
    env = cli_env(work / "sparring", SPARRING_DATABASE_URL=database_url, HOME=str(work / "home"))
    project = f"cekura-{uuid.uuid4().hex[:8]}"
    created = sparring("keys", "create", "--name", "t", "--project", project, env=env).done()
    assert created.returncode == 0, created
    port = free_port()
    servers = start_servers([(["serve", "--port", str(port)], port)], env)
    yield KeyedServer(f"http://127.0.0.1:{port}", created.stdout.splitlines()[-1], env)
    stop(servers)


@pytest.fixture
def sdk(keyed_server: KeyedServer) -> Iterator[Cekura]:
    client = Cekura(api_key=keyed_server.key, base_url=keyed_server.url)
    yield client
    client._http.close()


def ids(items: Any) -> set[int]:
    items = items["results"] if isinstance(items, dict) else items
    return {item["id"] for item in items}


def check_lifecycle(
    made: dict[str, Any],
    listed: Callable[[], Any],
    get: Callable[[int], dict[str, Any]],
    update: Callable[..., dict[str, Any]],
    delete: Callable[[int], Any],
    change: dict[str, Any],
) -> None:
    """Made → listed → read back → changed → deleted (then not found and not listed)."""
    assert made["id"] in ids(listed())
    assert get(made["id"]) == made
    changed = update(made["id"], **change)
    for key, value in change.items():
        assert changed[key] == value, key
    assert get(made["id"]) == changed
    assert delete(made["id"]) == {}
    with pytest.raises(NotFoundError):
        get(made["id"])
    assert made["id"] not in ids(listed())


def test_the_sdk_manages_every_kind_of_object(sdk: Cekura) -> None:
    http = sdk._http
    agent = sdk.agents.create(
        name="Clinic front desk",
        description="Books appointments",
        provider={"type": "custom", "chat_agent_details": {"type": "self_hosted",
                  "config": {"url": "ws://127.0.0.1:9/chat", "headers": {}}}},
    )  # fmt: skip
    assert agent["provider"]["type"] == "custom"
    personality = sdk.personalities.create(name="Calm caller", prompt="Speaks slowly.")
    profile = sdk.test_profiles.create(
        name="Ann", agent=agent["id"], information={"main_agent_variables": {"name": "Ann"}}
    )
    metric = sdk.metrics.create(name="Polite", type="llm_judge", eval_type="binary",
                                description="Is the agent polite?")  # fmt: skip
    assert metric["eval_type"] == "binary_qualitative"
    scenario = sdk.scenarios.create(
        name="Book Friday", agent=agent["id"], personality=personality["id"],
        test_profile=profile["id"], metrics=[metric["id"]], instructions="Ask for Friday.",
        expected_outcome_prompt="The agent offers Friday.", tags=["booking"],
    )  # fmt: skip
    assert scenario["personality"] == personality["id"]

    check_lifecycle(scenario, sdk.scenarios.list, sdk.scenarios.get, sdk.scenarios.update,
                    sdk.scenarios.delete, {"name": "Book Saturday", "tags": ["weekend"]})  # fmt: skip
    check_lifecycle(metric, sdk.metrics.list, sdk.metrics.get, sdk.metrics.update,
                    sdk.metrics.delete, {"description": "Polite and warm?"})  # fmt: skip
    check_lifecycle(profile, sdk.test_profiles.list, sdk.test_profiles.get,
                    sdk.test_profiles.update, sdk.test_profiles.delete, {"name": "Bob"})  # fmt: skip

    # The SDK has no update or delete for personalities: its raw client reaches them.
    path = "/test_framework/v1/personalities/{id}"
    check_lifecycle(
        personality,
        sdk.personalities.list,
        sdk.personalities.get,
        lambda i, **d: http.request("PATCH", path, params={"id": i}, json_body=d),
        lambda i: http.request("DELETE", path, params={"id": i}),
        {"prompt": "Speaks fast."},
    )
    check_lifecycle(agent, sdk.agents.list, sdk.agents.get, sdk.agents.update,
                    sdk.agents.delete, {"description": "Books and cancels"})  # fmt: skip


@pytest.fixture
async def stored_result(database: Database, keyed_server: KeyedServer) -> tuple[int, list[int]]:
    """A finished result with three runs (two passed), written through the storage layer."""
    async with database.session() as session:
        project = (await authenticate(session, keyed_server.key)).project_id
    runs = [run_of(1, True), run_of(2, True), run_of(3, False, privacy=False)]
    result_id = await store_result(database, project, runs, "CLI smoke result")
    async with database.session() as session:
        query = select(Run.id).where(Run.result_id == result_id).order_by(Run.id)
        return result_id, list((await session.scalars(query)).all())


def test_the_sdk_lists_and_reads_a_stored_result(
    sdk: Cekura, stored_result: tuple[int, list[int]]
) -> None:
    result_id, run_ids = stored_result
    listed = sdk.results.list()
    [item] = [r for r in listed["results"] if r["id"] == result_id]
    assert item["name"] == "CLI smoke result"
    assert [r["id"] for r in item["runs"]] == run_ids
    result = sdk.results.get(result_id)
    assert result["status"] == "completed"
    assert (result["total_runs_count"], result["success_runs_count"]) == (3, 2)
    assert result["failed_runs_count"] == 1
    assert result["success_rate"] == pytest.approx(66.67)
    assert sorted(result["runs"]) == sorted(str(i) for i in run_ids)
    assert sdk.results.wait(result_id, timeout=1)["id"] == result_id  # already terminal


def cekura(server: KeyedServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Cekura's CLI with only the environment to find the server: URL, key, an empty HOME."""
    env = {**server.env, "HOME": str(home), "CEKURA_API_URL": server.url,
           "CEKURA_API_KEY": server.key}  # fmt: skip
    return subprocess.run([CEKURA, *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_cekura_cli_lists_and_shows_a_result(
    keyed_server: KeyedServer, stored_result: tuple[int, list[int]], tmp_path: Path
) -> None:
    result_id, run_ids = stored_result
    listed = cekura(keyed_server, tmp_path, "results", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    line = next(row for row in listed.stdout.splitlines() if f" {result_id} " in row)
    assert "CLI smoke result" in line
    assert "completed" in line

    shown = cekura(keyed_server, tmp_path, "results", "get", str(result_id))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "CLI smoke result" in shown.stdout
    assert "total_runs_count" in shown.stdout

    as_json = cekura(keyed_server, tmp_path, "results", "get", str(result_id), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["id"] == result_id
    assert sorted(result["runs"]) == sorted(str(i) for i in run_ids)
    assert list(tmp_path.iterdir()) == []  # nothing written to the empty HOME


def test_the_cekura_cli_reports_a_missing_result(keyed_server: KeyedServer, tmp_path: Path) -> None:
    missing = cekura(keyed_server, tmp_path, "results", "get", "2147483000")
    assert missing.returncode == 2
    assert "Error" in missing.stderr
