"""A real HTTP server on 127.0.0.1 for the download tests, and the series-matrix files it serves.

``serve()`` starts a :class:`~http.server.ThreadingHTTPServer` on a free loopback port, in a
thread of the test process, serving files from a folder of ``tmp_path``. It answers ``Range``
requests (206, 416), counts every request, and can be told to misbehave: cut the connection
after some bytes of its first answer (the full ``Content-Length`` announced), answer 503 a number
of times (or always), serve corrupted bytes, ignore ranges, or stall before answering. A path
with no file is a 404.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ACCESSION = "GSE99901"
SAMPLES = [f"GSM25000{i:02d}" for i in range(1, 9)]
#: Where GEO keeps a series matrix; the tests serve the same path from the loopback server.
MATRIX_PATH = f"/geo/series/GSE99nnn/{ACCESSION}/matrix/{ACCESSION}_series_matrix.txt.gz"


@dataclass
class Server:
    """What the server serves, how it should misbehave, and the requests it has seen."""

    root: Path
    url: str = ""
    #: One dict per request: path, range, user_agent.
    requests: list[dict[str, str | None]] = field(default_factory=list)
    #: On the first request only: announce the full length, send this many bytes, hang up.
    cut_after: int | None = None
    #: Answer ``failure_status`` to this many requests first (-1: to every request).
    failures: int = 0
    failure_status: int = 503
    retry_after: str | None = None
    #: Flip the last byte of every file served.
    corrupt: bool = False
    #: Answer 200 and the whole file even to a Range request.
    ignore_range: bool = False
    #: Seconds to wait before answering the first request.
    stall: float = 0.0

    def publish(self, data: bytes, path: str = MATRIX_PATH) -> tuple[str, str]:
        """Serve ``data`` at ``path``; return its URL on this server and its sha256."""
        file = self.root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        return self.url + path, hashlib.sha256(data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # keep the test output clean
        pass

    def do_GET(self):
        state = self.server.state
        state.requests.append(
            {
                "path": self.path,
                "range": self.headers.get("Range"),
                "user_agent": self.headers.get("User-Agent"),
            }
        )
        first = len(state.requests) == 1
        if first and state.stall:
            time.sleep(state.stall)
        if state.failures:
            state.failures -= state.failures > 0
            self._send(state.failure_status, b"busy", {"Retry-After": state.retry_after})
            return
        file = state.root / self.path.partition("?")[0].lstrip("/")
        if not file.is_file():
            self._send(404, b"not found")
            return
        data = file.read_bytes()
        if state.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        start = _range_start(self.headers.get("Range"))
        if start is None or state.ignore_range:
            status, headers, body = 200, {}, data
        elif start >= len(data):
            self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            return
        else:
            status, body = 206, data[start:]
            headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        if first and state.cut_after is not None:
            self._send(status, body[: state.cut_after], headers, length=len(body))
            self.close_connection = True
            return
        self._send(status, body, headers)

    def _send(self, status, body, headers=None, length=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            if value is not None:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    return int(header.removeprefix("bytes=").removesuffix("-"))


class _Server(ThreadingHTTPServer):
    state: Server

    def handle_error(self, request, client_address):
        pass  # a client that timed out and left: nothing to report


@pytest.fixture
def serve(tmp_path) -> Iterator[Callable[[str], Server]]:
    """Start loopback HTTP servers (``serve("name")``); all are stopped after the test."""
    running: list[_Server] = []

    def start(name: str = "www") -> Server:
        state = Server(root=tmp_path / name)
        state.root.mkdir()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.state = state
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        running.append(httpd)
        return state

    yield start
    for httpd in running:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(serve) -> Server:
    """One loopback HTTP server serving ``tmp_path / "www"``."""
    return serve("www")


@pytest.fixture(autouse=True)
def _no_proxy_no_mirror(monkeypatch):
    """Requests go straight to the loopback server, whatever the environment says."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("OLIGOMET_DATASETS_MIRROR", raising=False)


@pytest.fixture
def series_matrix() -> Callable[..., bytes]:
    """``series_matrix(accession="GSE99901", n_probes=300)``: the bytes of a small valid GEO
    series matrix, gzip-compressed (reproducibly: no timestamp), served by default at
    ``/geo/series/GSE99nnn/GSE99901/matrix/GSE99901_series_matrix.txt.gz``."""
    return _series_matrix


def _series_matrix(accession: str = ACCESSION, n_probes: int = 300) -> bytes:

    def quoted(cells):
        return "\t".join(f'"{cell}"' for cell in cells)

    states = ["oligometastatic", "polymetastatic"] * (len(SAMPLES) // 2)
    lines = [
        '!Series_title\t"Primary tumours of oligo- and polymetastatic patients (fixture)"',
        f'!Series_geo_accession\t"{accession}"',
        f"!Sample_title\t{quoted(f'patient {i}' for i in range(1, len(SAMPLES) + 1))}",
        f"!Sample_geo_accession\t{quoted(SAMPLES)}",
        f"!Sample_characteristics_ch1\t{quoted(f'metastatic state: {s}' for s in states)}",
        f"!Sample_characteristics_ch1\t{quoted(f'age: {50 + i}' for i in range(len(SAMPLES)))}",
        "!series_matrix_table_begin",
        f'"ID_REF"\t{quoted(SAMPLES)}',
    ]
    for probe in range(n_probes):
        values = [
            f"{5 + ((probe * 37 + column * 11) % 101) / 13:.4f}" for column in range(len(SAMPLES))
        ]
        lines.append(f'"hsa-miR-{probe}"\t' + "\t".join(values))
    lines.append("!series_matrix_table_end")
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
