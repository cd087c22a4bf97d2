"""Errors the user can act on.

DraftingError
 ├── ParseError      an input file or text could not be read as items
 ├── ConfigError     a setting is missing or invalid (names the setting to fix)
 ├── IndexError_     the vector index is unreachable or was built by another embedding
 ├── ModelError      the LLM provider failed after retries (timeout, 429, 5xx, cut stream, bad key)
 ├── ValidationError bad user input (empty paste, oversized upload, bad batch row)
 │    └── ConflictError  a save from a stale page: the draft changed elsewhere (carries both texts)
 ├── SourceError     a link, attachment or scan could not be brought in (unreachable, too big, not a page)
 ├── BusyError       every drafting slot stayed taken for as long as the caller waits (the API's 503)
 ├── ExportError     a publishing format could not be made (LibreOffice missing or failing for the PDF)
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


class SourceError(DraftingError):
    """A link, attachment or scan could not be turned into source text; the editor can paste the text instead."""


class ConflictError(ValidationError):
    """A save or accept from a page that is behind: someone else saved the draft since the page loaded it.

    Carries the stored text so the page can show both texts and let the editor reload or keep theirs.
    """

    def __init__(self, draft_id: int, *, yours_version: int, stored_version: int, stored: dict[str, str],
                 stored_by: str = "") -> None:
        self.draft_id = draft_id
        self.yours_version = yours_version
        self.stored_version = stored_version
        self.stored = stored
        self.stored_by = stored_by
        who = f"（{stored_by}）" if stored_by else ""
        super().__init__(
            f"草稿 #{draft_id} 已在别处被修改{who}：您打开的是第 {yours_version} 版，现存为第 {stored_version} 版。"
            "您的文字未保存也未丢失：请选择「载入最新版本」或「保留我的文字为新版本」。"
        )


class StorageError(DraftingError):
    """A file could not be written (disk full, read-only folder); the old file is untouched."""


class BusyError(DraftingError):
    """Every drafting slot of this server stayed taken for as long as the caller was willing to wait."""


class ExportError(DraftingError):
    """A publishing format could not be written (the PDF needs LibreOffice); the other formats are unaffected."""
