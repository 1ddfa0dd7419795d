"""A JSON response for large bodies: encoded once by orjson, without response-model validation."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import Response


class FastJSONResponse(Response):
    """orjson straight to bytes: datetimes as RFC 3339, several times faster than `json`
    for a result of a thousand runs with their transcripts."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
            return json.dumps(content, default=str, separators=(",", ":")).encode()
