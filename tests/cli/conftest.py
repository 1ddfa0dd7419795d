"""Fixtures for CLI tests: demo agents and `sparring serve` as real processes, and the
`sparring run --demo …` commands, all started at once so their start-up times overlap."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from cli_helpers import SUITE, Command, cli_env, free_port, sparring, start_servers, stop

from sparring.services.keys import create_key
from sparring.storage.db import Database


@pytest.fixture(scope="session")
def demo_agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """URLs of `sparring demo-agent` processes: good and buggy over the OpenAI protocol
    (`…/v1`), and good over Cekura's chat WebSocket (`websocket`)."""
    ports = {"good": free_port(), "buggy": free_port(), "websocket": free_port()}
    commands = [
        (["demo-agent", "--variant", "good", "--protocol", "openai"], ports["good"]),
        (["demo-agent", "--variant", "buggy", "--protocol", "openai"], ports["buggy"]),
        (["demo-agent", "--variant", "good", "--protocol", "websocket"], ports["websocket"]),
    ]
    env = cli_env(tmp_path_factory.mktemp("demo-agents"))
    servers = start_servers([([*a, "--port", str(p)], p) for a, p in commands], env)
    yield {
        "good": f"http://127.0.0.1:{ports['good']}/v1",
        "buggy": f"http://127.0.0.1:{ports['buggy']}/v1",
        "websocket": f"ws://127.0.0.1:{ports['websocket']}",
    }
    stop(servers)


@dataclass
class Served:
    """`sparring serve` in its own process, over the test's database, with one project's key."""

    url: str
    key: str


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def served(
    database_url: str, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    async with database.transaction() as session:
        key = await create_key(session, "cli tests", f"cli-{uuid.uuid4().hex[:8]}")
    port = free_port()
    env = cli_env(tmp_path_factory.mktemp("serve"), SPARRING_DATABASE_URL=database_url)
    servers = start_servers([(["serve", "--port", str(port)], port)], env)
    yield Served(f"http://127.0.0.1:{port}", key)
    stop(servers)


@dataclass
class DemoRuns:
    """`sparring run` commands started together; each has its own SPARRING_HOME."""

    commands: dict[str, Command]
    homes: dict[str, Path]


BAD_INPUT = {
    "missing file": (
        ["run", "no-such-suite.json", "--demo", "good"],
        "Error: SUITE: no-such-suite.json does not exist.",
    ),
    "invalid JSON": (
        ["run", "broken.json", "--demo", "good"],
        "Error: SUITE: broken.json is not valid JSON: Expecting value",
    ),
    "schema": (
        ["run", "bad-schema.json", "--demo", "good"],
        "Error: SUITE: bad-schema.json is not a valid test suite: scenarios: 'all of them' is not",
    ),
    "demo and url": (
        ["run", str(SUITE), "--demo", "good", "--agent-url", "http://127.0.0.1:9/v1"],
        "Error: --agent-url: Give either --demo or --agent-url, not both.",
    ),
    "no agent": (
        ["run", str(SUITE)],
        "Error: --agent-url: Give the agent to test: --agent-url URL or --demo good|buggy.",
    ),
    "ftp url": (
        ["run", str(SUITE), "--agent-url", "ftp://x"],
        "Error: --agent-url: Use an http(s):// or ws(s):// URL.",
    ),
    "fail-under 200": (
        ["run", str(SUITE), "--demo", "good", "--fail-under", "200"],
        "Invalid value for '--fail-under': Input should be less than or equal to 100",
    ),
}


@pytest.fixture(scope="session")
def demo_runs(
    demo_agents: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoRuns]:
    """`sparring run examples/clinic/suite.json` with --demo good, buggy, both, a WebSocket
    agent, and every bad-input case, all started at once."""
    suite = str(SUITE)
    work = tmp_path_factory.mktemp("run-cli")
    (work / "broken.json").write_text('{"version": "1", "scenarios": [')
    (work / "bad-schema.json").write_text('{"version": "1", "scenarios": "all of them"}')
    runs = {
        "good": ["run", suite, "--demo", "good"],
        "buggy": ["run", suite, "--demo", "buggy", "--fail-under", "90"],
        "both": ["run", suite, "--demo", "both", "--json", "out.json", "--junit", "out.xml"],
        "websocket": ["run", suite, "--agent-url", demo_agents["websocket"]],
        **{name: args for name, (args, _) in BAD_INPUT.items()},
    }
    homes = {name: work / name.replace(" ", "-") for name in runs}
    commands = {}
    for name, args in runs.items():
        homes[name].mkdir()
        cwd = work if name in BAD_INPUT else homes[name]
        commands[name] = sparring(*args, env=cli_env(homes[name]), cwd=cwd)
    yield DemoRuns(commands, homes)
    stop(list(commands.values()))
