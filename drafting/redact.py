"""Masking secrets in any text that leaves the process: error messages, streamed model text, log records.

A provider may echo the request's ``Authorization: Bearer sk-…`` header in its error text (or a model may repeat
a key it was shown). Every such path goes through ``redact``; log handlers get ``RedactingFilter``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator

MASK = "****"
# Key-shaped strings of the common providers and any bearer token, even when the key is not configured here.
_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\b(sk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)((?:api[_-]?key|authorization|token)[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}"),
]
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secrets(secrets: Iterable[str | None]) -> None:
    """Remember configured secrets (API keys, tokens, passwords) so that every later redact() masks them."""
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 4)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret and every key-shaped string replaced by ****."""
    if not text:
        return text
    with _lock:
        secrets = sorted({*_secrets, *(s for s in extra if s and len(s) >= 4)}, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


# The start of something key-shaped at the very end of streamed text: held back until it is complete.
_OPEN_TAIL = re.compile(r"(?i)(?:\bsk-|bearer\s*|(?:api[_-]?key|authorization|token)[\"']?\s*[:=]?\s*[\"']?)[A-Za-z0-9._~+/=-]*$")


def _safe_end(text: str, secrets: list[str]) -> int:
    """How much of ``text`` can be shown now: everything but a tail that may be the start of a secret."""
    end = len(text)
    for secret in secrets:
        for k in range(min(len(secret) - 1, len(text)), 0, -1):
            if text.endswith(secret[:k]):
                end = min(end, len(text) - k)
                break
    if m := _OPEN_TAIL.search(text):
        end = min(end, m.start())
    return end


def redact_stream(tokens: Iterable[str], extra: Iterable[str | None] = ()) -> Iterator[str]:
    """Tokens with secrets masked even when a secret is split across tokens: only a possible secret's start waits."""
    given = [e for e in extra if e]
    with _lock:
        secrets = [s for s in {*_secrets, *given} if len(s) >= 4]
    pending = ""
    try:
        for token in tokens:
            pending += token
            end = _safe_end(pending, secrets)  # on the raw text: a half-arrived key is never half-masked
            if end:
                yield redact(pending[:end], given)
                pending = pending[end:]
    except BaseException:
        # the stream failed: what was safe to show is shown (the caller decides what the failure means)
        end = _safe_end(pending, secrets)
        if end:
            yield redact(pending[:end], given)
        raise
    if pending:
        yield redact(pending, given)


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message and any traceback text are redacted before they are written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of ``logger`` (default: the root logger); idempotent."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
