"""examples/clinic/suite.json is a valid Cekura test suite that sparring can decide offline, and
the bug manifest points into it."""

from __future__ import annotations

import json
import re

from demo_helpers import EXAMPLE, manifest, scenarios, suite
from jsonschema import Draft202012Validator

from sparring.demo.clinic import BUGS
from sparring.evaluation.criteria import split_criteria
from sparring.evaluation.recognisers import parse_criterion
from sparring.services.suites import cases, validate_suite

PLACEHOLDER = re.compile(r"\{\{\s*test_profile\.")


def test_the_suite_matches_the_cekura_schema() -> None:
    schema = json.loads((EXAMPLE / "cekura-test-suite-v1.schema.json").read_text())
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(suite())]
    assert errors == []
    assert validate_suite(suite()) is suite()  # sparring's own check agrees
    assert len({c.key for c in cases(suite())}) == len(suite()["scenarios"])


def test_the_suite_has_what_the_demo_needs() -> None:
    cases_ = suite()["scenarios"]
    assert len(cases_) >= 10
    personalities = {json.dumps(c["personality"]) for c in cases_ if "personality" in c}
    assert len(personalities | {json.dumps(suite()["defaults"]["personality"])}) >= 3
    kinds = {c.get("type", "instruction") for c in cases_}
    assert kinds == {"instruction", "conditional_actions"}
    assert any(PLACEHOLDER.search(json.dumps(c)) and "test_profile" in c for c in cases_)


def test_every_criterion_is_decidable_offline() -> None:
    for scenario in scenarios():
        criteria = split_criteria(scenario.expected_outcome)
        assert criteria, scenario.key
        unreadable = [c for c in criteria if parse_criterion(c) is None]
        assert unreadable == [], scenario.key


def test_the_manifest_lists_every_bug_with_real_scenarios_and_checks() -> None:
    by_key = {s.key: s for s in scenarios()}
    bugs = manifest()["bugs"]
    assert [b["id"] for b in bugs] == list(BUGS)
    for bug in bugs:
        assert bug["description"], bug["id"]
        assert bug["scenarios"], bug["id"]
        for key in bug["scenarios"]:
            assert bug["check"] in split_criteria(by_key[key].expected_outcome), (bug["id"], key)
    exposing = {k for b in bugs for k in b["scenarios"]}
    controls = set(manifest()["controls"])
    assert exposing.isdisjoint(controls)
    assert exposing | controls == set(by_key)
    assert len(controls) >= 3
