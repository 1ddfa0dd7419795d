"""Django REST Framework page-number pagination: `{count, next, previous, results}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from sparring.errors import NotFound

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """The requested page; `size` already clamped to the cap."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def check(self, count: int) -> None:
        """A page past the end is a 404, as in DRF (page 1 of nothing is an empty page)."""
        if self.number > 1 and self.offset >= count:
            raise NotFound("Invalid page.")


# Any page past the end is a 404 and any size over the cap is the cap, as in DRF; the bounds
# only keep offsets within 64-bit integers.
def page_params(
    page: Annotated[int, Query(ge=1, le=2**31 - 1, description="1-based page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=2**31 - 1, description="Items per page; values over 100 count as 100")
    ] = DEFAULT_PAGE_SIZE,
) -> Page:
    return Page(number=page, size=min(page_size, MAX_PAGE_SIZE))


PageDep = Annotated[Page, Depends(page_params)]


def page_body(request: Request, page: Page, count: int, results: list[Any]) -> dict[str, Any]:
    """The paginated envelope with absolute `next` / `previous` links."""

    def link(number: int) -> str:
        return str(request.url.include_query_params(page=number))

    has_next = page.offset + len(results) < count
    return {
        "count": count,
        "next": link(page.number + 1) if has_next else None,
        "previous": link(page.number - 1) if page.number > 1 else None,
        "results": results,
    }
