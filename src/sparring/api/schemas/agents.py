"""Agents (`/test_framework/v2/aiagents/`), with Cekura's v2 fields.

`provider.type` says how sparring reaches the agent: one of sparring's transports
(`openai_chat`, `webhook`, `self_hosted`, `python`, or a plugin's), or Cekura's `custom` with
`chat_agent_details.type = "self_hosted"`. Cekura's voice providers are accepted and stored so
that agents move over unchanged; running them answers 400 until a voice transport exists.
Credentials (`provider.credentials`, `chat_agent_details.config`) are write-only.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sparring.api.schemas.common import Id, Language, Name, Out, RequestModel, Timestamps

CEKURA_PROVIDERS = frozenset(
    [
        "vapi",
        "retell",
        "elevenlabs",
        "cisco",
        "bland",
        "livekit",
        "pipecat",
        "synthflow",
        "agora",
        "koreai",
        "genesys",
        "amazon_connect",
        "telnyx",
        "custom",
    ]
)


class Credentials(BaseModel):
    """Write-only secrets and connection settings of the provider."""

    model_config = ConfigDict(extra="forbid")
    api_key: str | None = Field(None, max_length=4096)
    config: dict[str, Any] = Field(default_factory=dict)


class ChatAgentDetails(BaseModel):
    """Cekura's text channel: `{"type": "self_hosted", "config": {"url", "headers", …}}`."""

    model_config = ConfigDict(extra="forbid")
    type: str | None = Field(None, max_length=64)
    config: dict[str, Any] = Field(default_factory=dict)


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=64, description="How sparring reaches the agent")
    agent_id: str | None = Field(None, max_length=255)
    credentials: Credentials | None = None
    chat_agent_details: ChatAgentDetails | None = None


class AgentIn(RequestModel):
    """Create or replace an agent."""

    name: Name
    description: str = Field("", max_length=20_000)
    project: Id | None = None
    language: Language = "en"
    agent_speaks_first: bool | None = None
    provider: ProviderIn | None = None
    telephony: dict[str, Any] | None = None


class AgentPatch(RequestModel):
    """Change some fields of an agent."""

    name: Name | None = None
    description: str | None = Field(None, max_length=20_000)
    project: Id | None = None
    language: Language | None = None
    agent_speaks_first: bool | None = None
    provider: ProviderIn | None = None
    telephony: dict[str, Any] | None = None


class ProviderOut(Out):
    type: str
    agent_id: str | None = None
    credentials_configured: bool = False
    chat_agent_details: dict[str, Any] | None = None


class AgentOut(Timestamps):
    id: int
    name: str
    description: str
    project: int
    language: str
    agent_speaks_first: bool | None
    provider: ProviderOut | None
    telephony: dict[str, Any] | None = None
    enabled_personalities: list[int] = Field(default_factory=list)
