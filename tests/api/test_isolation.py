"""A key sees only its own project: another project's objects answer 404 and never show in
lists; requests without a valid key answer 401."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_helpers import (
    AGENTS,
    METRICS,
    PERSONALITIES,
    RESULTS,
    RUNS,
    SCENARIOS,
    SCHEDULES,
    TEST_PROFILES,
    catalog_objects,
    project_of,
    run_values,
    store_result,
)

from sparring.services.keys import list_keys, revoke_key

ITEM_PATHS = {
    "agent": AGENTS + "{id}/",
    "personality": PERSONALITIES + "/{id}",
    "test_profile": TEST_PROFILES + "/{id}",
    "metric": METRICS + "/{id}",
    "scenario": SCENARIOS + "/{id}",
    "schedule": SCHEDULES + "/{id}",
}
LISTS = {
    "agent": AGENTS,
    "personality": PERSONALITIES,
    "test_profile": TEST_PROFILES,
    "metric": METRICS,
    "scenario": SCENARIOS,
    "schedule": SCHEDULES,
}


def listed_ids(body: Any) -> set[int]:
    items = body["results"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


@pytest.fixture
async def project_a(live_api: Any, client: httpx.AsyncClient) -> dict[str, Any]:
    """One of every object in project A, plus a result with a run."""
    objects = await catalog_objects(client)
    project = await project_of(live_api.database, live_api.key)
    result_id, [run_id] = await store_result(
        live_api.database, project, [run_values("completed", success=True)]
    )
    return {**objects, "result": {"id": result_id}, "run": {"id": run_id}}


async def test_another_projects_objects_are_not_found(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, project_a: dict[str, Any]
) -> None:
    for kind, template in ITEM_PATHS.items():
        path = template.format(id=project_a[kind]["id"])
        for method, body in (("GET", None), ("PATCH", {"name": "mine now"}), ("DELETE", None)):
            response = await other_client.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json() == {"detail": "Not found."}
        if not path.startswith(METRICS):  # metrics have no PUT, as in Cekura's SDK
            put = await other_client.put(
                path, json={"name": "mine", "crontab_expression": "* * * * *"}
            )
            assert put.status_code == 404, (path, put.text)
        assert (await client.get(path)).json()["name"] == project_a[kind]["name"], kind


async def test_another_projects_results_and_runs_are_not_found(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, project_a: dict[str, Any]
) -> None:
    result_id, run_id = project_a["result"]["id"], project_a["run"]["id"]
    for method, path, body in [
        ("GET", f"{RESULTS}/{result_id}", None),
        ("GET", f"{RESULTS}-external/{result_id}", None),
        ("DELETE", f"{RESULTS}/{result_id}", None),
        ("POST", f"{RESULTS}/{result_id}/end_calls", {}),
        ("POST", f"{RESULTS}/{result_id}/rerun", {}),
        ("POST", f"{RESULTS}/{result_id}/delete_runs", {"run_ids": [run_id]}),
        ("GET", f"{RUNS}/{run_id}", None),
        ("GET", f"/test_framework/v1/runs/{run_id}", None),
        ("POST", f"{RUNS}/{run_id}/end_call", None),
    ]:
        response = await other_client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"detail": "Not found."}
    for bulk in (f"{RUNS}/bulk?ids={run_id}", f"/test_framework/v1/runs/bulk?run_ids={run_id}"):
        response = await other_client.get(bulk)
        assert (response.status_code, response.json()) == (200, []), bulk
    still = await client.get(f"{RESULTS}/{result_id}")
    assert still.status_code == 200
    assert list(still.json()["runs"]) == [str(run_id)]


async def test_another_projects_objects_never_show_in_lists(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, project_a: dict[str, Any]
) -> None:
    mine = await catalog_objects(other_client)
    for kind, path in LISTS.items():
        theirs = listed_ids((await other_client.get(path)).json())
        assert project_a[kind]["id"] not in theirs, kind
        assert mine[kind]["id"] in theirs, kind
        assert project_a[kind]["id"] in listed_ids((await client.get(path)).json()), kind
    for path in (RESULTS, RUNS, f"{RUNS}?result_id={project_a['result']['id']}"):
        body = (await other_client.get(path)).json()
        assert (body["results"], body["count"]) == ([], 0), path
    scoped = await other_client.get(AGENTS, params={"project_id": project_a["agent"]["project"]})
    assert scoped.json()["results"] == []


async def test_nothing_can_be_made_in_or_linked_to_another_project(
    other_client: httpx.AsyncClient, project_a: dict[str, Any]
) -> None:
    a_project = project_a["agent"]["project"]
    response = await other_client.post(PERSONALITIES, json={"name": "x", "project": a_project})
    assert response.status_code == 400
    assert "project" in response.json()
    links = {"personality": project_a["personality"]["id"], "agent": project_a["agent"]["id"],
             "test_profile": project_a["test_profile"]["id"]}  # fmt: skip
    for field, value in links.items():
        response = await other_client.post(SCENARIOS, json={"name": "x", field: value})
        assert response.status_code == 400, field
        assert field in response.json(), response.text
    response = await other_client.get(
        f"/test_framework/v2/aiagents/{project_a['agent']['id']}/personalities/"
    )
    assert response.status_code == 404


PROTECTED = [RESULTS, f"{RESULTS}/1", AGENTS, SCENARIOS, PERSONALITIES, METRICS, SCHEDULES,
             f"{RUNS}/bulk?ids=1", "/user/v1/projects"]  # fmt: skip


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-CEKURA-API-KEY": ""},
        {"X-CEKURA-API-KEY": "sk_sparring_not-a-key"},
        {"Authorization": "Bearer sk_sparring_not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "empty", "unknown", "unknown-bearer", "basic-auth"],
)
async def test_requests_without_a_valid_key_are_unauthorized(
    live_api: Any, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=live_api.url, headers=headers) as anonymous:
        for path in PROTECTED:
            response = await anonymous.get(path)
            assert response.status_code == 401, (path, response.text)
            assert set(response.json()) == {"detail"}
        created = await anonymous.post(PERSONALITIES, json={"name": "sneaky"})
        assert created.status_code == 401


async def test_a_revoked_key_is_unauthorized(live_api: Any) -> None:
    key = await live_api.new_key()
    async with live_api.client(key) as api:
        assert (await api.get(RESULTS)).status_code == 200
        async with live_api.database.transaction() as session:
            [info] = [k for k in await list_keys(session) if key.startswith(k.prefix)]
            await revoke_key(session, info.id)
        response = await api.get(RESULTS)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid API key."}


async def test_a_bearer_token_works_like_the_api_key_header(
    live_api: Any, client: httpx.AsyncClient
) -> None:
    created = await client.post(PERSONALITIES, json={"name": "Bearer check"})
    headers = {"Authorization": f"Bearer {live_api.key}"}
    async with httpx.AsyncClient(base_url=live_api.url, headers=headers) as bearer:
        got = await bearer.get(f"{PERSONALITIES}/{created.json()['id']}")
        assert got.status_code == 200
        assert got.json() == created.json()
        assert (await bearer.get(RESULTS)).json()["count"] == (await client.get(RESULTS)).json()[
            "count"
        ]
