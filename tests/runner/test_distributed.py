"""Scale-out: a real redis-server, `sparring serve` and two `sparring worker` processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from runner_helpers import make_agent, make_scenario, wait_result, websocket_provider

from sparring.services.keys import create_key
from sparring.storage.db import Database
from sparring.testing.fake_agents import FakeWebSocketAgent

SPARRING = str(Path(sys.executable).parent / "sparring")
REDIS = os.environ.get("SPARRING_REDIS_SERVER") or shutil.which("redis-server")
pytestmark = pytest.mark.skipif(not REDIS, reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    assert REDIS
    server = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


class Cluster:
    """`sparring serve` plus workers sharing one database and one Redis."""

    def __init__(self, env: dict[str, str], api_port: int) -> None:
        self.env = env
        self.url = f"http://127.0.0.1:{api_port}"
        self.server = subprocess.Popen([SPARRING, "serve", "--port", str(api_port)], env=env)
        self.workers = [self.start_worker() for _ in range(2)]

    def start_worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([SPARRING, "worker", "--max-conversations", "50"], env=self.env)

    def stop(self) -> None:
        for process in [self.server, *self.workers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self.server, *self.workers]:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest_asyncio.fixture(loop_scope="session")
async def cluster(
    database_url: str, database: Database, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Cluster, str]]:
    env = {
        **os.environ,
        "SPARRING_DATABASE_URL": database_url,
        "SPARRING_BROKER_URL": redis_url,
        "SPARRING_RUN_LEASE_SECONDS": "3",
        "SPARRING_HOME": str(tmp_path),
    }
    async with database.transaction() as session:
        key = await create_key(session, "cluster", f"cluster-{tmp_path.name}")
    port = free_port()
    running = Cluster(env, port)
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if (await http.get(f"{running.url}/openapi.json")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "sparring serve did not start"
                await asyncio.sleep(0.1)
        yield running, key
    finally:
        running.stop()


def client_for(cluster: Cluster, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=cluster.url, headers={"X-CEKURA-API-KEY": key}, timeout=30)


@pytest.mark.slow
async def test_two_workers_share_a_result_and_survive_a_killed_worker(cluster) -> None:
    running, key = cluster
    async with (
        FakeWebSocketAgent(delay=0.02, reply=lambda m, h: "Friday is fine.") as agent,
        client_for(running, key) as client,
    ):
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        scenario = await make_scenario(client)
        body = {
            "agent_id": agent_id,
            "scenarios": [scenario],
            "frequency": 100,
            "concurrency_limit": 20,
        }
        launched = await client.post("/test_framework/v1/scenarios/run_scenarios_text", json=body)
        assert launched.status_code == 201, launched.text
        result = await wait_result(client, launched.json()["id"], timeout=120)
        assert result["status"] == "completed"
        assert result["success_runs_count"] == 100
        workers = Counter(r["metadata"]["worker"] for r in result["runs"].values())
        assert len(workers) == 2, workers  # both workers took runs

        agent.behaviour.delay = 0.3  # slow conversations, so the kill lands mid-run
        body["frequency"] = 40
        launched = await client.post("/test_framework/v1/scenarios/run_scenarios_text", json=body)
        result_id = launched.json()["id"]
        while agent.active < 10:
            await asyncio.sleep(0.05)
        victim = running.workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        result = await wait_result(client, result_id, timeout=120)
    runs = list(result["runs"].values())
    assert {r["status"] for r in runs} <= {"completed", "failed"}
    assert result["completed_runs_count"] == result["total_runs_count"] == 40
    assert result["success_runs_count"] + result["failed_runs_count"] == 40
    assert result["success_runs_count"] == 40  # runs of the killed worker were retried
    assert max(r["metadata"].get("attempts", 1) for r in runs) >= 1
