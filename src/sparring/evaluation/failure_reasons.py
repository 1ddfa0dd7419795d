"""`failed_reasons`: why runs failed, one issue per root cause, most common first.

The reasons of every failed run are collected as lines: the ❌ lines of its expected outcome
and "<metric>: <explanation>" of each failed binary metric (when a run has neither: its ❔
lines, else its error message). Lines are clustered across runs — TF-IDF over lightly stemmed
words, then agglomerative clustering with average linkage on cosine distance, cut at
`DISTANCE_THRESHOLD` — so paraphrases of one cause become one issue. An issue's description
is the cluster's most central line (highest occurrence-weighted similarity to the others).
Issues are ranked by affected runs, then occurrences, then description: the output depends on
the input only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sparring.evaluation.run_summary import RunSummary

DISTANCE_THRESHOLD = 0.75
"""Lines closer than this (cosine distance, average linkage) are one issue."""

MAX_CLUSTERED_LINES = 2500
"""Above this many distinct lines, lines sharing a criterion (text before ': ') merge first."""

_WORD = re.compile(r"[a-z][a-z0-9']*")
_STOP_WORDS = (
    "a an the to of and or in on at for by with from as is was were be been are it its this "
    "that these those did does do has had have which who whom"
)  # negations stay: "did not confirm" and "confirmed" must differ
_STOP = frozenset(_STOP_WORDS.split())
_SUFFIXES = (
    ("ification", "ify"),
    ("ations", ""),
    ("ation", ""),
    ("ied", "y"),
    ("ies", "y"),
    ("ings", ""),
    ("ing", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("ly", ""),
    ("e", ""),
)


@dataclass(slots=True)
class _Line:
    text: str
    run_ids: set[int] = field(default_factory=set)
    occurrences: int = 0


def failed_reasons(runs: Sequence[RunSummary]) -> dict[str, Any]:
    """The seed's `failed_reasons`: {"issues": [{rank, run_ids, description, affected_count}],
    "total_failed_runs": n}."""
    failed = [r for r in runs if r.failed]
    clusters = cluster_lines(_collect(failed))
    clusters.sort(key=_rank_key)
    issues = [_issue(rank, cluster) for rank, cluster in enumerate(clusters, start=1)]
    return {"issues": issues, "total_failed_runs": len(failed)}


def reason_lines(run: RunSummary) -> list[str]:
    """Why this run failed, one line per reason (see module docstring)."""
    lines = [_unmark(line) for line in run.expected_explanation if line.startswith("❌")]
    for verdict in run.metrics:
        if verdict.passed is False:
            first = verdict.explanation.strip().splitlines()[:1]
            lines.append(f"{verdict.name}: {first[0]}" if first else f"{verdict.name} failed")
    if not lines:
        lines = [_unmark(line) for line in run.expected_explanation if line.startswith("❔")]
    if not lines:
        lines = [run.error_message.strip() or f"The run ended without success ({run.status})."]
    return [line for line in lines if line]


def cluster_lines(lines: Sequence[_Line]) -> list[list[_Line]]:
    """Groups of lines that state one cause (input order does not matter)."""
    ordered = sorted(lines, key=lambda line: line.text)
    if len(ordered) > MAX_CLUSTERED_LINES:
        ordered = _merge_by_criterion(ordered)
    if len(ordered) <= 1:
        return [ordered] if ordered else []
    similarity = _similarity([line.text for line in ordered])
    labels = _labels(similarity)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    clusters = []
    for members in groups.values():
        central = _most_central(members, similarity, ordered)
        clusters.append([ordered[central], *(ordered[i] for i in members if i != central)])
    return clusters


def _collect(runs: Sequence[RunSummary]) -> list[_Line]:
    by_text: dict[str, _Line] = {}
    for run in runs:
        for text in reason_lines(run):
            line = by_text.setdefault(" ".join(text.split()), _Line(" ".join(text.split())))
            line.run_ids.add(run.run_id)
            line.occurrences += 1
    return list(by_text.values())


def _merge_by_criterion(lines: list[_Line]) -> list[_Line]:
    merged: dict[str, _Line] = {}
    for line in lines:
        head = line.text.split(": ", 1)[0]
        into = merged.setdefault(head, _Line(line.text))
        into.run_ids |= line.run_ids
        into.occurrences += line.occurrences
    return sorted(merged.values(), key=lambda line: line.text)


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP]


def _stem(word: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + replacement
    return word


def _similarity(texts: list[str]) -> NDArray[np.float64]:
    """Cosine similarity of the texts' TF-IDF vectors (rows without words are 0 to all)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # slow import: only when needed

    vectorizer = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no words at all (e.g. only numbers or symbols)
        return np.eye(len(texts))
    similarity: NDArray[np.float64] = (matrix @ matrix.T).toarray()
    np.fill_diagonal(similarity, 1.0)
    return similarity


def _labels(similarity: NDArray[np.float64]) -> NDArray[np.int64]:
    from sklearn.cluster import AgglomerativeClustering  # slow import: only when needed

    distance = np.clip(1.0 - similarity, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=DISTANCE_THRESHOLD,
    )
    labels: NDArray[np.int64] = model.fit_predict(distance)
    return labels


def _most_central(
    members: list[int], similarity: NDArray[np.float64], lines: Sequence[_Line]
) -> int:
    weights = np.array([lines[i].occurrences for i in members], dtype=np.float64)
    scores = similarity[np.ix_(members, members)] @ weights
    best = max(range(len(members)), key=lambda k: (round(float(scores[k]), 9), -k))
    return members[best]


def _run_ids(cluster: list[_Line]) -> list[int]:
    return sorted({run_id for line in cluster for run_id in line.run_ids})


def _rank_key(cluster: list[_Line]) -> tuple[int, int, str]:
    occurrences = sum(line.occurrences for line in cluster)
    return (-len(_run_ids(cluster)), -occurrences, cluster[0].text)


def _issue(rank: int, cluster: list[_Line]) -> dict[str, Any]:
    run_ids = _run_ids(cluster)
    return {
        "rank": rank,
        "run_ids": run_ids,
        "description": cluster[0].text,
        "affected_count": len(run_ids),
    }


def _unmark(line: str) -> str:
    return line[1:].lstrip("\ufe0f").strip()
