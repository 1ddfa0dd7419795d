"""`GET /test_framework/v1/results/{a}/compare/{b}`: what got worse from result A to result B,
within the key's project."""

from __future__ import annotations

from typing import Any

import httpx
from cli_helpers import AFTER, BEFORE, store_result

from sparring.services.keys import authenticate
from sparring.storage.db import Database

RESULTS = "/test_framework/v1/results"


async def project_of(database: Database, key: str) -> int:
    async with database.session() as session:
        return (await authenticate(session, key)).project_id


async def stored_pair(live_api: Any) -> tuple[int, int]:
    """Result A (before, all passing) and B (after: scenario 1 and two metrics worse)."""
    project = await project_of(live_api.database, live_api.key)
    a = await store_result(live_api.database, project, BEFORE, "before")
    b = await store_result(live_api.database, project, AFTER, "after")
    return a, b


async def test_compare_lists_regressions_of_b_against_a(live_api: Any) -> None:
    a, b = await stored_pair(live_api)
    async with live_api.client() as client:
        response = await client.get(f"{RESULTS}/{a}/compare/{b}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["regressed"] is True
    assert (body["a"]["id"], body["a"]["name"]) == (a, "before")
    assert (body["b"]["id"], body["b"]["name"]) == (b, "after")
    assert body["a"]["success_runs_count"] == 4
    assert body["b"]["success_runs_count"] == 4
    assert body["success_rate"] == {"a": 100.0, "b": 80.0, "delta": -20.0}
    assert body["regressions"] == {"scenarios": ["1"], "metrics": [501, 502]}

    by_scenario = {row["scenario"]: row for row in body["scenarios"]}
    assert body["scenarios"][0]["scenario"] == "1"  # regressions first
    assert by_scenario["1"]["scenario_name"] == "Book on Friday"
    assert (by_scenario["1"]["a"]["pass_rate"], by_scenario["1"]["b"]["pass_rate"]) == (100, 50)
    assert by_scenario["1"]["delta"] == -50.0
    assert by_scenario["2"]["regression"] is False
    assert by_scenario["2"]["delta"] == 0.0
    assert by_scenario["3"]["a"] is None  # only run in B: nothing to compare
    assert by_scenario["3"]["delta"] is None
    assert by_scenario["3"]["regression"] is False

    by_metric = {row["id"]: row for row in body["metrics"]}
    assert (by_metric[501]["a"], by_metric[501]["b"], by_metric[501]["regression"]) == (
        100.0,
        80.0,
        True,
    )
    assert by_metric[502]["regression"] is True  # mean rating 4.5 → 3.6
    assert by_metric[503]["delta"] == 100.0
    assert by_metric[503]["regression"] is None  # numeric: no better direction known
    assert by_metric[504]["a"] == {"calm": 4}  # enum: both distributions
    assert by_metric[504]["b"] == {"calm": 4, "angry": 1}
    assert by_metric[504]["regression"] is None


async def test_b_better_than_a_and_drops_within_tolerance_are_no_regression(
    live_api: Any,
) -> None:
    a, b = await stored_pair(live_api)
    async with live_api.client() as client:
        backwards = (await client.get(f"{RESULTS}/{b}/compare/{a}")).json()
        tolerant = await client.get(f"{RESULTS}/{a}/compare/{b}", params={"tolerance": 60})
    assert backwards["regressed"] is False
    assert backwards["regressions"] == {"scenarios": [], "metrics": []}
    assert tolerant.status_code == 200, tolerant.text
    assert tolerant.json()["tolerance"] == 60
    assert tolerant.json()["regressed"] is False


async def test_compare_answers_on_every_form_of_the_path(live_api: Any) -> None:
    a, b = await stored_pair(live_api)
    async with live_api.client() as client:
        for path in (
            f"{RESULTS}/{a}/compare/{b}/",
            f"/test_framework/v1/results-external/{a}/compare/{b}",
            f"/test_framework/v1/results-external/{a}/compare/{b}/",
        ):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            assert response.json()["regressions"]["scenarios"] == ["1"]


async def test_results_of_another_project_are_not_found(live_api: Any) -> None:
    a, b = await stored_pair(live_api)
    other_key = await live_api.new_key()
    theirs = await store_result(
        live_api.database, await project_of(live_api.database, other_key), BEFORE, "theirs"
    )
    async with live_api.client(other_key) as other, live_api.client() as mine:
        for client, path in (
            (other, f"{RESULTS}/{a}/compare/{b}"),
            (other, f"{RESULTS}/{theirs}/compare/{b}"),
            (mine, f"{RESULTS}/{a}/compare/{theirs}"),
            (mine, f"{RESULTS}/{theirs}/compare/{a}"),
            (mine, f"{RESULTS}/{a}/compare/2147483000"),
        ):
            response = await client.get(path)
            assert response.status_code == 404, (path, response.text)
            assert set(response.json()) == {"detail"}
        assert (await other.get(f"{RESULTS}/{theirs}/compare/{theirs}")).status_code == 200


async def test_bad_ids_and_tolerance_are_400_and_no_key_is_401(live_api: Any) -> None:
    a, b = await stored_pair(live_api)
    async with live_api.client() as client:
        for path, field in (
            (f"{RESULTS}/abc/compare/{b}", "a_id"),
            (f"{RESULTS}/{a}/compare/0", "b_id"),
            (f"{RESULTS}/{a}/compare/{b}?tolerance=200", "tolerance"),
            (f"{RESULTS}/{a}/compare/{b}?tolerance=-1", "tolerance"),
            (f"{RESULTS}/{a}/compare/{b}?tolerance=lots", "tolerance"),
        ):
            response = await client.get(path)
            assert response.status_code == 400, (path, response.text)
            assert field in response.json(), response.json()
    async with live_api.client(None) as anonymous:
        assert (await anonymous.get(f"{RESULTS}/{a}/compare/{b}")).status_code == 401


async def test_the_endpoint_is_documented(live_api: Any) -> None:
    async with httpx.AsyncClient(base_url=live_api.url) as anonymous:
        paths = (await anonymous.get("/openapi.json")).json()["paths"]
    operation = paths[f"{RESULTS}/{{a_id}}/compare/{{b_id}}"]["get"]
    assert "200" in operation["responses"]
    assert f"{RESULTS}/{{a_id}}/compare/{{b_id}}/" not in paths  # only the documented form
