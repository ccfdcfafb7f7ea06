"""oligomet.datasets.download against a real HTTP server on 127.0.0.1 (see conftest.py).

The five behaviours the issue asks for: an interrupted download resumes; a corrupt file is
rejected and nothing is left in the cache; a server error is retried, then reported in one line;
a second fetch is a cache hit; offline mode. Then the mirror, refusals, locking and the rest.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.parse

import pytest

from oligomet import InputError, __version__
from oligomet.datasets import DownloadRecord, _download, default_cache_dir, download, mirror_base

NAME = "GSE99901_series_matrix.txt.gz"
ORIGIN = "https://ftp.ncbi.nlm.nih.gov"


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """The back-off waits asked for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(_download, "_sleep", asked.append)
    return asked


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def listing(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


# ---- the five behaviours of the issue -----------------------------------------------------------


def test_an_interrupted_download_resumes_with_a_range_request(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    cut = len(data) // 2
    server.cut_after = cut
    destination = cache / "GSE99901" / NAME
    with pytest.raises(InputError, match=r"after 1 attempts .*connection closed") as error:
        download(url, destination, sha256=digest, retries=0)
    assert f"the {cut} bytes received are kept" in str(error.value)
    # Only the partial file: nothing under the final name, no lock left behind.
    assert listing(destination.parent) == [f"{NAME}.part"]
    assert (destination.parent / f"{NAME}.part").stat().st_size == cut

    record = download(url, destination, sha256=digest, retries=0)
    assert server.requests[1]["range"] == f"bytes={cut}-"
    assert record.resumed_from == cut and not record.cached and record.attempts == 1
    assert hashlib.sha256(destination.read_bytes()).hexdigest() == digest == record.sha256
    assert listing(destination.parent) == [NAME, f"{NAME}.sha256"]


def test_a_connection_cut_is_resumed_within_one_call(server, series_matrix, cache, sleeps):
    data = series_matrix()
    url, digest = server.publish(data)
    server.cut_after = 1000
    seen = []
    record = download(url, cache / NAME, sha256=digest, progress=lambda *a: seen.append(a))
    assert [request["range"] for request in server.requests] == [None, "bytes=1000-"]
    assert record.attempts == 2 and record.resumed_from == 1000 and sleeps == [1.0]
    assert (cache / NAME).read_bytes() == data
    # Progress restarts at the resumed offset, with the whole file's size as the total.
    resumed = seen.index((1000, len(data)))
    assert seen[resumed:] == sorted(seen[resumed:]) and seen[-1] == (len(data), len(data))


def test_a_corrupt_file_is_rejected_and_nothing_is_left_in_the_cache(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    server.corrupt = True  # the server flips the last byte of what it sends
    destination = cache / "GSE99901" / NAME
    with pytest.raises(InputError) as error:
        download(url, destination, sha256=digest)
    message = str(error.value)
    assert "\n" not in message
    assert NAME in message and digest in message and "nothing was kept in the cache" in message
    damaged = hashlib.sha256(data[:-1] + bytes([data[-1] ^ 0xFF])).hexdigest()
    assert f"has sha256 {damaged}, not the expected {digest}" in message
    assert listing(destination.parent) == []
    assert len(server.requests) == 1  # a checksum mismatch is not retried


def test_a_server_error_is_retried(server, series_matrix, cache, sleeps):
    url, digest = server.publish(series_matrix())
    server.failures = 2
    record = download(url, cache / NAME, sha256=digest, backoff=0.5)
    assert len(server.requests) == 3 and record.attempts == 3
    assert sleeps == [0.5, 1.0]  # exponential back-off
    assert record.sha256 == digest


def test_a_server_error_that_persists_is_reported_in_one_line(server, series_matrix, cache, sleeps):
    url, digest = server.publish(series_matrix())
    server.failures = -1
    with pytest.raises(InputError) as error:
        download(url, cache / NAME, sha256=digest, retries=3)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{url}: download failed after 4 attempts (last: HTTP 503")
    assert len(server.requests) == 4 and sleeps == [1.0, 2.0, 4.0]
    assert listing(cache) == []


def test_a_second_fetch_is_a_cache_hit(server, series_matrix, cache):
    url, digest = server.publish(series_matrix())
    first = download(url, cache / NAME, sha256=digest)
    assert not first.cached and len(server.requests) == 1
    second = download(url, cache / NAME, sha256=digest)
    assert len(server.requests) == 1  # no request at all
    assert second.cached and second.verified and second.attempts == 0
    assert (second.path, second.sha256, second.size) == (first.path, digest, first.size)


def test_offline_mode_uses_the_cache_only(server, series_matrix, cache):
    url, digest = server.publish(series_matrix())
    with pytest.raises(InputError) as error:
        download(url, cache / "GSE99901" / NAME, sha256=digest, offline=True)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"offline: {NAME} is not in the cache {cache / 'GSE99901'}")
    assert "`oligomet datasets fetch GSE99901`" in message and url in message
    assert server.requests == [] and not cache.exists()

    download(url, cache / "GSE99901" / NAME, sha256=digest)
    record = download(url, cache / "GSE99901" / NAME, sha256=digest, offline=True)
    assert record.cached and record.sha256 == digest
    assert len(server.requests) == 1


# ---- the cache ----------------------------------------------------------------------------------


def test_a_corrupted_cache_file_is_fetched_again_online_and_refused_offline(
    server, series_matrix, cache
):
    data = series_matrix()
    url, digest = server.publish(data)
    download(url, cache / NAME, sha256=digest)
    (cache / NAME).write_bytes(data[:-10])
    with pytest.raises(InputError) as error:
        download(url, cache / NAME, sha256=digest, offline=True, fetch_command="fetch it")
    damaged = hashlib.sha256(data[:-10]).hexdigest()
    assert str(error.value) == (
        f"offline: the cached {cache / NAME} has sha256 {damaged}, not the expected {digest} "
        "(damaged, or an older version of the file); run `fetch it` while online to replace it"
    )
    assert len(server.requests) == 1
    record = download(url, cache / NAME, sha256=digest)
    assert not record.cached and len(server.requests) == 2
    assert (cache / NAME).read_bytes() == data


def test_without_a_digest_the_first_download_is_trusted_and_recorded(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    first = download(url, cache / NAME, sha256=None)
    assert first.sha256 == digest and not first.verified
    assert (cache / f"{NAME}.sha256").read_text() == f"{digest}  {NAME}\n"
    again = download(url, cache / NAME, sha256=None)
    assert again.cached and again.verified  # checked against the recorded digest
    (cache / NAME).write_bytes(b"damaged")
    with pytest.raises(InputError, match=f"not the expected {digest} \\(damaged"):
        download(url, cache / NAME, sha256=None, offline=True)
    assert download(url, cache / NAME, sha256=None).sha256 == digest


def test_a_malformed_digest_is_refused(cache):
    with pytest.raises(InputError, match=r"^sha256 'abc' is not a 64-character hex digest"):
        download("http://127.0.0.1:9/x", cache / NAME, sha256="abc")


def test_two_fetches_of_one_file_do_not_interleave(server, series_matrix, cache):
    url, digest = server.publish(series_matrix())
    server.stall = 0.3  # the first fetch holds the lock while the second waits
    records: list[DownloadRecord] = []

    def fetch():
        records.append(download(url, cache / NAME, sha256=digest))

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.requests) == 1
    assert sorted(record.cached for record in records) == [False, True]
    assert listing(cache) == [NAME, f"{NAME}.sha256"]


# ---- resuming: the server's answers to a Range request ------------------------------------------


def test_a_server_that_ignores_the_range_restarts_from_zero(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    cache.mkdir()
    (cache / f"{NAME}.part").write_bytes(b"stale bytes from another file")
    server.ignore_range = True
    record = download(url, cache / NAME, sha256=digest)
    assert server.requests[0]["range"] == "bytes=29-"
    assert record.resumed_from == 0 and (cache / NAME).read_bytes() == data


def test_a_complete_partial_file_is_verified_after_416(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    cache.mkdir()
    (cache / f"{NAME}.part").write_bytes(data)
    record = download(url, cache / NAME, sha256=digest)
    assert len(server.requests) == 1 and record.resumed_from == len(data)
    assert (cache / NAME).read_bytes() == data


def test_a_resumed_file_that_fails_its_checksum_is_fetched_again_once(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    cache.mkdir()
    (cache / f"{NAME}.part").write_bytes(b"x" * 100)  # the start of another version of the file
    record = download(url, cache / NAME, sha256=digest)
    assert [request["range"] for request in server.requests] == ["bytes=100-", None]
    assert record.resumed_from == 0 and (cache / NAME).read_bytes() == data


def test_a_partial_file_longer_than_the_file_restarts(server, series_matrix, cache):
    data = series_matrix()
    url, digest = server.publish(data)
    cache.mkdir()
    (cache / f"{NAME}.part").write_bytes(data + b"trailing")
    record = download(url, cache / NAME, sha256=digest)
    assert [request["range"] for request in server.requests] == [f"bytes={len(data) + 8}-", None]
    assert record.sha256 == digest


# ---- the network: mirrors, refusals, timeouts ---------------------------------------------------


def test_a_mirror_replaces_the_host(server, series_matrix, cache):
    url, digest = server.publish(series_matrix())
    original = ORIGIN + path_of(url)
    record = download(original, cache / NAME, sha256=digest, mirror=server.url)
    assert server.requests[0]["path"] == path_of(url)
    assert record.url == url


def test_a_mirror_with_a_path_prefix_from_the_environment(
    server, series_matrix, cache, monkeypatch
):
    data = series_matrix()
    url, digest = server.publish(data, path="/geo-root" + path_of(server.publish(data)[0]))
    monkeypatch.setenv("OLIGOMET_DATASETS_MIRROR", server.url + "/geo-root/")
    original = ORIGIN + path_of(url).removeprefix("/geo-root")
    record = download(original, cache / NAME, sha256=digest)
    assert server.requests[0]["path"] == path_of(url) and record.url == url
    # An empty mirror argument means the original host, whatever the variable says.
    assert mirror_base("") is None and mirror_base() == server.url + "/geo-root"


def test_a_missing_file_is_not_retried(server, cache, sleeps):
    url = server.url + "/geo/series/GSE1nnn/GSE1/matrix/GSE1_series_matrix.txt.gz"
    with pytest.raises(InputError) as error:
        download(url, cache / NAME, sha256=None)
    assert str(error.value) == f"{url}: HTTP 404 Not Found; no such file: check the accession"
    assert len(server.requests) == 1 and sleeps == []
    with pytest.raises(InputError, match="or the mirror lacks this file") as error:
        download(ORIGIN + path_of(url), cache / NAME, sha256=None, mirror=server.url)
    assert "\n" not in str(error.value) and len(server.requests) == 2


def test_retry_after_is_honoured_and_capped(server, series_matrix, cache, sleeps):
    url, digest = server.publish(series_matrix())
    server.failures, server.retry_after = 1, "7"
    download(url, cache / NAME, sha256=digest)
    server.failures, server.retry_after = 1, "3600"
    download(url, cache / "again" / NAME, sha256=digest, backoff=0.1)
    assert sleeps == [7.0, 60.0]


def test_a_timeout_is_retried(server, series_matrix, cache, sleeps):
    url, digest = server.publish(series_matrix())
    server.stall = 0.5
    record = download(url, cache / NAME, sha256=digest, timeout=0.1)
    assert record.attempts == 2 and len(sleeps) == 1


def test_a_refused_connection_is_retried_then_reported(cache, sleeps):
    import socket

    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/x.txt.gz"
    with pytest.raises(InputError, match=r"download failed after 3 attempts \(last: .*refused"):
        download(url, cache / NAME, sha256=None, retries=2, timeout=2)
    assert sleeps == [1.0, 2.0]


def test_the_user_agent_names_oligomet_and_its_version(server, series_matrix, cache):
    url, digest = server.publish(series_matrix())
    download(url, cache / NAME, sha256=digest)
    assert server.requests[0]["user_agent"].startswith(f"oligomet/{__version__} ")


# ---- URLs and folders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://ftp.ncbi.nlm.nih.gov/geo/x.txt.gz", "GSE99901", "https:///no-host"]
)
def test_only_http_https_and_file_urls(url, cache):
    with pytest.raises(InputError, match=r"cannot download this URL; oligomet downloads http://"):
        download(url, cache / NAME, sha256=None)


def test_a_file_url(tmp_path, series_matrix, cache):
    data = series_matrix()
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / NAME).write_bytes(data)
    (cache).mkdir()
    (cache / f"{NAME}.part").write_bytes(data[:100])
    record = download((tmp_path / "here" / NAME).as_uri(), cache / NAME, sha256=None)
    assert record.resumed_from == 100 and (cache / NAME).read_bytes() == data
    with pytest.raises(InputError, match="file not found; no such file"):
        download((tmp_path / "absent").as_uri(), cache / "absent", sha256=None)


def test_the_bad_mirror_is_named(monkeypatch):
    with pytest.raises(InputError, match=r"^mirror 'ftp://m.org' \(the mirror given\) is not"):
        mirror_base("ftp://m.org")
    monkeypatch.setenv("OLIGOMET_DATASETS_MIRROR", "mirror.lab.org")
    with pytest.raises(InputError, match=r"\(\$OLIGOMET_DATASETS_MIRROR\)"):
        mirror_base()


def test_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("OLIGOMET_DATA_DIR", str(tmp_path / "data"))
    assert default_cache_dir() == tmp_path / "data"
    monkeypatch.delenv("OLIGOMET_DATA_DIR")
    if _download.sys.platform in ("win32", "darwin"):
        return
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "oligomet" / "datasets"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "oligomet" / "datasets"


def test_a_cache_folder_that_cannot_be_written(server, series_matrix, tmp_path):
    url, digest = server.publish(series_matrix())
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(InputError, match=r"^cannot write to the cache at .*a-file"):
        download(url, blocker / "GSE99901" / NAME, sha256=digest)


def test_the_fetched_fixture_reads_as_a_series_matrix(server, series_matrix, cache):
    from oligomet.io import read_series_matrix

    url, digest = server.publish(series_matrix())
    record = download(url, cache / NAME, sha256=digest)
    adata = read_series_matrix(record.path)
    assert adata.shape == (8, 300) and adata.uns["geo"]["geo_accession"] == "GSE99901"
    assert set(adata.obs["metastatic state"]) == {"oligometastatic", "polymetastatic"}
    assert record.to_dict()["path"] == str(cache / NAME)
