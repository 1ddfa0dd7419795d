"""Malformed requests get the right status and a body naming what is wrong, and change nothing:
the row count of every table is the same before and after each one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
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
    create,
    project_of,
    run_values,
    store_result,
    table_counts,
)

from sparring.services.keys import list_keys, revoke_key

TWO_MIB = 2 * 1024 * 1024
CRON = {"crontab_expression": "0 9 * * 1-5"}
OPENAI = "openai_chat"


@dataclass(frozen=True)
class Case:
    """One malformed request. Paths and bodies may name objects: `{scenario}`, `{b_project}`…"""

    name: str
    method: str
    path: str
    status: int
    body: Any = None
    raw: bytes | None = None
    fields: tuple[str, ...] = ()
    key: str = "a"  # "a", "none", "bad", "revoked"
    allow: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def provider(kind: str, **config: Any) -> dict[str, Any]:
    return {"type": kind, "credentials": {"config": config}}


async def two_mib_in_chunks() -> AsyncIterator[bytes]:
    yield b'{"name": "'
    for _ in range(2 * 1024):
        yield b"x" * 1024
    yield b'"}'


CASES = [
    # wrong types
    Case("name-not-a-string", "POST", PERSONALITIES, 400, {"name": 5}, fields=("name",)),
    Case("bool-not-a-bool", "POST", AGENTS, 400, {"name": "a", "agent_speaks_first": "maybe"},
         fields=("agent_speaks_first",)),
    Case("tags-not-a-list", "POST", SCENARIOS, 400, {"name": "s", "tags": "urgent"},
         fields=("tags",)),
    Case("duration-not-a-number", "POST", SCENARIOS, 400, {"name": "s", "max_duration": "long"},
         fields=("max_duration",)),
    Case("information-not-an-object", "POST", TEST_PROFILES, 400,
         {"name": "t", "information": ["a"]}, fields=("information",)),
    Case("frequency-not-a-number", "POST", SCHEDULES, 400, {**CRON, "frequency": "daily"},
         fields=("frequency",)),
    Case("agents-not-ids", "PATCH", METRICS + "/{metric}", 400, {"agents": "all"},
         fields=("agents",)),
    # missing required fields
    Case("personality-without-name", "POST", PERSONALITIES, 400, {"prompt": "x"},
         fields=("name",)),
    Case("scenario-without-name", "POST", SCENARIOS, 400, {"instructions": "x"},
         fields=("name",)),
    Case("schedule-without-cron", "POST", SCHEDULES, 400, {"name": "nightly"},
         fields=("crontab_expression",)),
    Case("provider-without-type", "POST", AGENTS, 400, {"name": "a", "provider": {}},
         fields=("provider.type",)),
    Case("delete-runs-without-ids", "POST", RESULTS + "/{result}/delete_runs", 400, {},
         fields=("run_ids",)),
    Case("empty-body", "POST", PERSONALITIES, 400, raw=b"", fields=("name",)),
    # unknown enum values
    Case("unknown-language", "POST", PERSONALITIES, 400, {"name": "p", "language": "xx"},
         fields=("language",)),
    Case("unknown-scenario-type", "POST", SCENARIOS, 400,
         {"name": "s", "scenario_type": "freestyle"}, fields=("scenario_type",)),
    Case("unknown-eval-type", "POST", METRICS, 400, {"name": "m", "eval_type": "percent"},
         fields=("eval_type",)),
    Case("unknown-metric-type", "POST", METRICS, 400, {"name": "m", "type": "oracle"},
         fields=("type",)),
    Case("unknown-execution-mode", "POST", SCHEDULES, 400,
         {**CRON, "execution_mode": "carrier_pigeon"}, fields=("execution_mode",)),
    Case("unknown-status-filter", "GET", RESULTS + "?status=done", 400, fields=("status",)),
    # providers
    Case("unknown-provider-type", "POST", AGENTS, 400, {"name": "a", "provider": {"type": "x"}},
         fields=("provider.type",)),
    Case("openai-without-base-url", "POST", AGENTS, 400,
         {"name": "a", "provider": provider(OPENAI, model="m")},
         fields=("provider.credentials.config.base_url",)),
    Case("openai-with-ftp-url", "POST", AGENTS, 400,
         {"name": "a", "provider": provider(OPENAI, base_url="ftp://x", model="m")},
         fields=("provider.credentials.config.base_url",)),
    Case("self-hosted-chat-without-url", "POST", AGENTS, 400,
         {"name": "a", "provider": {"type": "custom",
                                    "chat_agent_details": {"type": "self_hosted", "config": {}}}},
         fields=("provider.chat_agent_details.config.url",)),
    Case("patch-to-bad-provider", "PATCH", AGENTS + "{agent}/", 400,
         {"provider": provider(OPENAI)}, fields=("provider.credentials.config.base_url",)),
    Case("credentials-not-an-object", "POST", AGENTS, 400,
         {"name": "a", "provider": {"type": OPENAI, "credentials": "sk-123"}},
         fields=("provider.credentials",)),
    # cron expressions and time zones
    Case("cron-minute-61", "POST", SCHEDULES, 400, {"crontab_expression": "61 9 * * *"},
         fields=("crontab_expression",)),
    Case("cron-six-fields", "POST", SCHEDULES, 400, {"crontab_expression": "0 0 9 * * *"},
         fields=("crontab_expression",)),
    Case("cron-words", "POST", SCHEDULES, 400, {"crontab_expression": "every day"},
         fields=("crontab_expression",)),
    Case("unknown-time-zone", "POST", SCHEDULES, 400, {**CRON, "timezone": "Mars/Olympus"},
         fields=("timezone",)),
    Case("patch-to-bad-time-zone", "PATCH", SCHEDULES + "/{schedule}", 400,
         {"timezone": "UTC+25"}, fields=("timezone",)),
    # bodies that are not a JSON object
    Case("not-json", "POST", SCENARIOS, 400, raw=b'{"name": ', fields=("detail",)),
    Case("json-array", "POST", PERSONALITIES, 400, raw=b'[{"name": "p"}]',
         fields=("non_field_errors",)),
    Case("json-string", "POST", PERSONALITIES, 400, raw=b'"p"', fields=("non_field_errors",)),
    Case("lone-surrogate", "POST", PERSONALITIES, 400, raw=b'{"name": "p", "voice": "\\ud800"}',
         fields=("voice",)),
    Case("lone-surrogate-in-key", "POST", TEST_PROFILES, 400,
         raw=b'{"name": "t", "information": {"\\udfff": 1}}', fields=("information.?",)),
    Case("not-utf-8", "POST", PERSONALITIES, 400, raw=b'{"name": "\xff"}', fields=("detail",)),
    Case("nan", "POST", TEST_PROFILES, 400, raw=b'{"name": "t", "information": {"a": NaN}}',
         fields=("information.a",)),
    Case("two-mib", "POST", PERSONALITIES, 413, raw=b'{"name": "' + b"x" * TWO_MIB + b'"}'),
    Case("two-mib-chunked", "POST", PERSONALITIES, 413, raw=b"chunked"),
    # ids
    Case("id-not-a-number", "GET", SCENARIOS + "/abc", 400, fields=("obj_id",)),
    Case("id-out-of-range", "GET", SCENARIOS + "/99999999999", 400, fields=("obj_id",)),
    Case("id-negative", "GET", RESULTS + "/-1", 400, fields=("result_id",)),
    Case("id-zero-delete", "DELETE", PERSONALITIES + "/0", 400, fields=("obj_id",)),
    Case("bulk-ids-not-numbers", "GET", RUNS + "/bulk?ids=1,abc", 400, fields=("ids",)),
    Case("bulk-ids-out-of-range", "GET", RUNS + "/bulk?run_ids=99999999999", 400,
         fields=("run_ids",)),
    Case("bulk-ids-huge", "GET", RUNS + "/bulk?ids=" + "9" * 5000, 400, fields=("ids",)),
    # NUL characters
    Case("nul-in-name", "POST", PERSONALITIES, 400, {"name": "a\x00b"}, fields=("name",)),
    Case("nul-in-nested-key", "POST", TEST_PROFILES, 400,
         {"name": "t", "information": {"k\x00": "v"}}, fields=("information.k",)),
    Case("nul-in-query", "GET", SCENARIOS + "?tags=a%00b", 400, fields=("tags",)),
    # pages
    Case("page-past-the-end", "GET", SCENARIOS + "?page=999", 404, fields=("detail",)),
    Case("page-zero", "GET", RESULTS + "?page=0", 400, fields=("page",)),
    Case("page-size-not-a-number", "GET", RESULTS + "?page_size=all", 400, fields=("page_size",)),
    # keys
    Case("no-key", "GET", RESULTS, 401, key="none", fields=("detail",)),
    Case("unknown-key", "POST", PERSONALITIES, 401, {"name": "p"}, key="bad", fields=("detail",)),
    Case("revoked-key", "POST", PERSONALITIES, 401, {"name": "p"}, key="revoked",
         fields=("detail",)),
    # other projects' objects and ids that do not exist
    Case("personality-of-another-project", "POST", SCENARIOS, 400,
         {"name": "s", "personality": "{b_personality}"}, fields=("personality",)),
    Case("patch-to-another-projects-personality", "PATCH", SCENARIOS + "/{scenario}", 400,
         {"personality": "{b_personality}"}, fields=("personality",)),
    Case("another-project", "POST", PERSONALITIES, 400, {"name": "p", "project": "{b_project}"},
         fields=("project",)),
    Case("unknown-metric-agent", "POST", METRICS, 400, {"name": "m", "agents": [2147483647]},
         fields=("agents",)),
    Case("unknown-schedule-scenario", "POST", SCHEDULES, 400, {**CRON, "scenarios": [2147483647]},
         fields=("scenarios",)),
    # PUT replaces: required fields stay required
    Case("put-scenario-without-name", "PUT", SCENARIOS + "/{scenario}", 400, {},
         fields=("name",)),
    Case("put-agent-without-name", "PUT", AGENTS + "{agent}/", 400, {"description": "x"},
         fields=("name",)),
    Case("put-schedule-without-cron", "PUT", SCHEDULES + "/{schedule}", 400, {"name": "x"},
         fields=("crontab_expression",)),
    # inconsistent fields
    Case("enum-metric-without-values", "POST", METRICS, 400, {"name": "m", "eval_type": "enum"},
         fields=("enum_values",)),
    Case("code-metric-without-code", "POST", METRICS, 400, {"name": "m", "type": "custom_code"},
         fields=("custom_code",)),
    Case("actions-with-instruction-type", "POST", SCENARIOS, 400,
         {"name": "s", "scenario_type": "instruction",
          "conditional_actions": {"conditions": [{"id": 0, "condition": "FIRST_MESSAGE"}]}},
         fields=("scenario_type",)),
    Case("duplicate-condition-ids", "POST", SCENARIOS, 400,
         {"name": "s", "scenario_type": "conditional_actions",
          "conditional_actions": {"conditions": [{"id": 0, "condition": "FIRST_MESSAGE"},
                                                 {"id": 0, "condition": "asks"}]}},
         fields=("conditional_actions.conditions",)),
    Case("duration-too-short", "POST", SCENARIOS, 400, {"name": "s", "max_duration": 5},
         fields=("max_duration",)),
    # methods a path does not allow
    Case("delete-a-list", "DELETE", SCENARIOS, 405, allow="GET, OPTIONS, POST"),
    Case("put-a-result", "PUT", RESULTS + "/{result}", 405, {}, allow="DELETE, GET, OPTIONS"),
    Case("post-bulk", "POST", RUNS + "/bulk", 405, {}, allow="GET, OPTIONS"),
    Case("put-a-metric", "PUT", METRICS + "/{metric}", 405, {"name": "m"},
         allow="DELETE, GET, OPTIONS, PATCH"),
    Case("patch-projects", "PATCH", "/user/v1/projects/", 405, {}, allow="GET, OPTIONS"),
]  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(live_api: Any) -> AsyncIterator[dict[str, Any]]:
    """Objects of project A, a personality of project B, and a revoked key of project A."""
    async with live_api.client() as a, live_api.client(await live_api.new_key()) as b:
        objects = await catalog_objects(a)
        b_personality = await create(b, PERSONALITIES, {"name": "B's caller"})
        project = await project_of(live_api.database, live_api.key)
        result_id, _ = await store_result(live_api.database, project, [run_values("running")])
    revoked = await live_api.new_key(f"project-of-{live_api.key[-6:]}")
    async with live_api.database.transaction() as session:
        [info] = [k for k in await list_keys(session) if revoked.startswith(k.prefix)]
        await revoke_key(session, info.id)
    yield {
        **{kind: obj["id"] for kind, obj in objects.items()},
        "result": result_id,
        "b_personality": b_personality["id"],
        "b_project": b_personality["project"],
        "revoked": revoked,
    }


def fill(value: Any, names: dict[str, Any]) -> Any:
    """`"{scenario}"` → the scenario's id (an int when the whole string is one name)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def key_headers(case: Case, live_api: Any, world: dict[str, Any]) -> dict[str, str]:
    keys = {"a": live_api.key, "bad": "sk_sparring_unknown", "revoked": world["revoked"]}
    return {"X-CEKURA-API-KEY": keys[case.key]} if case.key in keys else {}


