"""Agents reached by one HTTP POST per turn (`provider.type` "webhook").

The request body is `request_template` with placeholders filled in: "{{message}}",
"{{session_id}}", "{{run_id}}", "{{result_id}}" and "{{scenario_id}}" inside any string, and a
string that is exactly "{{history}}" replaced by the conversation so far as a list of
`{"role": "user"|"assistant", "content"}`, ending with the current message. The agent's words
are read at `response_field` (a dotted path; list items by number, e.g. "choices.0.text").
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp

from sparring import fastjson
from sparring.domain.scenario import AgentSpec, RunContext
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput, snippet
from sparring.transports.base import AgentReply, Connection, Transport, require_str
from sparring.transports.common import (
    DEFAULT_TIMEOUT_SECONDS,
    ReplyDeadline,
    Stopwatch,
    config_field,
    http_status_error,
    optional_str,
    positive_number,
    string_map,
    url,
)

DEFAULT_TEMPLATE: dict[str, Any] = {"message": "{{message}}", "session_id": "{{session_id}}"}
HISTORY = "{{history}}"
MAX_CONNECTIONS = 1000  # far above the runner's per-agent concurrency; the pool never queues


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """`provider.credentials.config` of a "webhook" agent."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    request_template: Any = field(default_factory=lambda: dict(DEFAULT_TEMPLATE))
    response_field: str = "reply"
    end_field: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def parse(cls, config: dict[str, Any]) -> WebhookConfig:
        """Check every key; `BadInput` names the first bad one."""
        template = config.get("request_template")
        if template is None:
            template = dict(DEFAULT_TEMPLATE)
        elif not isinstance(template, dict | list):
            raise BadInput(config_field("request_template"), "Must be a JSON object or list.")
        try:
            json.dumps(template)
        except (TypeError, ValueError) as exc:
            raise BadInput(config_field("request_template"), f"Must be JSON: {exc}") from None
        response_field = (
            require_str(config, "response_field") if "response_field" in config else "reply"
        )
        return cls(
            url=url(config, "url", ("http", "https")),
            headers=string_map(config, "headers"),
            request_template=template,
            response_field=response_field,
            end_field=optional_str(config, "end_field"),
            timeout_seconds=positive_number(config, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        )


class WebhookTransport(Transport):
    """Reaches agents that answer one HTTP POST per caller message."""

    type: ClassVar[str] = "webhook"

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__(agent)
        self.config = WebhookConfig.parse(agent.config)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        WebhookConfig.parse(config)
        return config

    def session(self) -> aiohttp.ClientSession:
        """The one HTTP pool of all this transport's conversations (made inside the loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
                headers=self.config.headers,
                timeout=aiohttp.ClientTimeout(),  # `ReplyDeadline` bounds each whole reply
                json_serialize=fastjson.dumps,
            )
        return self._session

    async def connect(self, context: RunContext) -> Connection:
        self.session()
        return WebhookConnection(self, context)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebhookConnection(Connection):
    """One conversation: a session id and the history, one POST per turn."""

    def __init__(self, transport: WebhookTransport, context: RunContext) -> None:
        self.transport = transport
        self.config = transport.config
        self.session_id = str(uuid.uuid4())
        self.history: list[dict[str, str]] = []
        self.values = {
            "{{session_id}}": self.session_id,
            "{{run_id}}": str(context.run_id),
            "{{result_id}}": str(context.result_id),
            "{{scenario_id}}": str(context.scenario_id),
        }

    async def send(self, text: str) -> AgentReply:
        self.history.append({"role": "user", "content": text})
        body = render(
            self.config.request_template, {**self.values, "{{message}}": text}, self.history
        )
        clock = Stopwatch()
        async with ReplyDeadline(self.config.timeout_seconds):
            status, raw = await self._post(body)
        latency_ms = clock.ms()
        if not 200 <= status < 300:
            raise http_status_error(status, raw)
        reply = self._read(raw)
        reply.latency_ms = latency_ms
        self.history.append({"role": "assistant", "content": reply.text})
        return reply

    async def _post(self, body: Any) -> tuple[int, str]:
        try:
            async with self.transport.session().post(self.config.url, json=body) as response:
                return response.status, await response.text(errors="replace")
        except (aiohttp.ClientError, OSError) as exc:
            if isinstance(exc, asyncio.TimeoutError):  # aiohttp's timeouts subclass both
                raise
            raise AgentUnreachable(
                f"Could not reach the agent at {self.config.url}: {exc}"
            ) from exc

    def _read(self, raw: str) -> AgentReply:
        try:
            data = fastjson.loads(raw)
        except fastjson.JSONDecodeError:
            raise AgentMisbehaved(f"The agent's reply is not JSON: {snippet(raw)!r}") from None
        text = dig(data, self.config.response_field)
        if text is _MISSING:
            raise AgentMisbehaved(
                f'The agent\'s reply has no "{self.config.response_field}": {snippet(raw)}'
            )
        if text is not None and not isinstance(text, str):
            raise AgentMisbehaved(
                f'"{self.config.response_field}" in the agent\'s reply is not text.'
            )
        ended = False
        if self.config.end_field:
            flag = dig(data, self.config.end_field)
            if flag is not _MISSING and flag is not None and not isinstance(flag, bool):
                raise AgentMisbehaved(
                    f'"{self.config.end_field}" in the agent\'s reply is not true/false.'
                )
            ended = flag is True
        return AgentReply(text=text or "", latency_ms=0.0, ended=ended)


def render(template: Any, values: dict[str, str], history: list[dict[str, str]]) -> Any:
    """`template` with placeholders filled in (only in values, never in keys)."""
    if isinstance(template, str):
        if template == HISTORY:
            return [dict(m) for m in history]
        if "{{" in template:
            for placeholder, value in values.items():
                template = template.replace(placeholder, value)
        return template
    if isinstance(template, dict):
        return {k: render(v, values, history) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values, history) for v in template]
    return template


_MISSING: Any = object()


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path ("a.b.0.c"), or `_MISSING`."""
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data
