"""One request of a download: send it (resuming from the bytes already received), write the
answer into the partial file, and classify what went wrong (worth a retry, a restart from zero,
or a refusal). The loop around it, the cache and the checks are in :mod:`._download`.
"""

from __future__ import annotations

import email.utils
import http.client
import io
import logging
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import __version__
from .._errors import InputError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
USER_AGENT = f"oligomet/{__version__} (dataset download; Python-urllib/{_PYTHON})"
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """The URL to request, and whether a mirror replaced the original host (for the hints)."""

    url: str
    mirrored: bool


class Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())  # one line, whatever the server or OS said
        self.retry_after = retry_after


class Restart(Exception):
    """The partial file cannot be resumed: delete it and start from zero."""


class Refused(Exception):
    """The server (or file system) refused the request; another attempt would not help."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = " ".join(description.split())


@dataclass
class _Answer:
    body: BinaryIO
    start: int  # offset in the file of the body's first byte
    length: int | None  # bytes the body should hold, when announced
    total: int | None  # size of the whole file, when known


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _open(opener: urllib.request.OpenerDirector, url: str, offset: int, timeout: float) -> _Answer:
    """Send one request for ``url`` from byte ``offset``.

    Raises Transient, Restart (the server cannot resume from ``offset``) or Refused.
    """
    if urllib.parse.urlsplit(url).scheme.lower() == "file":
        return _open_file(url, offset)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = opener.open(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        status, reason, found = error.code, error.reason, error.headers
        error.close()
        if status == 416 and offset:
            size = found.get("Content-Range", "").rpartition("/")[2].strip()
            if size == str(offset):  # the partial file already holds the whole file
                return _Answer(body=io.BytesIO(), start=offset, length=0, total=offset)
            raise Restart(f"the server cannot resume from byte {offset}") from None
        if status >= 500 or status in (408, 429):
            retry = _retry_after(found.get("Retry-After"))
            raise Transient(f"HTTP {status} {reason}", retry) from None
        raise Refused(status, f"HTTP {status} {reason}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            message = f"TLS certificate not trusted ({error.reason.verify_message})"
            raise Refused(0, message) from None
        raise Transient(str(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, bad status lines
        raise Transient(f"{type(error).__name__}: {error}") from None
    return _answer(response, offset)


def _answer(response: http.client.HTTPResponse, offset: int) -> _Answer:
    """The body of a successful response, placed in the file (200 restarts, 206 resumes)."""
    length = response.headers.get("Content-Length", "")
    length = int(length) if length.strip().isdigit() else None
    if response.status != 206:
        if offset:
            logger.info(
                "%s: the server ignored the range; downloading from the start", response.url
            )
        return _Answer(body=response, start=0, length=length, total=length)
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if match is None or int(match.group(1)) != offset:
        response.close()
        if not offset:  # nothing to restart: a broken answer, worth another attempt
            raise Transient("the server answered part of the file to a request for all of it")
        raise Restart(f"the server answered another range than bytes {offset}-")
    total = int(match.group(3)) if match.group(3).isdigit() else None
    return _Answer(body=response, start=offset, length=length, total=total)


def _open_file(url: str, offset: int) -> _Answer:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise Refused(0, "a file:// URL names a local path (file:///path/to/file), not a host")
    path = Path(urllib.request.url2pathname(parts.path))
    try:
        body = open(path, "rb")  # closed by transfer
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Refused(404, "file not found") from None
    except OSError as error:
        raise Refused(403, f"cannot read the file ({error.strerror or error})") from None
    size = os.fstat(body.fileno()).st_size
    if offset > size:
        body.close()
        raise Restart(f"the file has {size} bytes, fewer than the {offset} already received")
    body.seek(offset)
    return _Answer(body=body, start=offset, length=size - offset, total=size)


def transfer(
    opener: urllib.request.OpenerDirector,
    url: str,
    part: Path,
    timeout: float,
    progress: Callable[[int, int | None], None] | None,
) -> int:
    """One request: write its answer into ``part`` (after the bytes already there, when the
    server resumes); return the offset it resumed from (0: the whole file).

    Raises Transient, Restart or Refused (see :func:`_open`), or InputError when ``part``
    cannot be written.
    """
    offset = part.stat().st_size if part.exists() else 0
    answer = _open(opener, url, offset, timeout)
    try:
        with open(part, "r+b" if answer.start else "wb") as out:
            out.seek(answer.start)
            out.truncate()
            done = answer.start
            if progress is not None:
                progress(done, answer.total)
            while chunk := _read(answer.body):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, answer.total)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        raise InputError(
            f"cannot write {part}: {error.strerror or error}; free some space or choose another "
            "cache folder with --cache or $OLIGOMET_DATA_DIR (the bytes so far are kept)"
        ) from None
    finally:
        answer.body.close()
    received = done - answer.start
    if answer.length is not None and received < answer.length:
        raise Transient(f"the connection closed after {received} of {answer.length} bytes")
    return answer.start


def _read(body: BinaryIO) -> bytes:
    try:
        return body.read(_CHUNK)
    except (OSError, http.client.HTTPException) as error:
        raise Transient(f"{type(error).__name__} while receiving: {error}") from None
