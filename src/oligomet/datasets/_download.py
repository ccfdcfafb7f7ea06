"""Download published cohorts into a local cache: resumed, retried, verified, moved in atomically.

:func:`download` fetches one file over HTTP(S), or from a ``file://`` URL, into a cache folder
(:func:`default_cache_dir`), with the standard library only:

* a file already in the cache whose sha256 matches is used without touching the network, and a
  cached file that no longer matches is detected (and fetched again when online);
* bytes arrive in ``NAME.part`` beside the final name and are moved there with :func:`os.replace`
  only once complete and verified: nothing half-written is ever visible under the final name,
  and an interrupted download is resumed with a ``Range`` request;
* connection errors, timeouts and HTTP 5xx/429/408 are retried with exponential back-off
  (``Retry-After`` honoured, capped); a refusal (404, 403, ...) is reported at once;
* a lock file keeps two processes that fetch the same file from interleaving;
* ``offline=True`` uses the cache only;
* a mirror (argument, or ``$OLIGOMET_DATASETS_MIRROR``) serves the same paths from another host.

Beside each downloaded file, ``NAME.sha256`` records its digest (``sha256sum`` format), so a
file fetched without a pinned digest (trust on first use) is still checked on later cache hits.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._errors import InputError
from ._transfer import Refused, Restart, Source, Transient, transfer

try:
    import fcntl
except ImportError:  # Windows has no flock; there two processes may fetch the same file twice.
    fcntl = None  # type: ignore[assignment]

__all__ = ["DownloadRecord", "default_cache_dir", "download", "mirror_base"]

logger = logging.getLogger(__name__)

#: Environment variable naming the cache folder.
DATA_DIR_VARIABLE = "OLIGOMET_DATA_DIR"
#: Environment variable naming a mirror: a base URL that serves the original hosts' paths.
MIRROR_VARIABLE = "OLIGOMET_DATASETS_MIRROR"

_SCHEMES = ("http", "https", "file")
#: Seconds: the longest wait between two attempts, whatever the back-off or Retry-After says.
_MAX_DELAY = 60.0
_ACCESSION = re.compile(r"(GSE\d+)(?![0-9A-Za-z])")

# Module-level so that the tests can replace it and not wait.
_sleep = time.sleep


@dataclass(frozen=True)
class DownloadRecord:
    """What :func:`download` did: where the file is, where it came from, how it was checked.

    Attributes
    ----------
    path : pathlib.Path
        The file in the cache.
    url : str
        The URL the bytes came from (the mirror's, when a mirror replaced the host); for a cache
        hit, the URL they would have come from.
    sha256 : str
        Hex digest of the file.
    size : int
        Size of the file in bytes.
    cached : bool
        True when the file was already in the cache and no request was made.
    resumed_from : int
        Bytes already in the partial file when the completing request resumed it; 0 when that
        request fetched the whole file.
    verified : bool
        True when the digest matched an expected one (the ``sha256`` argument, or the digest
        recorded when the file was first fetched); False when there was nothing to check it
        against and it was only recorded (trust on first use).
    attempts : int
        Requests made (0 for a cache hit).
    """

    path: Path
    url: str
    sha256: str
    size: int
    cached: bool
    resumed_from: int = 0
    verified: bool = True
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready values (the path as a string)."""
        return {**asdict(self), "path": str(self.path)}


def default_cache_dir() -> Path:
    """The folder datasets are cached in.

    ``$OLIGOMET_DATA_DIR`` when set; otherwise the platform's cache folder:
    ``$XDG_CACHE_HOME/oligomet/datasets`` (``~/.cache/oligomet/datasets`` when the variable is
    unset or not an absolute path) on Linux, ``~/Library/Caches/oligomet/datasets`` on macOS,
    ``%LOCALAPPDATA%\\oligomet\\Cache\\datasets`` on Windows. The folder is not created.

    Returns
    -------
    pathlib.Path
    """
    configured = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
        return base / "oligomet" / "Cache" / "datasets"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "oligomet" / "datasets"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG base-directory spec: a relative path is invalid and is to be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "oligomet" / "datasets"


def mirror_base(mirror: str | None = None) -> str | None:
    """The mirror to download from: ``mirror``, else ``$OLIGOMET_DATASETS_MIRROR``, else None.

    Parameters
    ----------
    mirror : str or None, default=None
        A base URL (``http://``, ``https://`` or ``file://``, a path prefix allowed) that serves
        the original hosts' paths, e.g. ``https://mirror.lab.org/geo-root``. None reads the
        environment variable; an empty string means no mirror, whatever the variable says.

    Returns
    -------
    str or None
        The base URL without a trailing slash, or None for the original hosts.

    Raises
    ------
    InputError
        If the mirror is not an http, https or file URL.

    Examples
    --------
    >>> mirror_base("http://127.0.0.1:8000/geo-root/")
    'http://127.0.0.1:8000/geo-root'
    """
    origin = "the mirror given"
    if mirror is None:
        mirror, origin = os.environ.get(MIRROR_VARIABLE, ""), f"${MIRROR_VARIABLE}"
    mirror = mirror.strip()
    if not mirror:
        return None
    parts = urllib.parse.urlsplit(mirror)
    if (
        parts.scheme not in _SCHEMES
        or (parts.scheme != "file" and not parts.netloc)
        or parts.query
        or parts.fragment
    ):
        raise InputError(
            f"mirror {mirror!r} ({origin}) is not a base URL; give http://, https:// or file:// "
            "with a host and an optional path prefix, e.g. https://mirror.lab.org/geo-root"
        )
    return mirror.rstrip("/")


def download(
    url: str,
    destination: str | os.PathLike[str],
    *,
    sha256: str | None,
    mirror: str | None = None,
    offline: bool = False,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60.0,
    progress: Callable[[int, int | None], None] | None = None,
    fetch_command: str | None = None,
) -> DownloadRecord:
    """Download ``url`` to ``destination`` unless the cache already holds it.

    Parameters
    ----------
    url : str
        The file's URL at its original host (``http``, ``https`` or ``file``), e.g.
        ``https://ftp.ncbi.nlm.nih.gov/geo/series/GSE38nnn/GSE38698/matrix/GSE38698_series_matrix.txt.gz``.
    destination : path-like
        Where the file goes in the cache. Its folder is created; ``NAME.part`` (bytes on their
        way), ``NAME.lock`` (while a download runs) and ``NAME.sha256`` sit beside it.
    sha256 : str or None
        Expected hex digest. None records the digest of what arrives (trust on first use; logged
        as a warning, and the record says ``verified=False``) and checks later cache hits
        against it.
    mirror : str or None, default=None
        Base URL replacing the scheme and host of ``url`` (same paths, a path prefix allowed);
        None reads ``$OLIGOMET_DATASETS_MIRROR``, ``""`` forces the original host. See
        :func:`mirror_base`.
    offline : bool, default=False
        Never touch the network: return a cache hit or raise.
    retries : int, default=4
        Further attempts after a transient failure (connection error, timeout, HTTP 5xx, 429,
        408); an interrupted transfer resumes where it stopped.
    backoff : float, default=1.0
        Seconds before the first retry, doubled for each further one (at most 60 s); a
        ``Retry-After`` header replaces it (also at most 60 s).
    timeout : float, default=60.0
        Seconds to wait for a connection or for the next bytes.
    progress : callable or None, default=None
        Called as ``progress(bytes_done, total_or_None)`` as bytes arrive (bytes resumed from
        a partial file included).
    fetch_command : str or None, default=None
        The command that fetches this file, quoted in offline errors; by default
        ``oligomet datasets fetch GSE…`` with the accession found in ``url``.

    Returns
    -------
    DownloadRecord

    Raises
    ------
    InputError
        One line naming the URL or file and what to do, when: the URL's scheme is not http,
        https or file; the file is not in the cache (or is corrupt) in offline mode; the server
        refuses (404, 403, ...); the last retry failed; the digest differs from ``sha256`` (then
        nothing is left in the cache); the cache folder cannot be written.
    """
    _check_scheme(url)
    expected = _check_digest(sha256)
    base = mirror_base(mirror)
    source = Source(_mirrored(url, base), mirrored=base is not None)
    destination = Path(destination)
    command = fetch_command or _fetch_command(url)
    found = _inspect_cache(destination, expected)
    if found is not None and found.ok:
        return found.hit(source.url)
    if offline:
        raise _offline_error(destination, source.url, found, command)
    if found is not None:
        logger.warning("%s; deleting it and downloading it again", found.problem)
    _make_folder(destination.parent)
    with _locked(destination):
        found = _inspect_cache(destination, expected)  # another process may have fetched it
        if found is not None and found.ok:
            return found.hit(source.url)
        if found is not None:
            destination.unlink()
        options = {"retries": retries, "backoff": backoff, "timeout": timeout}
        return _fetch(source, destination, expected, progress=progress, **options)


# ---- checks -------------------------------------------------------------------------------------


def _check_scheme(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES or (parts.scheme != "file" and not parts.netloc):
        raise InputError(
            f"{url}: cannot download this URL; oligomet downloads http://, https:// and file:// "
            "URLs (GEO: https://ftp.ncbi.nlm.nih.gov/geo/...)"
        )


def _check_digest(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    digest = sha256.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise InputError(
            f"sha256 {sha256!r} is not a 64-character hex digest; correct the catalogue entry "
            "(or leave it out to record the digest of the first download)"
        )
    return digest


def _mirrored(url: str, base: str | None) -> str:
    """``url`` with its scheme and host replaced by the mirror ``base`` (same path and query)."""
    if base is None:
        return url
    parts = urllib.parse.urlsplit(url)
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


def _fetch_command(url: str) -> str:
    match = _ACCESSION.search(urllib.parse.urlsplit(url).path)
    return f"oligomet datasets fetch {match.group(1) if match else 'ACCESSION'}"


# ---- the cache ----------------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _digest_path(destination: Path) -> Path:
    return destination.with_name(destination.name + ".sha256")


def _part_path(destination: Path) -> Path:
    return destination.with_name(destination.name + ".part")


def _recorded_digest(destination: Path) -> str | None:
    """The digest recorded beside ``destination`` by an earlier download, if readable."""
    try:
        text = _digest_path(destination).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return first if re.fullmatch(r"[0-9a-f]{64}", first) else None


def _record_digest(destination: Path, digest: str) -> None:
    """Write ``NAME.sha256`` beside ``destination`` (``sha256sum -c`` reads it), atomically."""
    target = _digest_path(destination)
    scratch = target.with_name(target.name + ".part")
    scratch.write_text(f"{digest}  {destination.name}\n", encoding="utf-8")
    os.replace(scratch, target)


@dataclass(frozen=True)
class _Cached:
    """A file found at the destination: its digest and the one it should have (None: unknown)."""

    path: Path
    digest: str
    expected: str | None

    @property
    def ok(self) -> bool:
        return self.expected is None or self.digest == self.expected

    @property
    def problem(self) -> str:
        return (
            f"the cached {self.path} has sha256 {self.digest}, not the expected {self.expected} "
            "(damaged, or an older version of the file)"
        )

    def hit(self, url: str) -> DownloadRecord:
        logger.info("%s: in the cache (sha256 %s)", self.path, self.digest)
        return DownloadRecord(
            path=self.path,
            url=url,
            sha256=self.digest,
            size=self.path.stat().st_size,
            cached=True,
            verified=self.expected is not None,
        )


def _inspect_cache(destination: Path, expected: str | None) -> _Cached | None:
    """The file at ``destination`` with its digest, or None when there is none."""
    if not destination.is_file():
        if destination.exists():
            raise InputError(
                f"{destination} is a folder, not a file; remove it or choose another cache folder"
            )
        return None
    return _Cached(
        destination, _file_sha256(destination), expected or _recorded_digest(destination)
    )


def _offline_error(destination: Path, url: str, found: _Cached | None, command: str) -> InputError:
    if found is not None:
        return InputError(f"offline: {found.problem}; run `{command}` while online to replace it")
    part = _part_path(destination)
    waiting = (
        f" ({part.stat().st_size} bytes of it are in {part.name}, to be resumed)"
        if part.is_file()
        else ""
    )
    return InputError(
        f"offline: {destination.name} is not in the cache {destination.parent}{waiting}; run "
        f"`{command}` while online to download it from {url}"
    )


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cache_error(folder, error) from None


def _cache_error(path: Path, error: OSError) -> InputError:
    return InputError(
        f"cannot write to the cache at {path}: {error.strerror or error}; choose a writable "
        f"folder with --cache or ${DATA_DIR_VARIABLE}"
    )


@contextlib.contextmanager
def _locked(destination: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``NAME.lock`` beside ``destination``; remove it when done.

    The lock file is deleted while still held. A process that opened it before the deletion
    finds, once it holds the lock, that the path now names another file (or none) and starts
    again with a new one, so two processes never both hold the lock.
    """
    if fcntl is None:
        yield
        return
    lock = destination.with_name(destination.name + ".lock")
    while True:
        try:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise _cache_error(lock, error) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("%s: another process is fetching it; waiting", destination)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            now = os.stat(lock)
            held = os.fstat(descriptor)
            if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                break
        except FileNotFoundError:
            pass
        os.close(descriptor)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(descriptor)  # releases the lock


# ---- the download loop --------------------------------------------------------------------------


def _fetch(
    source: Source,
    destination: Path,
    expected: str | None,
    *,
    retries: int,
    backoff: float,
    timeout: float,
    progress: Callable[[int, int | None], None] | None,
) -> DownloadRecord:
    """Download ``source`` into ``NAME.part``, retrying and resuming; verify; move it in place."""
    part = _part_path(destination)
    opener = urllib.request.build_opener()
    attempts = failures = 0
    restarted = False  # a resumed file failed its checksum and was fetched again from zero
    while True:
        attempts += 1
        try:
            resumed_from = transfer(opener, source.url, part, timeout, progress)
        except Transient as problem:
            failures += 1
            if failures > retries:
                raise _gave_up(source, part, attempts, problem) from None
            wanted = problem.retry_after
            delay = min(backoff * 2 ** (failures - 1) if wanted is None else wanted, _MAX_DELAY)
            logger.info("%s: %s; retrying in %.1f s", source.url, problem.reason, delay)
            _sleep(delay)
            continue
        except Restart as problem:
            logger.info("%s: %s; downloading from the start", source.url, problem)
            part.unlink(missing_ok=True)
            continue
        except Refused as refusal:
            raise _refusal_error(source, refusal) from None
        digest = _file_sha256(part)
        if expected is not None and digest != expected:
            part.unlink()
            if resumed_from and not restarted:
                logger.info("%s: the resumed file fails its checksum; fetching it anew", source.url)
                restarted = True
                continue
            raise _mismatch_error(source, destination, expected, digest)
        return _finish(source, part, destination, digest, expected, resumed_from, attempts)


def _finish(
    source: Source,
    part: Path,
    destination: Path,
    digest: str,
    expected: str | None,
    resumed_from: int,
    attempts: int,
) -> DownloadRecord:
    """Move the verified ``part`` to ``destination`` and record its digest beside it."""
    os.replace(part, destination)
    _record_digest(destination, digest)
    with contextlib.suppress(OSError):  # make the rename durable where folders can be opened
        folder = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    if expected is None:
        logger.warning(
            "%s: no sha256 to check it against; recorded %s (trust on first use): pin it in the "
            "catalogue to have it checked",
            destination,
            digest,
        )
    size = destination.stat().st_size
    logger.info("%s: %d bytes from %s (sha256 %s)", destination, size, source.url, digest)
    return DownloadRecord(
        path=destination,
        url=source.url,
        sha256=digest,
        size=size,
        cached=False,
        resumed_from=resumed_from,
        verified=expected is not None,
        attempts=attempts,
    )


def _mirror_hint(source: Source) -> str:
    if source.mirrored:
        return f" (a mirror: unset --mirror / ${MIRROR_VARIABLE} to try the original host)"
    return ""


def _gave_up(source: Source, part: Path, attempts: int, problem: Transient) -> InputError:
    size = part.stat().st_size if part.exists() else 0
    kept = f"; the {size} bytes received are kept in {part} and resumed next time" if size else ""
    return InputError(
        f"{source.url}: download failed after {attempts} attempts (last: {problem.reason}); "
        f"check the network or the server{_mirror_hint(source)}, or use the cache only with "
        f"--offline{kept}"
    )


def _refusal_error(source: Source, refusal: Refused) -> InputError:
    if refusal.status in (404, 410):
        hint = "no such file: check the accession"
        if source.mirrored:
            hint += ", or the mirror lacks this file (it must serve the original host's paths)"
    elif refusal.status in (401, 403):
        hint = "access refused: check the URL" + (
            ", or the mirror's permissions" if source.mirrored else ""
        )
    else:
        hint = "the server refused the request" + _mirror_hint(source)
    return InputError(f"{source.url}: {refusal.description}; {hint}")


def _mismatch_error(source: Source, destination: Path, expected: str, digest: str) -> InputError:
    where = "the mirror" if source.mirrored else "the server"
    return InputError(
        f"{source.url}: the downloaded {destination.name} has sha256 {digest}, not the expected "
        f"{expected}; nothing was kept in the cache: {where} serves a different "
        "file from the one the catalogue pins: check the mirror, or whether GEO replaced the "
        "file (then update the catalogue entry's sha256)"
    )
