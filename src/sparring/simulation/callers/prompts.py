"""What the LLM caller is told: its system prompt, the conversation in its own roles, its tool.

The LLM plays the caller, so in the messages it sees the agent's turns are `user` messages and
the caller's own turns are `assistant` messages.
"""

from __future__ import annotations

import json
from typing import Any

from sparring.domain.scenario import ConditionalAction, ScenarioSpec
from sparring.domain.transcript import Role, Transcript
from sparring.simulation.callers.conditional import is_opening
from sparring.simulation.callers.templating import fill_scenario

END_CALL_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "end_call",
        "description": (
            "Hang up and end the conversation. Call it when your goal is reached, when the agent "
            "has ended the conversation, or when it cannot usefully go on."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "last_words": {
                    "type": "string",
                    "description": "What you say as you hang up (e.g. a goodbye); may be empty.",
                }
            },
            "required": [],
        },
    },
}

OPEN_CUE = "(The conversation has started. Write your first message to the agent.)"
NO_REPLY = "(The agent sent no reply.)"

_RULES = """\
You are role-playing a person who contacts a company's conversational agent; the conversation is
a test of that agent. You are the caller (the customer); the other side is the agent. Never speak
as the agent, never say that you are an AI or that this is a test, and keep each message short,
as a person would write in a chat: usually one or two sentences. Tags such as <silence/> or
<dtmf/> in your guidance are for voice calls: leave them out of your messages.

When your goal is reached, when the agent ends the conversation, or when it cannot usefully go on,
call the end_call tool (optionally with last_words) instead of writing a message."""


def system_prompt(scenario: ScenarioSpec) -> str:
    """The caller's instructions: task, personality, language and test-profile facts."""
    sections = [_RULES, "# Your task\n" + _task(scenario)]
    personality = scenario.personality
    if personality.prompt.strip():
        sections.append(f"# Your personality ({personality.name})\n{personality.prompt.strip()}")
    language = scenario.language or personality.language
    if language:
        sections.append(f"# Language\nWrite only in the language with ISO code `{language}`.")
    facts = _facts(scenario.caller_variables)
    if facts:
        sections.append("# Facts about you (give them when they are asked for)\n" + facts)
    return fill_scenario("\n\n".join(sections), scenario)


def chat_messages(scenario: ScenarioSpec, transcript: Transcript) -> list[dict[str, Any]]:
    """The transcript in the LLM caller's roles, after its system prompt."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(scenario)}]
    for turn in transcript.turns:
        if turn.role is Role.AGENT:
            _append(messages, "user", turn.content.strip() or NO_REPLY)
        elif turn.role is Role.CALLER:
            if len(messages) == 1:
                _append(messages, "user", OPEN_CUE)  # many chat templates need a user turn first
            _append(messages, "assistant", turn.content)
    if len(messages) == 1:
        _append(messages, "user", OPEN_CUE)
    elif messages[-1]["role"] == "assistant":
        _append(messages, "user", NO_REPLY)
    return messages


def _task(scenario: ScenarioSpec) -> str:
    if not scenario.conditional_actions:
        text = (
            scenario.instructions.strip() or f"You are a caller in the scenario {scenario.name!r}."
        )
        if scenario.first_message.strip():
            text += f'\nYour first message is: "{scenario.first_message.strip()}"'
        return text
    lines = [scenario.role.strip() or f"You are a caller in the scenario {scenario.name!r}."]
    lines.append("Follow these rules, each at most once, as the conversation goes:")
    lines.extend(_guidance(c) for c in sorted(scenario.conditional_actions, key=lambda c: c.id))
    lines.append("A rule whose action contains <endcall /> means: say the rest, then hang up.")
    return "\n".join(lines)


def _guidance(condition: ConditionalAction) -> str:
    target = condition.condition
    if is_opening(condition):
        when = "At the start of the conversation"
    elif condition.type == "action_followup":
        when = f"On your turn right after you carried out rule {target}"
    else:
        when = f"When this is true of the agent's last message: {target}"
    how = "say exactly" if condition.fixed_message else "do this, in your own words"
    action = condition.action.strip() or "(say nothing of your own; wait for the agent)"
    return f"- Rule {condition.id}. {when} → {how}: {action}"


def _facts(variables: dict[str, Any], prefix: str = "") -> str:
    lines = []
    for key, value in variables.items():
        if isinstance(value, dict) and value:
            lines.append(_facts(value, f"{prefix}{key}."))
        else:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"- {prefix}{key}: {shown}")
    return "\n".join(line for line in lines if line)


def _append(messages: list[dict[str, Any]], role: str, content: str) -> None:
    if messages[-1]["role"] == role and role != "system":
        messages[-1]["content"] += "\n" + content
    else:
        messages.append({"role": role, "content": content})
