"""The one exception tree of sparring.

    SparringError
    ├── BadInput            the caller's input is wrong: HTTP 400 naming the field, CLI exit 2
    ├── NotFound            no such object, or not visible to this key: HTTP 404
    ├── Unauthorized        no or bad API key: HTTP 401
    ├── Conflict            the object's state forbids the action: HTTP 409
    ├── AgentError          talking to the agent under test went wrong
    │   ├── AgentUnreachable   infrastructure: refused, 5xx, timeout (retryable)
    │   └── AgentMisbehaved    behaviour: garbage or malformed replies (not retried)
    ├── LLMError            the configured LLM endpoint failed or answered nonsense
    └── EvaluationError     a metric could not be computed (e.g. custom code crashed)

The API maps the tree to status codes in one table (`api/errors.py`), the CLI maps it to exit
codes (`cli/main.py`).
"""

from __future__ import annotations


class SparringError(Exception):
    """Base of every error sparring raises on purpose."""


class BadInput(SparringError):
    """Input that cannot be accepted; `errors` maps field paths to messages."""

    def __init__(self, field: str, message: str, *, errors: dict[str, list[str]] | None = None):
        self.errors: dict[str, list[str]] = errors or {field: [message]}
        first_field, messages = next(iter(self.errors.items()))
        self.field = first_field
        self.message = messages[0] if messages else message
        super().__init__(f"{self.field}: {self.message}")

    @classmethod
    def many(cls, errors: dict[str, list[str]]) -> BadInput:
        """Several problems reported at once."""
        field, messages = next(iter(errors.items()))
        return cls(field, messages[0], errors=errors)


class NotFound(SparringError):
    """The object does not exist or belongs to another project."""

    def __init__(self, what: str = "Not found."):
        super().__init__(what)


class Unauthorized(SparringError):
    """No API key, or one that is unknown or revoked."""


class Conflict(SparringError):
    """The action does not fit the object's current state."""


class AgentError(SparringError):
    """Talking to the agent under test failed."""

    infrastructure = False


class AgentUnreachable(AgentError):
    """The agent could not be reached or answered with a server error or not in time."""

    infrastructure = True


class AgentMisbehaved(AgentError):
    """The agent answered, but not in a form sparring can read."""


class LLMError(SparringError):
    """The LLM endpoint failed or answered with something unusable."""


class EvaluationError(SparringError):
    """A metric could not be computed for a run."""


def snippet(text: str, limit: int = 200) -> str:
    """The start of a reply body, on one line, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
