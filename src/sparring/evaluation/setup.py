"""The evaluators a process uses: offline always; the LLM judge too when one is configured.

With `SPARRING_LLM_*` set, expected-outcome criteria are decided offline first and only those
left undecided go to the LLM judge; `llm_judge` metrics go to it directly. Both share one verdict
cache, so scoring the same run twice makes no second request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.config import LLMSettings
from sparring.evaluation.base import CriteriaJudge
from sparring.evaluation.cache import DatabaseVerdictCache, MemoryVerdictCache, VerdictCache
from sparring.evaluation.judge import LLMCriteriaJudge, LLMJudgeEvaluator
from sparring.evaluation.offline import FallbackCriteriaJudge, OfflineCriteriaJudge
from sparring.evaluation.registry import EvaluatorRegistry, default_registry
from sparring.llm import LLMClient
from sparring.storage.db import Database


@dataclass
class Evaluation:
    """What `evaluate_run` needs: the criteria judge and the metric evaluators."""

    criteria_judge: CriteriaJudge
    registry: EvaluatorRegistry
    client: LLMClient | None = None

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def evaluation_for(llm: LLMSettings, db: Database | None = None) -> Evaluation:
    """Offline evaluation, plus the LLM judge when `llm` is configured (its verdicts cached in
    `db` when given, else in memory)."""
    registry = default_registry()
    if not llm.configured:
        return Evaluation(OfflineCriteriaJudge(), registry)
    client = LLMClient(llm)
    cache: VerdictCache = DatabaseVerdictCache(db) if db is not None else MemoryVerdictCache()
    registry = registry.copy()
    registry.register(LLMJudgeEvaluator(client, cache=cache))
    judge = FallbackCriteriaJudge(OfflineCriteriaJudge(), LLMCriteriaJudge(client, cache=cache))
    return Evaluation(judge, registry, client)
