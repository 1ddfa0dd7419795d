"""`sparring demo-agent`: serve the bundled clinic agent for trying sparring against a server."""

from __future__ import annotations

import asyncio
import contextlib
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console


class Variant(StrEnum):
    good = "good"
    buggy = "buggy"


class DemoProtocol(StrEnum):
    openai = "openai"
    websocket = "websocket"


def demo_agent(
    variant: Annotated[
        Variant, typer.Option(help="good, or buggy (with planted bugs).")
    ] = Variant.good,
    protocol: Annotated[
        DemoProtocol,
        typer.Option(help="openai (Chat Completions) or websocket (Cekura's chat protocol)."),
    ] = DemoProtocol.openai,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 9000,
) -> None:
    """Serve the clinic demo agent (good or buggy) over HTTP or WebSocket."""
    from sparring.demo.servers import serve_demo_agent

    scheme = "ws" if protocol is DemoProtocol.websocket else "http"
    path = "" if protocol is DemoProtocol.websocket else "/v1"
    Console(stderr=True).print(f"clinic demo agent ({variant}) on {scheme}://{host}:{port}{path}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_demo_agent(variant.value, protocol.value, host, port))
