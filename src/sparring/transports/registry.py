"""Finds transports by `provider.type`, through the `sparring.transports` entry points."""

from __future__ import annotations

from sparring.plugins import Plugins
from sparring.transports.base import Transport

TRANSPORTS: Plugins[Transport] = Plugins(
    "sparring.transports",
    {
        "openai_chat": "sparring.transports.openai_chat:OpenAIChatTransport",
        "webhook": "sparring.transports.webhook:WebhookTransport",
        "self_hosted": "sparring.transports.websocket_chat:WebSocketChatTransport",
        "python": "sparring.transports.python_callable:PythonCallableTransport",
    },
    field="provider.type",
    kind="provider type",
)


def transport_types() -> list[str]:
    """Every provider type a transport exists for."""
    return TRANSPORTS.names()


def get_transport(provider_type: str) -> type[Transport]:
    """The transport class for `provider_type`, or `BadInput` on `provider.type`."""
    return TRANSPORTS.load(provider_type)
