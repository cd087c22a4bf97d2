"""Atomic file writes: a crash never leaves a half-written file under its final name."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from drafting.errors import StorageError


def _umask() -> int:
    # Linux reports the umask without changing it; os.umask can only read it by setting it (racy in threads)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def storage_error(exc: OSError, path: Path) -> StorageError:
    """A Chinese message naming the file and the fix for a failed write (disk full, read-only, permissions)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        why = "磁盘空间不足（或超出配额）：请清理磁盘后重试"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "目录只读或没有写权限：请检查该目录的权限"
    elif exc.errno == errno.ENAMETOOLONG:
        why = "文件名过长：请缩短文件名后重试"
    else:
        why = f"系统错误（{exc.strerror or type(exc).__name__}）"
    return StorageError(f"无法写入 {path.name}：{why}；原有文件未改动")


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then os.replace; the file's mode follows the umask."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a short temp name: the final name may already be near the 255-byte limit
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:32]}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes 0600; corpus files are shared with the firm's other tools, so follow the umask
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise storage_error(exc, path) from exc
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise
