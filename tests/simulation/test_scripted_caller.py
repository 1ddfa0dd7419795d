"""The offline scripted caller: Cekura conditional actions and instruction scripts."""

from __future__ import annotations

from collections.abc import Callable

from sparring.domain.scenario import ConditionalAction, ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role

History = list[tuple[Role, str]]


def ca(
    *conditions: tuple[int, str | int, str] | ConditionalAction,
) -> tuple[ConditionalAction, ...]:
    """Conditions from (id, condition, action); an int condition makes an action_followup."""
    built = []
    for c in conditions:
        if isinstance(c, ConditionalAction):
            built.append(c)
            continue
        cid, condition, action = c
        kind = "action_followup" if isinstance(condition, int) else "standard"
        built.append(ConditionalAction(id=cid, condition=condition, action=action, type=kind))
    return tuple(built)


def scenario(
    *conditions: tuple[int, str | int, str] | ConditionalAction, **fields: object
) -> ScenarioSpec:
    return ScenarioSpec(name="t", conditional_actions=ca(*conditions), **fields)  # type: ignore[arg-type]


def replies(*lines: str) -> Callable[[History], str]:
    """The agent answers the n-th caller message with lines[n-1] (then repeats the last)."""

    def reply(history: History) -> str:
        asked = sum(1 for role, _ in history if role is Role.CALLER)
        return lines[min(asked, len(lines)) - 1]

    return reply


# ---- conditional actions ----------------------------------------------------------------------


