"""Errors the user can act on.

DraftingError
 ├── ParseError      an input file or text could not be read as items
 ├── ConfigError     a setting is missing or invalid (names the setting to fix)
 ├── IndexError_     the vector index is unreachable or was built by another embedding
 ├── ModelError      the LLM provider failed after retries (timeout, 429, 5xx, cut stream, bad key)
 ├── ValidationError bad user input (empty paste, oversized upload, bad batch row)
 └── StorageError    a file could not be written (disk full, read-only folder); nothing was changed

Every message is written for the person at the keyboard, in Chinese, and says what to do next;
the technical cause is chained (``raise … from exc``) for the log.
"""

from __future__ import annotations


class DraftingError(Exception):
    """Base class: ``str(exc)`` is safe to show to the user."""


class ParseError(DraftingError):
    """An input could not be parsed into newsletter items."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        # the file's name only: a server's folders (upload temp dirs, the corpus path) are nobody's business
        name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] if path else None
        super().__init__(f"{name}：{message}" if name else message)


class ConfigError(DraftingError):
    """A setting is missing or invalid."""


class IndexError_(DraftingError):
    """The vector index cannot be used as configured."""


class ModelError(DraftingError):
    """The language model could not produce a draft."""


class ValidationError(DraftingError):
    """User input was rejected; nothing was changed."""


class StorageError(DraftingError):
    """A file could not be written (disk full, read-only folder); the old file is untouched."""
