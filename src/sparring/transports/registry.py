"""Finds transports by `provider.type`, through the `sparring.transports` entry points."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from sparring.errors import BadInput
from sparring.transports.base import Transport

_BUILTIN = {
    "openai_chat": "sparring.transports.openai_chat:OpenAIChatTransport",
    "webhook": "sparring.transports.webhook:WebhookTransport",
    "self_hosted": "sparring.transports.websocket_chat:WebSocketChatTransport",
    "python": "sparring.transports.python_callable:PythonCallableTransport",
}


@cache
def _specs() -> dict[str, str]:
    specs = dict(_BUILTIN)
    for ep in entry_points(group="sparring.transports"):
        specs[ep.name] = ep.value
    return specs


def transport_types() -> list[str]:
    """Every provider type a transport exists for."""
    return sorted(_specs())


def get_transport(provider_type: str) -> type[Transport]:
    """The transport class for `provider_type`, or `BadInput` on `provider.type`."""
    spec = _specs().get(provider_type)
    if spec is None:
        raise BadInput(
            "provider.type",
            f'"{provider_type}" is not a known provider type; '
            f"choose one of: {', '.join(transport_types())}.",
        )
    module_name, _, attr = spec.partition(":")
    module = __import__(module_name, fromlist=[attr])
    cls: type[Transport] = getattr(module, attr)
    return cls
