"""Named plugin classes: sparring's built-ins plus the entry points of a group.

Transports (`sparring.transports`) and caller engines (`sparring.callers`) are found this way, so
a package can add one by declaring an entry point; nothing is imported until it is asked for.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from sparring.errors import BadInput

T = TypeVar("T")


class Plugins(Generic[T]):
    """`name → "module:attr"` from `builtin` and the entry-point `group` (which may override)."""

    def __init__(self, group: str, builtin: dict[str, str], *, field: str, kind: str) -> None:
        self.group = group
        self.builtin = builtin
        self.field = field
        self.kind = kind

    @cached_property
    def specs(self) -> dict[str, str]:
        specs = dict(self.builtin)
        specs.update({ep.name: ep.value for ep in entry_points(group=self.group)})
        return specs

    def names(self) -> list[str]:
        return sorted(self.specs)

    def load(self, name: str) -> type[T]:
        """The class registered as `name`, or `BadInput` on `field` listing the choices."""
        spec = self.specs.get(name)
        if spec is None:
            raise BadInput(
                self.field,
                f'"{name}" is not a known {self.kind}; choose one of: {", ".join(self.names())}.',
            )
        module_name, _, attr = spec.partition(":")
        loaded: type[T] = getattr(import_module(module_name), attr)
        return loaded
