"""LibreOffice headless, the one way every module converts office files (DOC/WPS in, PDF and DOC out).

Each run gets its own profile folder: two conversions at once must not share one (LibreOffice locks it). Callers turn
OfficeError into their own message, in the user's words, for the file they were handling.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal


class OfficeError(Exception):
    """LibreOffice is missing, timed out, failed, or wrote nothing; ``reason`` says which."""

    def __init__(self, reason: Literal["missing", "timeout", "failed"]) -> None:
        super().__init__(reason)
        self.reason = reason


def soffice() -> str | None:
    """The LibreOffice program, where it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], to: str, outdir: Path, *, timeout: float, check: bool = True) -> list[Path]:
    """Convert files with one LibreOffice run (``to`` as LibreOffice takes it: "pdf", "docx", "doc:MS Word 97").

    Returns the files written, ``outdir/<stem>.<ext>`` in the order given. With ``check`` a non-zero exit or a missing
    output is an OfficeError("failed"); without, the files that were written are returned.
    """
    program = soffice()
    if program is None:
        raise OfficeError("missing")
    with tempfile.TemporaryDirectory(prefix="drafting-lo-") as profile:
        try:
            done = subprocess.run([program, "--headless", f"-env:UserInstallation={(Path(profile) / 'lo').as_uri()}",
                                   "--convert-to", to, "--outdir", str(outdir), *map(str, sources)],
                                  capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OfficeError("timeout") from exc
        except OSError as exc:
            raise OfficeError("failed") from exc
    ext = to.split(":", 1)[0]
    written = [outdir / f"{src.stem}.{ext}" for src in sources]
    if check and (done.returncode != 0 or not all(p.is_file() for p in written)):
        raise OfficeError("failed")
    return [p for p in written if p.is_file()]
