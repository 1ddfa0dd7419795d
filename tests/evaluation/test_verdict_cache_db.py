"""Judge verdicts cached in the database survive a restart and are shared between processes."""

from __future__ import annotations

from test_judge import BOOK_QUOTE, CODE_QUOTE, conversation, criterion, make_client, reply

from sparring.evaluation.cache import DatabaseVerdictCache
from sparring.evaluation.judge import LLMCriteriaJudge
from sparring.storage.db import Database
from sparring.testing.fake_openai import FakeOpenAIServer

CRITERIA = ["The agent books a table for two", "The agent gives a confirmation number"]


async def test_a_restarted_process_asks_the_judge_nothing_again(database: Database) -> None:
    answer = reply(criterion(1, "met", BOOK_QUOTE), criterion(2, "met", CODE_QUOTE))
    async with FakeOpenAIServer(lambda body: answer, model="judge-model") as fake:
        for _process in range(2):  # a fresh cache object each time, as after a restart
            client = make_client(fake)
            judge = LLMCriteriaJudge(client, cache=DatabaseVerdictCache(database))
            verdicts = await judge.judge(CRITERIA, conversation(run_id=42))
            await client.aclose()
            assert [v.aligned for v in verdicts] == [True, True]
    assert len(fake.requests) == 1
