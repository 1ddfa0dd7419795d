"""Every path answers with and without its trailing slash, never redirecting; lists page like
Django REST Framework, with absolute links and page sizes capped at 100."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from api_helpers import AGENTS, PERSONALITIES, RESULTS, SCENARIOS, openai_agent, store_empty_results

from sparring.services.keys import authenticate

PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def twin(path: str) -> str:
    return path[:-1] if path.endswith("/") else path + "/"


async def test_every_path_answers_with_and_without_the_trailing_slash(served: Any) -> None:
    """Without a key every API operation answers 401 on both forms: the route exists there."""
    async with httpx.AsyncClient(base_url=served.url) as anonymous:
        document = (await anonymous.get("/openapi.json")).json()
        checked = 0
        for template, operations in document["paths"].items():
            path = template.replace("{", "").replace("}", "").replace("obj_id", "1")
            path = path.replace("result_id", "1").replace("run_id", "1").replace("agent_id", "1")
            for method in operations:
                for form in (path, twin(path)):
                    response = await anonymous.request(method.upper(), form, json={})
                    assert response.status_code == 401, (method, form, response.status_code)
                    checked += 1
    assert checked >= 200


async def test_a_post_creates_on_both_forms_of_its_path(client: httpx.AsyncClient) -> None:
    for path, body in [
        (PERSONALITIES, {"name": "Slash-less"}),
        (PERSONALITIES + "/", {"name": "Slashed"}),
        (AGENTS, openai_agent("Slashed agent")),
        (AGENTS.rstrip("/"), openai_agent("Slash-less agent")),
        (SCENARIOS, {"name": "Slash-less scenario"}),
        (SCENARIOS + "/", {"name": "Slashed scenario"}),
    ]:
        response = await client.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
        assert response.json()["name"] == body["name"]
        got = await client.get(twin(f"{path.rstrip('/')}/{response.json()['id']}"))
        assert got.status_code == 200


async def test_lists_page_with_absolute_links_and_a_capped_page_size(live_api: Any) -> None:
    key = await live_api.new_key()
    async with live_api.database.session() as session:
        project = (await authenticate(session, key)).project_id
    ids = await store_empty_results(live_api.database, project, 105)
    async with live_api.client(key) as api:
        first = (await api.get(RESULTS, params={"page_size": 1000})).json()
        assert first["count"] == 105
        assert [r["id"] for r in first["results"]] == sorted(ids, reverse=True)[:100]
        assert first["previous"] is None
        link = urlsplit(first["next"])
        assert f"{link.scheme}://{link.netloc}" == live_api.url
        assert parse_qs(link.query)["page"] == ["2"]

        second = (await api.get(first["next"])).json()
        assert [r["id"] for r in second["results"]] == sorted(ids, reverse=True)[100:]
        assert second["next"] is None
        assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]

        huge = (await api.get(RESULTS, params={"page_size": 10**9})).json()
        assert (huge["count"], len(huge["results"])) == (105, 100)
        for page in (3, 10**9):
            past = await api.get(RESULTS, params={"page": page, "page_size": 100})
            assert past.status_code == 404
            assert past.json() == {"detail": "Invalid page."}
        small = (await api.get(RESULTS, params={"page_size": 7, "page": 15})).json()
        assert (len(small["results"]), small["next"]) == (7, None)

        behind_proxy = await api.get(RESULTS, headers={"Host": "sparring.example.test"})
        assert behind_proxy.json()["next"].startswith("http://sparring.example.test/")

    async with live_api.client(await live_api.new_key()) as empty:
        nothing = await empty.get(RESULTS)
        assert nothing.status_code == 200
        assert nothing.json() == {"count": 0, "next": None, "previous": None, "results": []}
