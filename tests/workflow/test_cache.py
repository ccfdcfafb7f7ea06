"""The stage cache: content-keyed, atomic, verified; stages reused only when nothing changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from oligomet.workflow._cache import StageCache, Stages, stage_key


def test_put_then_get_returns_the_value(tmp_path):
    cache = StageCache(tmp_path / "cache")
    assert cache.get("k" * 64) == (False, None)
    value = {"a": np.arange(5.0), "b": "text"}
    cache.put("k" * 64, value)
    found, again = cache.get("k" * 64)
    assert found and again["b"] == "text"
    np.testing.assert_array_equal(again["a"], value["a"])
    assert oct((tmp_path / "cache").stat().st_mode)[-3:] == "700"  # patient data: owner only


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_damaged_entry_is_never_trusted(tmp_path, damage, caplog):
    cache = StageCache(tmp_path)
    path = cache.put("d" * 64, list(range(1000)))
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-10] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"not a stage entry at all")
    path.write_bytes(bytes(data))
    assert cache.get("d" * 64) == (False, None)
    assert not path.exists()  # removed, so the next run recomputes and rewrites it
    assert "recomputing" in caplog.text


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from oligomet.workflow._cache import StageCache

    cache = StageCache(sys.argv[1])
    value = np.full(int(sys.argv[2]), 7.0)
    print("writing", flush=True)
    cache.put("w" * 64, value)
    print("written", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.4, 1.5])
def test_a_writer_killed_at_any_moment_leaves_a_whole_entry_or_none(tmp_path, delay):
    size = 30_000_000  # 240 MB: writing it takes a while, so the kill lands mid-write
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), str(size)],
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        assert writer.stdout.readline().strip() == "writing"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    found, value = StageCache(tmp_path).get("w" * 64)
    if found:  # the rename happened before the kill: the whole entry is there
        assert value.shape == (size,) and float(value[0]) == float(value[-1]) == 7.0
    else:
        assert not (tmp_path / f"{'w' * 64}.stage").exists()
    # A rerun completes and is trusted.
    StageCache(tmp_path).put("w" * 64, np.full(3, 1.0))
    found, value = StageCache(tmp_path).get("w" * 64)
    assert found and value.tolist() == [1.0, 1.0, 1.0]


def test_stale_temporary_files_are_cleared(tmp_path):
    cache = StageCache(tmp_path)
    cache.put("a" * 64, 1)
    leftover = tmp_path / ".partial-123-456-aaaa"
    leftover.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(leftover, (old, old))
    fresh = tmp_path / ".partial-124-457-bbbb"  # another run may be writing this one now
    fresh.write_bytes(b"half")
    cache.put("b" * 64, 2)
    assert not leftover.exists() and fresh.exists()


def test_stages_reuse_only_what_did_not_change(tmp_path):
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value * 2

        return run

    first = Stages(cache=StageCache(tmp_path))
    assert first("double", {"x": 1}, compute(1)) == (2, stage_key("double", {"x": 1}))
    second = Stages(cache=StageCache(tmp_path))
    assert second("double", {"x": 1}, compute(1))[0] == 2
    assert second("double", {"x": 2}, compute(2))[0] == 4
    assert calls == [1, 2]
    assert [r.status for r in second.records] == ["reused", "computed"]
    refreshed = Stages(cache=StageCache(tmp_path), refresh=True)
    refreshed("double", {"x": 1}, compute(1))
    assert calls == [1, 2, 1] and refreshed.records[0].status == "computed"


def test_without_a_cache_every_stage_is_computed_and_inputs_are_not_digested():
    def inputs():
        raise AssertionError("inputs are digested only for a cache")

    stages = Stages()
    assert stages("s", inputs, lambda: 3) == (3, "")
    assert stages.records[0].status == "computed"


def test_the_key_follows_the_code_and_the_version(monkeypatch):
    import oligomet
    from oligomet.workflow import _cache

    key = stage_key("s", {"x": 1})
    assert stage_key("s", {"x": 1}) == key and stage_key("t", {"x": 1}) != key
    monkeypatch.setattr(oligomet, "__version__", "99.0")
    assert stage_key("s", {"x": 1}) != key
    monkeypatch.undo()
    monkeypatch.setattr(_cache, "source_digest", lambda: "edited")
    assert stage_key("s", {"x": 1}) != key
