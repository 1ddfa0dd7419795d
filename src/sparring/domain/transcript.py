"""What was said in one conversation, with timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sparring.domain.status import EndReason


class Role(StrEnum):
    """Transcript roles, as Cekura names them."""

    AGENT = "Main Agent"
    CALLER = "Testing Agent"
    FUNCTION_CALL = "Function Call"
    FUNCTION_RESULT = "Function Call Result"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool (function) call the agent made while answering."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    result: str | None = None


@dataclass(slots=True)
class Turn:
    """One message. Times are seconds from the start of the call.

    For agent turns `latency_ms` is the time from the end of the caller's message to the end of
    the agent's reply, and `first_token_ms` the time to its first token (streaming transports).
    """

    role: Role
    content: str
    start: float
    end: float
    latency_ms: float | None = None
    first_token_ms: float | None = None
    tool_calls: tuple[ToolCall, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "role": self.role.value,
            "content": self.content,
            "start_time": round(self.start, 3),
            "end_time": round(self.end, 3),
            "time": format_clock(self.start),
        }
        if self.latency_ms is not None:
            data["latency_ms"] = round(self.latency_ms, 1)
        if self.first_token_ms is not None:
            data["first_token_ms"] = round(self.first_token_ms, 1)
        if self.tool_calls:
            data["tool_calls"] = [
                {"id": c.id, "name": c.name, "arguments": c.arguments, "result": c.result}
                for c in self.tool_calls
            ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        calls = tuple(
            ToolCall(
                name=c.get("name", ""),
                arguments=c.get("arguments") or {},
                id=c.get("id", ""),
                result=c.get("result"),
            )
            for c in data.get("tool_calls") or ()
        )
        return cls(
            role=Role(data["role"]),
            content=data.get("content", ""),
            start=float(data.get("start_time", 0.0)),
            end=float(data.get("end_time", 0.0)),
            latency_ms=data.get("latency_ms"),
            first_token_ms=data.get("first_token_ms"),
            tool_calls=calls,
        )


@dataclass(slots=True)
class Transcript:
    """The turns of one conversation and how it ended."""

    turns: list[Turn] = field(default_factory=list)
    end_reason: EndReason | None = None
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def agent_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role is Role.AGENT]

    @property
    def caller_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role is Role.CALLER]

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [c for t in self.turns for c in t.tool_calls]

    @property
    def duration(self) -> float:
        return self.turns[-1].end if self.turns else 0.0

    def to_text(self) -> str:
        """Cekura's text form: one `[MM:SS] Role: text` line per message."""
        return "\n".join(
            f"[{format_clock(t.start)}] {t.role.value}: {t.content}" for t in self.turns
        )

    def to_json(self) -> list[dict[str, Any]]:
        return [t.to_json() for t in self.turns]


def format_clock(seconds: float) -> str:
    """Seconds as "MM:SS" (minutes grow past 59, as in the seed's durations)."""
    whole = max(0, round(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"