async def send(api: httpx.AsyncClient, case: Case, world: dict[str, Any]) -> httpx.Response:
    path = fill(case.path, world)
    headers = {"Content-Type": "application/json", **case.headers}
    if case.raw == b"chunked":
        return await api.request(case.method, path, content=two_mib_in_chunks(), headers=headers)
    if case.raw is not None:
        return await api.request(case.method, path, content=case.raw, headers=headers)
    if case.body is None:
        return await api.request(case.method, path)
    return await api.request(case.method, path, json=fill(case.body, world))


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_a_malformed_request_is_refused_and_changes_nothing(
    live_api: Any, world: dict[str, Any], case: Case
) -> None:
    before = await table_counts(live_api.database)
    async with httpx.AsyncClient(
        base_url=live_api.url, headers=key_headers(case, live_api, world), timeout=30
    ) as api:
        response = await send(api, case, world)
    assert response.status_code == case.status, response.text[:500]
    assert not response.is_redirect
    body = response.json()
    assert isinstance(body, dict)
    if case.status == 400:
        for name in case.fields:
            assert name in body, body
        if "detail" not in body:
            assert all(isinstance(m, str) for v in body.values() for m in v), body
    elif case.status in (401, 404, 405, 413):
        assert set(body) == {"detail"}
        assert isinstance(body["detail"], str)
    if case.allow is not None:
        assert response.headers["allow"] == case.allow
    assert await table_counts(live_api.database) == before
