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


def redact_stream(tokens: Iterable[str], extra: Iterable[str | None] = ()) -> Iterator[str]:
    """Tokens with secrets masked even when a secret is split across tokens: a short tail is held back."""
    with _lock:
        longest = max((len(s) for s in {*_secrets, *(e for e in extra if e)}), default=0)
    hold = max(longest, 24)  # enough for a configured key; a short delay, invisible in a 200-character 短评
    pending = ""
    for token in tokens:
        pending = redact(pending + token, extra)
        if len(pending) > hold:
            cut = len(pending) - hold
            yield pending[:cut]
            pending = pending[cut:]
    if pending:
        yield redact(pending, extra)


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
