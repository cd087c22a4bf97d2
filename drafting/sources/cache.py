"""Fetched sources kept under the data folder by URL and by content hash: each link is fetched once."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from drafting.sources.fetched import FetchedSource

logger = logging.getLogger(__name__)

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SourceCache:
    """<folder>/url/<sha1 of url>.json and <folder>/content/<sha1 of bytes>.json, both a FetchedSource."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _read(self, path: Path) -> FetchedSource | None:

        try:
            return FetchedSource.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            logger.warning("unreadable source cache entry %s: fetched again", path)
            return None

    def get(self, url: str) -> FetchedSource | None:
        """The source last fetched from this URL."""
        return self._read(self.folder / "url" / f"{_key(url.strip())}.json")

    def by_content(self, sha1: str) -> FetchedSource | None:
        """A source already extracted from the same bytes (under another URL or an earlier fetch)."""
        return self._read(self.folder / "content" / f"{sha1}.json")

    def put(self, source: FetchedSource) -> None:
        """Write both entries atomically (temp file + rename), so a crash never leaves half a JSON."""
        data = json.dumps(source.model_dump(mode="json", exclude={"cached"}), ensure_ascii=False)
        for sub, key in (("url", _key(source.url.strip())), ("content", source.sha1)):
            folder = self.folder / sub
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(data, encoding="utf-8")
            os.replace(tmp, folder / f"{key}.json")

    @contextmanager
    def lock(self, url: str) -> Iterator[None]:
        """One fetch per URL at a time in this process: a batch listing a link twice fetches it once."""
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(_key(url.strip()), threading.Lock())
        with lock:
            yield
