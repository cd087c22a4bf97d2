"""Child processes on loopback for tests and benchmarks: a free port, and a stop by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Terminate by pid, then kill if it does not exit."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)


def wait_until_answers(url: str, proc: subprocess.Popen[bytes], *, timeout: float, log: Path | None = None,
                       interval: float = 0.2, accept: tuple[int, ...] = ()) -> None:
    """Poll url until it answers 2xx (or a status in accept, e.g. 401 behind a login); RuntimeError (with the log's
    tail) if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if 200 <= resp.status < 300:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in accept:
                return
        except OSError:
            pass
        exited = proc.poll() is not None
        if exited or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log and log.exists() else ""
            why = f"exited with {proc.returncode}" if exited else f"did not answer within {timeout:g}s"
            raise RuntimeError(f"{url}: process {why}\n{tail}")
        time.sleep(interval)
