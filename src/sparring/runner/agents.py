"""From a stored agent to the `AgentSpec` a transport needs."""

from __future__ import annotations

from typing import Any

from sparring.domain.scenario import AgentSpec
from sparring.errors import BadInput
from sparring.storage.models import Agent
from sparring.transports import transport_types


def text_transport_type(provider: dict[str, Any]) -> str | None:
    """The transport that reaches this agent in text, or None if sparring has none yet."""
    kind = str(provider.get("type") or "")
    if kind in transport_types():
        return kind
    chat = (provider.get("chat_agent_details") or {}).get("type")
    if kind in ("custom", "") and chat == "self_hosted":
        return "self_hosted"
    return None


def agent_spec(agent: Agent, overrides: dict[str, Any] | None = None) -> AgentSpec:
    """The agent's connection details; `BadInput` when no text transport can reach it."""
    provider = agent.provider or {}
    kind = text_transport_type(provider)
    if kind is None:
        raise BadInput(
            "agent",
            f'Agent {agent.id} uses provider "{provider.get("type", "")}", which sparring cannot '
            "reach in text mode yet; use openai_chat, webhook, self_hosted or python.",
        )
    credentials = agent.credentials or {}
    config = (
        dict(credentials.get("chat_config") or {})
        if kind == "self_hosted" and (provider.get("type") == "custom")
        else dict(credentials.get("config") or {})
    )
    overrides = overrides or {}
    if overrides.get("websocket_url"):
        config["url"] = overrides["websocket_url"]
    if overrides.get("websocket_headers"):
        config["headers"] = {**config.get("headers", {}), **overrides["websocket_headers"]}
    return AgentSpec(
        provider_type=kind,
        config=config,
        api_key=str(credentials.get("api_key") or ""),
        name=agent.name,
        id=agent.id,
        description=agent.description,
        language=agent.language,
        agent_speaks_first=agent.agent_speaks_first,
    )
