"""A response body decompressed here, never more than a chunk at a time, so a bomb is refused at the cap.

httpx's own decoders hand each received chunk to the decompressor whole: 3 KB of brotli can come back as 2 GB in one
call, before any size check sees it. Here every decoder is asked for at most CHUNK bytes of output per step
(zlib's max_length, brotli's output_buffer_limit, zstandard's pull reader), and the caller counts them as they come.
"""

from __future__ import annotations

import io
import time
import zlib
from collections.abc import Callable, Iterable, Iterator

import brotli
import zstandard

CHUNK = 64 * 1024


def _zlib(raw: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    d = zlib.decompressobj(wbits)
    for data in raw:
        while data:
            out = d.decompress(data, CHUNK)
            data = d.unconsumed_tail
            if out:
                yield out
            if d.eof:
                return
    tail = d.flush(CHUNK)
    if tail:
        yield tail


def _deflate(raw: Iterable[bytes]) -> Iterator[bytes]:
    """'deflate' is zlib-wrapped by the standard and raw in some servers: look at the first bytes to tell."""
    it = iter(raw)
    first = next(it, b"")
    wrapped = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0

    def again() -> Iterator[bytes]:
        yield first
        yield from it

    yield from _zlib(again(), zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)


def _brotli(raw: Iterable[bytes]) -> Iterator[bytes]:
    d = brotli.Decompressor()
    for data in raw:
        out = d.process(data, output_buffer_limit=CHUNK)
        # brotli keeps the rest of a chunk's output inside: drain it a bounded buffer at a time before more input
        while out:
            yield out
            if d.is_finished():
                return
            out = d.process(b"", output_buffer_limit=CHUNK)


class _Pull(io.RawIOBase):
    """The raw chunks as a file, for zstandard's reader (it asks for input only as it needs it)."""

    def __init__(self, raw: Iterable[bytes]) -> None:
        self._it = iter(raw)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            nxt = next(self._it, None)
            if nxt is None:
                return 0
            self._buf = nxt
        n = min(len(buffer), len(self._buf))
        buffer[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n



def _zstd(raw: Iterable[bytes]) -> Iterator[bytes]:
    reader = zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(_Pull(raw)), read_size=16 * 1024, read_across_frames=True)
    while out := reader.read(CHUNK):
        yield out


def decoded(raw: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body with every listed encoding undone (last applied first), in chunks of at most CHUNK bytes."""
    stream: Iterable[bytes] = raw
    for name in reversed([e.strip().lower() for e in content_encoding.split(",") if e.strip()]):
        if name in ("gzip", "x-gzip"):
            stream = _zlib(stream, zlib.MAX_WBITS | 16)
        elif name == "deflate":
            stream = _deflate(stream)
        elif name == "br":
            stream = _brotli(stream)
        elif name == "zstd":
            stream = _zstd(stream)
        # anything else (identity, or a label no browser decodes either) is passed through as httpx does
    return iter(stream)


DecodeErrors = (zlib.error, brotli.error, zstandard.ZstdError, EOFError)


def read_capped(raw: Iterable[bytes], content_encoding: str, cap: int, deadline: float, *,
                too_big: Callable[[int], Exception], too_slow: Callable[[], Exception],
                undecodable: Callable[[], Exception]) -> bytes:
    """The decoded body, refused as soon as it passes `cap` bytes or the monotonic `deadline`: at most one decoded chunk
    beyond the cap is ever held. The callers word the errors (a link read for the page, a source polled by the watch)."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in decoded(raw, content_encoding):
            size += len(chunk)
            if size > cap:
                raise too_big(size)
            if time.monotonic() > deadline:
                raise too_slow()
            chunks.append(chunk)
    except DecodeErrors as exc:
        raise undecodable() from exc
    return b"".join(chunks)
