"""``oligomet datasets fetch`` against a loopback server standing in for GEO (``--mirror``): an
interrupted download resumes; a corrupt file is rejected and nothing is left in the cache; a
server error is retried, then reported in one line; a second fetch is a cache hit; offline mode
uses the cache only and says so. (The download layer's own tests: ``test_download.py``.)"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from oligomet.datasets import _catalogue, _download

from .test_catalogue import GEO_PATH, transbig_like

DATA = transbig_like()


@pytest.fixture
def geo(server):
    server.publish(DATA, "/" + GEO_PATH)
    return server


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    monkeypatch.setattr(_download, "_sleep", lambda seconds: None)


def _pin_digest(monkeypatch, digest: str) -> None:
    """The catalogue's GSE7390 entry with its file's sha256 recorded."""
    catalogue = dict(_catalogue._catalogue())  # a copy: the catalogue is read once, shared
    entry = catalogue["GSE7390"]
    files = tuple(dataclasses.replace(f, sha256=digest) for f in entry.files)
    catalogue["GSE7390"] = dataclasses.replace(entry, files=files)
    monkeypatch.setattr(_catalogue, "_catalogue", lambda: catalogue)


def _fetch(oligomet, cache, *extra):
    return oligomet("datasets", "fetch", "GSE7390", "--cache", cache, *extra)


def _cached(cache) -> list[str]:
    folder = cache / "GSE7390"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_an_interrupted_download_resumes(oligomet, geo, tmp_path):
    geo.cut_after = len(DATA) // 3
    result = _fetch(oligomet, tmp_path / "cache", "--mirror", geo.url)
    assert result.exit_code == 0, result.output
    ranges = [r["range"] for r in geo.requests]
    assert ranges[0] is None and ranges[1] == f"bytes={len(DATA) // 3}-", ranges
    assert "40 samples" in result.stdout
    cached = (tmp_path / "cache" / "GSE7390" / "GSE7390_series_matrix.txt.gz").read_bytes()
    assert hashlib.sha256(cached).hexdigest() == hashlib.sha256(DATA).hexdigest()


def test_a_corrupt_file_is_rejected_and_nothing_is_cached(
    oligomet, geo, tmp_path, monkeypatch, user_error
):
    _pin_digest(monkeypatch, hashlib.sha256(DATA).hexdigest())
    geo.corrupt = True
    result = _fetch(oligomet, tmp_path / "cache", "--mirror", geo.url)
    user_error(result, "GSE7390_series_matrix.txt.gz", "sha256")
    assert [n for n in _cached(tmp_path / "cache") if not n.endswith(".lock")] == []


def test_a_server_error_is_retried_then_reported_in_one_line(oligomet, geo, tmp_path, user_error):
    geo.failures = 2
    assert _fetch(oligomet, tmp_path / "ok", "--mirror", geo.url).exit_code == 0
    assert len(geo.requests) == 3  # two 503s, then the file
    geo.failures = -1
    failed = _fetch(oligomet, tmp_path / "failed", "--mirror", geo.url)
    user_error(failed, "503", "attempts")
    assert "GSE7390.h5mu" not in _cached(tmp_path / "failed")


def test_a_second_fetch_is_a_cache_hit(oligomet, geo, tmp_path):
    assert _fetch(oligomet, tmp_path / "cache", "--mirror", geo.url).exit_code == 0
    seen = len(geo.requests)
    again = _fetch(oligomet, tmp_path / "cache", "--mirror", geo.url)
    assert again.exit_code == 0, again.output
    assert len(geo.requests) == seen  # nothing asked of the server


def test_offline_uses_the_cache_only_and_says_so(oligomet, geo, tmp_path, user_error):
    cache = tmp_path / "cache"
    missing = _fetch(oligomet, cache, "--offline", "--mirror", geo.url)
    user_error(missing, "offline", "GSE7390_series_matrix.txt.gz")
    assert geo.requests == []
    assert _fetch(oligomet, cache, "--mirror", geo.url).exit_code == 0
    seen = len(geo.requests)
    offline = _fetch(oligomet, cache, "--offline")
    assert offline.exit_code == 0, offline.output
    assert "offline" in offline.stderr and len(geo.requests) == seen
