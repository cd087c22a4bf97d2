"""How the index reads Chroma in bulk: page size, when a full read runs inline, how soon a failed one is retried."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

READ_PAGE = 5000  # records per Chroma call when reading or writing many (full reads, batched writes)
# Below this many items a full read or rebuild (the vectors into memory, the lexical side after a change nobody
# described) runs on the search that needs it, well under a second; above, a thread does it while searches go on.
# Read as reading.INLINE_REBUILD_MAX at call time: tests set it to 0 to act as a large archive.
INLINE_REBUILD_MAX = 5000
RETRY_AFTER_FAILURE = 30.0  # seconds before a failed full read or rebuild is tried again (not on every search)


def pages(read: Callable[..., Any], include: list[str]) -> Iterator[Any]:
    """The whole collection, READ_PAGE records per `read` (Collection.get, or the index's read with one retry)."""
    offset = 0
    while True:
        got = read(include=include, limit=READ_PAGE, offset=offset)
        yield got
        if len(got["ids"]) < READ_PAGE:
            return
        offset += READ_PAGE
