"""Schemathesis, driven by sparring's own OpenAPI document, over every operation of a real
`sparring serve` on 127.0.0.1 with a valid key: no 5xx, no response that breaks the document.

The budget is a few examples per operation, positive and negative (about half a minute per
database engine). For a longer hunt, run the same `st run` by hand against `sparring serve`
with a larger `--max-examples` and `--phases examples,coverage,fuzzing`.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from api_helpers import BIN, process_env

MAX_EXAMPLES = 5


@pytest.mark.slow
def test_no_operation_answers_5xx_or_breaks_its_schema(served: Any) -> None:
    url, key, home = served.url, served.key, served.home
    command = [
        str(BIN / "st"), "run", f"{url}/openapi.json",
        "--header", f"X-CEKURA-API-KEY: {key}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "examples,fuzzing",
        "--max-examples", str(MAX_EXAMPLES),
        "--workers", "2",
        "--no-shrink",
        "--generation-database", "none",
        "--request-timeout", "30",
        "--output-truncate", "true",
        "--no-color",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=home, capture_output=True, text=True, timeout=600, env=process_env("", home)
    )
    print(done.stdout, done.stderr)  # whole, in pytest's "Captured stdout" of a failure
    report = done.stdout[-12000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    generated = re.search(r"(\d+) generated, (\d+) passed", report)
    assert generated is not None, report
    assert generated[1] == generated[2], report
