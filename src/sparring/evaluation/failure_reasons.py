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
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sparring.evaluation.run_summary import RunSummary

DISTANCE_THRESHOLD = 0.75
"""Lines closer than this (cosine distance, average linkage) are one issue."""

MAX_CLUSTERED_LINES = 1500
"""Clustering is quadratic, so at most this many distinct lines are clustered: above it, lines
sharing a criterion (the text before ': ') merge first, and if still too many, the most frequent
are clustered and each other line joins the issue whose centroid is nearest (or its own)."""

_CHUNK = 1000

_WORD = re.compile(r"[a-z][a-z0-9']*")
_LITERAL = re.compile(r'`([^`]+)`|"([^"]+)"|“([^”]+)”')
_ARGUMENTS = re.compile(r"\{[^{}]*\}")
LITERAL_WEIGHT = 3
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
            explanation = verdict.explanation.strip().splitlines()
            failing = [line for line in explanation if line.startswith("❌")] or explanation
            first = _unmark(failing[0]) if failing and failing[0].startswith("❌") else ""
            first = first or (failing[0] if failing else "")
            lines.append(f"{verdict.name}: {first}" if first else f"{verdict.name} failed")
    if not lines:
        lines = [_unmark(line) for line in run.expected_explanation if line.startswith("❔")]
    if not lines:
        lines = [run.error_message.strip() or f"The run ended without success ({run.status})."]
    return [line for line in lines if line]


def cluster_lines(lines: Sequence[_Line]) -> list[list[_Line]]:
    """Groups of lines that state one cause, most central line first (input order is moot)."""
    ordered = sorted(lines, key=lambda line: line.text)
    if len(ordered) > MAX_CLUSTERED_LINES:
        ordered = _merge_by_criterion(ordered)
    if len(ordered) <= 1:
        return [ordered] if ordered else []
    core = sorted(
        sorted(ordered, key=lambda line: -line.occurrences)[:MAX_CLUSTERED_LINES],
        key=lambda line: line.text,
    )
    kept = {id(line) for line in core}
    lines_in_order = core + [line for line in ordered if id(line) not in kept]
    vectors = _vectors([line.text for line in lines_in_order])
    if vectors is None:  # no words anywhere: every line is its own cause
        return [[line] for line in lines_in_order]
    similarity = _similarity(vectors[: len(core)])
    groups = [_central_first(members, similarity, core) for members in _groups(similarity)]
    groups = _attach(groups, vectors, len(core))
    return [[lines_in_order[i] for i in members] for members in groups]


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
    """Stemmed words, plus the criterion's quoted phrases and `names` as whole tokens weighted
    up: criteria that differ only in the phrase or tool they expect are different causes."""
    head = _ARGUMENTS.sub(" ", text.split(": ", 1)[0])  # keys of {"day": …} are not phrases
    words = [_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP]
    literals = ["=" + next(g for g in groups if g).casefold() for groups in _LITERAL.findall(head)]
    return words + literals * LITERAL_WEIGHT


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + replacement
    return word


def _vectors(texts: list[str]) -> Any:
    """L2-normalised TF-IDF rows (a scipy sparse matrix), None when no text has a word."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # slow import: only when needed

    vectorizer = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float64)
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # empty vocabulary
        return None


def _similarity(vectors: Any) -> NDArray[np.float64]:
    """Cosine similarity of every pair of rows (rows without words are 0 to all others)."""
    similarity: NDArray[np.float64] = np.asarray((vectors @ vectors.T).toarray())
    np.fill_diagonal(similarity, 1.0)
    return similarity


def _groups(similarity: NDArray[np.float64]) -> list[list[int]]:
    """Agglomerative clusters (average linkage, cosine distance cut at the threshold)."""
    from sklearn.cluster import AgglomerativeClustering  # slow import: only when needed

    distance = np.clip(1.0 - similarity, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=DISTANCE_THRESHOLD,
    )
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(model.fit_predict(distance)):
        groups.setdefault(int(label), []).append(index)
    return list(groups.values())


def _central_first(
    members: list[int], similarity: NDArray[np.float64], lines: Sequence[_Line]
) -> list[int]:
    """`members` with the line most similar to the others (occurrence-weighted) first."""
    weights = np.array([lines[i].occurrences for i in members], dtype=np.float64)
    scores = similarity[np.ix_(members, members)] @ weights
    best = max(range(len(members)), key=lambda k: (round(float(scores[k]), 9), -k))
    return [members[best], *(m for k, m in enumerate(members) if k != best)]


def _attach(groups: list[list[int]], vectors: Any, clustered: int) -> list[list[int]]:
    """Rows past `clustered` join the group with the nearest centroid, if near enough."""
    if vectors.shape[0] == clustered:
        return groups
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    rows = [i for members in groups for i in members]
    cols = [g for g, members in enumerate(groups) for _ in members]
    membership = csr_matrix((np.ones(len(rows)), (cols, rows)), shape=(len(groups), clustered))
    centroids = normalize(membership @ vectors[:clustered])
    for start in range(clustered, vectors.shape[0], _CHUNK):
        nearness = (vectors[start : start + _CHUNK] @ centroids.T).toarray()
        for offset, row in enumerate(nearness):
            best = int(np.argmax(row))
            if row[best] >= 1.0 - DISTANCE_THRESHOLD:
                groups[best].append(start + offset)
            else:
                groups.append([start + offset])
    return groups


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
