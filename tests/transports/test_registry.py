"""Transports are found by `provider.type`, the way agents name them."""

from __future__ import annotations

import pytest

from sparring.errors import BadInput
from sparring.transports import get_transport, transport_types
from sparring.transports.openai_chat import OpenAIChatTransport
from sparring.transports.python_callable import PythonCallableTransport
from sparring.transports.webhook import WebhookTransport
from sparring.transports.websocket_chat import WebSocketChatTransport


@pytest.mark.parametrize(
    ("provider_type", "cls"),
    [
        ("openai_chat", OpenAIChatTransport),
        ("webhook", WebhookTransport),
        ("self_hosted", WebSocketChatTransport),
        ("python", PythonCallableTransport),
    ],
)
def test_each_provider_type_finds_its_transport(provider_type: str, cls: type) -> None:
    assert get_transport(provider_type) is cls
    assert cls.type == provider_type
    assert provider_type in transport_types()


def test_an_unknown_type_is_bad_input_on_provider_type() -> None:
    with pytest.raises(BadInput) as caught:
        get_transport("carrier_pigeon")
    assert caught.value.field == "provider.type"
    assert "openai_chat" in caught.value.message
