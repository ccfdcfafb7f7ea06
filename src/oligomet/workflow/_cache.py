"""The stage cache: an unchanged stage is reused, not recomputed, and says so.

A stage's output is stored under a key: the SHA-256 of the stage's name, the digests of its
inputs (files by content; upstream stages by their own keys), its resolved settings, the package
version and a digest of the package's source. Changing one setting changes the key of that stage
and of every stage downstream of it, and of nothing upstream.

Entries are written atomically: the payload goes to a temporary file in the cache folder, is
flushed to disk, and is renamed to its final name (a rename within a folder is atomic), so a run
killed at any point (SIGKILL included) leaves either a complete entry or none. Each entry also
carries the SHA-256 of its payload, checked on every read: an entry that fails the check (a disk
that lost the end of a file) is removed and recomputed. Leftover temporary files of killed runs
are never read and are cleared on the next write.

Only stages that do not learn from the labels (read, assemble, label) and whole results (a
cross-validation, a final fit, an SNF fit) are cached; the steps fitted inside the folds are part
of those results and are never reused across folds.

The cache holds patient data (the labelled matrix) and pickled Python objects: keep it in a
folder only you can write to (it is created readable by its owner only).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "StageCache",
    "StageRecord",
    "Stages",
    "default_cache_dir",
    "file_digest",
    "source_digest",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MAGIC = b"oligomet-stage-1\n"
_SUFFIX = ".stage"
_TEMPORARY = ".partial-"
#: Temporary files older than this are a killed run's leftovers.
_STALE_SECONDS = 3600


def default_cache_dir() -> Path:
    """``OLIGOMET_CACHE`` if set, else ``.oligomet-cache`` in the working directory."""
    return Path(os.environ.get("OLIGOMET_CACHE") or ".oligomet-cache")


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


@cache
def source_digest() -> str:
    """SHA-256 over oligomet's own source files (so an edited checkout never reuses stale
    results even when its version number did not change)."""
    import oligomet

    root = Path(oligomet.__file__).parent
    sha = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".yaml", ".csv"} and "__pycache__" not in path.parts:
            sha.update(str(path.relative_to(root)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def stage_key(stage: str, inputs: Any) -> str:
    """The key of a stage: its name, inputs and settings, oligomet's version and source."""
    from oligomet import __version__

    text = json.dumps(
        {"stage": stage, "inputs": inputs, "version": __version__, "source": source_digest()},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class StageCache:
    """A folder of stage outputs, each stored under its key.

    Parameters
    ----------
    folder : path
        Created (readable by its owner only) when first written.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{_SUFFIX}"

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` for a complete, intact entry; ``(False, None)`` otherwise."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False, None
        header, _, payload = data.partition(b"\n\n")
        if not header.startswith(_MAGIC) or not payload:
            return self._discard(path, "not a stage entry")
        expected = header[len(_MAGIC) :].decode(errors="replace").strip()
        if hashlib.sha256(payload).hexdigest() != expected:
            return self._discard(path, "checksum mismatch")
        try:
            return True, pickle.loads(payload)
        except Exception as error:  # an entry written by incompatible code: recompute
            return self._discard(path, f"cannot be read ({type(error).__name__})")

    def _discard(self, path: Path, why: str) -> tuple[bool, None]:
        logger.warning("cache entry %s %s; recomputing", path.name, why)
        path.unlink(missing_ok=True)
        return False, None

    def put(self, key: str, value: Any) -> Path:
        """Store ``value`` under ``key`` atomically (temporary file, fsync, rename)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._clear_stale()
        buffer = io.BytesIO()
        pickle.dump(value, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        payload = buffer.getvalue()
        header = _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n\n"
        final = self.path(key)
        temporary = self.folder / f"{_TEMPORARY}{os.getpid()}-{time.monotonic_ns()}-{key[:16]}"
        try:
            with open(temporary, "wb") as handle:
                handle.write(header)
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        return final

    def _clear_stale(self) -> None:
        now = time.time()
        for leftover in self.folder.glob(f"{_TEMPORARY}*"):
            try:
                if now - leftover.stat().st_mtime > _STALE_SECONDS:
                    leftover.unlink()
            except FileNotFoundError:
                pass


@dataclass
class StageRecord:
    """What happened to one stage of a run."""

    stage: str
    key: str
    status: str  # "computed", "reused" or "computed (not cached)"
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "key": self.key,
            "status": self.status,
            "seconds": self.seconds,
        }


@dataclass
class Stages:
    """Runs a workflow's stages, through a :class:`StageCache` when one is given.

    ``stages(name, inputs, compute)`` returns ``(value, key)``: the cached value under the key of
    ``(name, inputs)`` if there is one, else ``compute()`` (stored, when ``cached``). ``records``
    lists what each stage did, in order. With ``refresh``, every stage is computed and the cache
    entries are replaced.
    """

    cache: StageCache | None = None
    say: Callable[[str], None] = field(default=lambda message: None)
    refresh: bool = False
    records: list[StageRecord] = field(default_factory=list)

    def __call__(
        self, name: str, inputs: Any, compute: Callable[[], T], *, cached: bool = True
    ) -> tuple[T, str]:
        """Run one stage; ``inputs`` may be a callable (evaluated only when there is a cache, as
        digesting large files costs time)."""
        start = time.perf_counter()
        if self.cache is None:
            value = compute()
            self._record(name, "", "computed", start)
            return value, ""
        key = stage_key(name, inputs() if callable(inputs) else inputs)
        if cached and not self.refresh:
            found, value = self.cache.get(key)
            if found:
                self._record(name, key, "reused", start)
                return value, key
        value = compute()
        status = "computed"
        if cached:
            self.cache.put(key, value)
        else:
            status = "computed (not cached)"
        self._record(name, key, status, start)
        return value, key

    def _record(self, name: str, key: str, status: str, start: float) -> None:
        record = StageRecord(name, key, status, round(time.perf_counter() - start, 3))
        self.records.append(record)
        if self.cache is not None:
            self.say(f"stage {name}: {status} ({key[:12]}, {record.seconds:.1f} s)")