async def test_first_message_opens_and_contains_or_matches_case_insensitively(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi, I need an appointment"),
        (1, 'contains "name" OR contains "who am i"', "Sarah Johnson"),
        (2, 'contains "thanks for"', "Bye <endcall />"),
    )
    call = await talk(s, replies("Sure! What is your NAME?", "Thanks for calling."))
    assert call.caller_lines == ["Hi, I need an appointment", "Sarah Johnson", "Bye"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_contains_and_needs_every_part(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hello"),
        (1, 'contains "date" AND contains "birth"', "January first, 1990"),
        (2, 'contains "booked"', "<endcall />"),
    )
    call = await talk(
        s, replies("What date suits you?", "And your date of birth?", "You are booked.")
    )
    # The first reply only has "date": the caller nudges by repeating itself.
    assert call.caller_lines == ["Hello", "Hello", "January first, 1990"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_and_binds_tighter_than_or(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"),
        (1, 'contains "zip" OR contains "post" AND contains "code"', "90210 <endcall />"),
    )
    call = await talk(s, replies("Your post office?", "Your post code?"))
    assert call.caller_lines == ["Hi", "Hi", "90210"]


async def test_each_condition_fires_once_in_id_order(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"),
        (2, 'contains "name"', "Sarah"),
        (1, 'contains "name"', "My name?"),
    )
    same_question = replies("What is your name?")
    call = await talk(s, same_question)
    # id 1 first, then id 2, then nothing is left to wait for: a polite goodbye.
    assert call.caller_lines[:3] == ["Hi", "My name?", "Sarah"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    assert "goodbye" in call.caller_lines[-1].lower()
    assert len(call.caller_lines) == 4


async def test_followup_fires_on_next_turn_whatever_the_agent_says(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"),
        (1, 'contains "order"', "Order 12345"),
        (2, 1, "Also, can you expedite it?"),
        (3, 2, "Thanks <endcall />"),
    )
    call = await talk(s, replies("Your order number?", "Banana.", "Pineapple."))
    assert call.caller_lines == ["Hi", "Order 12345", "Also, can you expedite it?", "Thanks"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_followup_of_first_message(talk) -> None:
    s = scenario((0, "FIRST_MESSAGE", "Hi"), (1, 0, "I am calling about my bill <endcall />"))
    call = await talk(s, replies("Hello, how can I help?"))
    assert call.caller_lines == ["Hi", "I am calling about my bill"]


async def test_unmatched_reply_gets_one_nudge_then_polite_hang_up(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "I want to cancel my subscription"),
        (1, 'contains "cancelled"', "Great, thanks <endcall />"),
    )
    call = await talk(s, replies("Hmm?", "Sorry?"))
    first, nudge, goodbye = call.caller_lines
    assert nudge == first  # the caller repeats its request once
    assert "goodbye" in goodbye.lower()
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    # The goodbye is said as the caller hangs up, not sent as a new message.
    assert call.connection.received == [first, nudge]
    assert call.connection.last_words == goodbye
    assert call.connection.closed


async def test_a_match_resets_the_nudge(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"),
        (1, 'contains "name"', "Ann"),
        (2, 'contains "email"', "ann@example.com <endcall />"),
    )
    call = await talk(s, replies("Eh?", "Name?", "Eh?", "Email?"))
    assert call.caller_lines == ["Hi", "Hi", "Ann", "Ann", "ann@example.com"]


async def test_endcall_says_the_rest_then_hangs_up(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"), (1, 'contains "help"', "That is all, bye! <endcall />")
    )
    call = await talk(s, replies("Anything else I can help with?"))
    assert call.caller_lines == ["Hi", "That is all, bye!"]
    assert call.connection.received == ["Hi"]
    assert call.connection.last_words == "That is all, bye!"
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_bare_endcall_hangs_up_silently(talk) -> None:
    s = scenario((0, "FIRST_MESSAGE", "Hi"), (1, 'contains "bye"', "<endcall/>"))
    call = await talk(s, replies("OK bye"))
    assert call.caller_lines == ["Hi"]
    assert call.connection.last_words is None
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_voice_tags_and_emotion_markers_are_dropped_in_text(talk) -> None:
    s = scenario(
        (
            0,
            "FIRST_MESSAGE",
            'Hi <silence time="1.5s"/> there [laughter], <break time="1s" />I am Bo',
        ),
        (1, 'contains "pin"', '<dtmf digits="1234#"/> 1234 <hold time="2s"/> <endcall />'),
    )
    call = await talk(s, replies("Your PIN?"))
    assert call.caller_lines == ["Hi there, I am Bo", "1234"]


async def test_test_profile_placeholders(talk) -> None:
    s = scenario(
        (
            0,
            "FIRST_MESSAGE",
            "I'm {{test_profile.name}} from {{ test_profile.address.city }}, "
            "member {{test_profile['member id']}}, plan {{test_profile.plan}}, "
            "code {{test_profile.missing}}.",
        ),
        (1, 'contains "ok"', "<endcall />"),
        caller_variables={
            "name": "Ann",
            "address": {"city": "Paris"},
            "member id": 42,
            "plan": "gold",
        },
        agent_variables={"plan": "basic", "name": "Agent-side"},
    )
    call = await talk(s, replies("ok"))
    assert call.caller_lines[0] == (
        "I'm Ann from Paris, member 42, plan gold, code {{test_profile.missing}}."
    )


async def test_agent_variables_fill_what_caller_variables_lack(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Account {{test_profile.account.number}} <endcall />"),
        agent_variables={"account": {"number": "A-7"}},
    )
    call = await talk(s)
    assert call.caller_lines == ["Account A-7"]


async def test_empty_first_message_answers_the_agents_greeting(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", ""),
        (1, 'contains "name"', "Ann <endcall />"),
    )
    call = await talk(s, replies("unused"), greeting="Welcome! What's your name?")
    assert call.transcript.turns[0].role is Role.AGENT
    assert call.caller_lines == ["Ann"]


async def test_empty_first_message_when_caller_must_open_uses_first_message(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", ""),
        (1, 'contains "help"', "<endcall />"),
        first_message="Good morning",
    )
    call = await talk(s, replies("How can I help?"))
    assert call.caller_lines == ["Good morning"]


async def test_natural_language_condition_uses_keyword_overlap(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "I'd like to book"),
        (1, "The agent asks for your date of birth", "March 3rd 1985"),
        (2, "The agent confirms the appointment", "Perfect <endcall />"),
    )
    call = await talk(
        s,
        replies(
            "How can I help you today?",
            "Could you give me your date of birth?",
            "Your appointment is confirmed.",
        ),
    )
    assert call.caller_lines == [
        "I'd like to book",
        "I'd like to book",
        "March 3rd 1985",
        "Perfect",
    ]


async def test_free_form_action_says_its_quoted_sentence(talk) -> None:
    s = scenario(
        (0, "FIRST_MESSAGE", "Hi"),
        ConditionalAction(
            id=1,
            condition='contains "name"',
            action='Provide your full name: "John Smith" <endcall />',
            fixed_message=False,
        ),
    )
    call = await talk(s, replies("Your name?"))
    assert call.caller_lines == ["Hi", "John Smith"]


# ---- instruction scripts ----------------------------------------------------------------------


async def test_instruction_script_says_quoted_sentences_in_order_then_hangs_up(talk) -> None:
    s = ScenarioSpec(name="t", instructions='Ask "Can I book for Friday?" then say “Thanks, bye”')
    call = await talk(s, replies("Hi!", "Yes, Friday works.", "Bye!"))
    assert call.caller_lines == ["Hello", "Can I book for Friday?", "Thanks, bye"]
    assert call.agent_lines == ["Hi!", "Yes, Friday works.", "Bye!"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    assert call.connection.closed


async def test_instruction_without_quotes_says_first_message_then_hangs_up(talk) -> None:
    s = ScenarioSpec(name="t", instructions="Be a polite customer.", first_message="Good evening")
    call = await talk(s, replies("Good evening to you!"))
    assert [(t.role, t.content) for t in call.transcript.turns] == [
        (Role.CALLER, "Good evening"),
        (Role.AGENT, "Good evening to you!"),
    ]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED


async def test_instruction_lines_fill_placeholders_and_honour_endcall(talk) -> None:
    s = ScenarioSpec(
        name="t",
        first_message="Hi, I'm {{test_profile.name}}",
        instructions='Say "Order {{test_profile.order}} please <endcall />" and "never said"',
        caller_variables={"name": "Ann", "order": "A-1"},
    )
    call = await talk(s, replies("Hello Ann"))
    assert call.caller_lines == ["Hi, I'm Ann", "Order A-1 please"]
    assert call.connection.last_words == "Order A-1 please"
