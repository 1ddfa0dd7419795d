"""The clinic demo agent (good and buggy variants), its servers, and the manifest of its bugs."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def bug_manifest() -> dict[str, Any]:
    """`manifest.json`: each planted bug, the scenarios that expose it and the criterion that
    catches it, and the control scenarios that pass on both variants."""
    data: dict[str, Any] = json.loads(files(__name__).joinpath("manifest.json").read_text())
    return data
