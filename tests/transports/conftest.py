"""Fixtures for transport tests: transports found through the registry, closed after each test."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from sparring.domain.scenario import AgentSpec
from sparring.transports import Transport, get_transport

MakeTransport = Callable[..., Transport]  # (provider_type, config, **AgentSpec fields)


@pytest_asyncio.fixture(loop_scope="session")
async def make_transport() -> AsyncIterator[MakeTransport]:
    """Build a transport for an agent as the runner would: by `provider.type`."""
    made: list[Transport] = []

    def make(provider_type: str, config: dict[str, Any], **agent: Any) -> Transport:
        spec = AgentSpec(provider_type=provider_type, config=config, **agent)
        transport = get_transport(provider_type)(spec)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        await transport.aclose()


@pytest.fixture
def dead_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
