"""Published cohorts by accession: the catalogue, ``oligomet datasets list | info | fetch`` from a
loopback HTTP server standing in for GEO (``--mirror``), and ``oligomet train --dataset``."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading

import numpy as np
import pytest

from oligomet.datasets import dataset_info, list_datasets

GEO_PATH = "geo/series/GSE7nnn/GSE7390/matrix/GSE7390_series_matrix.txt.gz"
LUSSIER_PATH = "geo/series/GSE38nnn/GSE38698/matrix/GSE38698_series_matrix.txt.gz"


def series_matrix(accession: str, n: int, characteristics: dict[str, list], seed: int = 0) -> bytes:
    """A small GEO series matrix (gzip): ``!Series_``/``!Sample_`` lines, the probe table."""
    rng = np.random.default_rng(seed)
    gsm = [f"GSM{100000 + i}" for i in range(n)]

    def quoted(cells) -> str:
        return "\t".join(f'"{cell}"' for cell in cells)

    lines = [
        '!Series_title\t"a series"',
        f'!Series_geo_accession\t"{accession}"',
        "!Sample_title\t" + quoted(f"patient {i}" for i in range(n)),
        "!Sample_geo_accession\t" + quoted(gsm),
    ]
    for key, values in characteristics.items():
        lines.append("!Sample_characteristics_ch1\t" + quoted(f"{key}: {v}" for v in values))
    lines += ["!series_matrix_table_begin", '"ID_REF"\t' + quoted(gsm)]
    event = np.asarray(characteristics.get("e.tdm", [0] * n), dtype=float)
    for probe in range(30):
        values = rng.normal(8, 1, n) + (event * 1.5 if probe < 3 else 0)
        lines.append(f'"{probe}_at"\t' + "\t".join(f"{v:.4f}" for v in values))
    lines.append("!series_matrix_table_end")
    return gzip.compress(("\n".join(lines) + "\n").encode())


def transbig_like(n: int = 40) -> bytes:
    """GSE7390's characteristics: half the patients with a distant metastasis within 5 years,
    half metastasis-free beyond."""
    events = [i % 2 for i in range(n)]
    times = [400 + 30 * i if e else 2500 + 30 * i for i, e in enumerate(events)]
    return series_matrix("GSE7390", n, {"e.tdm": events, "t.tdm": times, "age": range(40, 40 + n)})


@pytest.fixture
def geo(tmp_path):
    """A loopback HTTP server serving a folder with GEO's paths; its base URL."""
    root = tmp_path / "mirror"
    for path, content in ((GEO_PATH, transbig_like()), (LUSSIER_PATH, _lussier_unlabelled())):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log on the test's stderr
        pass


def _lussier_unlabelled() -> bytes:
    """A series whose characteristics are not the ones the catalogue's unverified rule names."""
    return series_matrix("GSE38698", 10, {"tissue": ["lung metastasis"] * 10})


def test_the_catalogue_holds_the_three_cohorts_with_their_label_rules(oligomet):
    accessions = [entry.accession for entry in list_datasets()]
    assert {"GSE7390", "GSE38698", "GSE22541"} <= set(accessions)
    for entry in list_datasets():
        assert entry.label_rule().get("column"), entry.accession
        assert entry.label["description"] and entry.citation and entry.licence
        geo = "https://ftp.ncbi.nlm.nih.gov/geo/series/"
        assert all(f.url.startswith(geo) for f in entry.files)
    listed = oligomet("datasets", "list")
    assert listed.exit_code == 0, listed.output
    for accession in ("GSE7390", "GSE38698", "GSE22541"):
        assert accession in listed.output
    assert "distant metastasis within 5 years" in listed.output
    assert "[unverified]" in listed.output  # said, not hidden
    records = json.loads(oligomet("datasets", "list", "--json").output)
    assert {r["accession"] for r in records} >= {"GSE7390", "GSE38698", "GSE22541"}


def test_info_and_unknown_accessions(oligomet, user_error):
    shown = oligomet("datasets", "info", "gse7390")  # case does not matter
    assert shown.exit_code == 0 and "doi:10.1158/1078-0432.CCR-06-2765" in shown.output
    assert dataset_info("GSE7390").label_rule()["horizon"] == 1826.25
    user_error(oligomet("datasets", "info", "GSE1"), "unknown dataset 'GSE1'", "GSE38698")
    user_error(oligomet("datasets", "fetch", "GSE1"), "unknown dataset 'GSE1'")


def test_from_an_accession_to_a_tracked_model(oligomet, geo, tmp_path, monkeypatch):
    """The README's three commands: fetch, train --dataset, and the run in the store."""
    monkeypatch.setenv("OLIGOMET_DATA_DIR", str(tmp_path / "cache"))
    fetched = oligomet("datasets", "fetch", "GSE7390", "--mirror", geo, "--json")
    assert fetched.exit_code == 0, fetched.output
    summary = json.loads(fetched.stdout)
    assert summary["n_samples"] == 40 and summary["views"] == {"mrna": 30}
    assert {"distant_metastasis", "time_to_distant_metastasis_days"} <= set(
        summary["clinical_columns"]
    )
    trained = oligomet(
        "train", "--dataset", "GSE7390", "--n-splits", "3", "--n-repeats", "1",
        "--n-permutations", "0", "--json",
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    result = json.loads(trained.stdout)
    # The catalogue's rule: 20 distant metastases within 5 years, 20 patients free beyond.
    labels = result["labels"]
    assert (labels["n_positive"], labels["n_negative"], labels["n_excluded"]) == (20, 20, 0)
    assert result["dataset"] == "GSE7390.h5mu" and result["registry_uri"]
    (run,) = oligomet.runs()
    assert run.info.status == "FINISHED"


def test_a_cohort_not_fetched_and_a_dataset_with_tables(
    oligomet, user_error, tmp_path, monkeypatch
):
    monkeypatch.setenv("OLIGOMET_DATA_DIR", str(tmp_path / "empty"))
    user_error(
        oligomet("train", "--dataset", "GSE38698"),
        "dataset GSE38698 is not in the cache",
        "oligomet datasets fetch GSE38698",
    )
    table = tmp_path / "x.csv"
    table.write_text("id,a\ns1,1\n")
    user_error(oligomet("train", "--dataset", "GSE7390", "-e", table), "not both")
    assert oligomet.runs() == []


def test_a_label_rule_the_series_does_not_fit_is_named_and_nothing_is_cached(
    oligomet, user_error, geo, tmp_path
):
    cache = tmp_path / "cache"
    result = oligomet("datasets", "fetch", "GSE38698", "--mirror", geo, "--cache", cache)
    user_error(result, "label rule (unverified) names 'progression'", "'tissue'")
    assert not (cache / "GSE38698" / "GSE38698.h5mu").exists()


def test_offline_uses_the_cache_and_says_so(oligomet, user_error, geo, tmp_path):
    cache = tmp_path / "cache"
    missing = oligomet("datasets", "fetch", "GSE7390", "--cache", cache, "--offline")
    user_error(missing, "offline")
    online = oligomet("datasets", "fetch", "GSE7390", "--mirror", geo, "--cache", cache)
    assert online.exit_code == 0, online.output
    again = oligomet("datasets", "fetch", "GSE7390", "--cache", cache, "--offline")
    assert again.exit_code == 0, again.output
    assert "offline" in again.stderr and "40 samples" in again.stdout


def test_characteristics_typed_as_text_read_as_written():
    """The series matrix reader makes numbers of "1"/"0": a category column is "1", not "1.0"."""
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from oligomet.datasets._catalogue import _typed

    entry = SimpleNamespace(
        accession="GSE0",
        columns={
            "er": {"name": "er", "type": "category"},
            "grade": {"name": "grade", "type": "str"},
            "size": {"name": "size_cm", "type": "str"},
        },
    )
    frame = pd.DataFrame(
        {"er": [1.0, 0.0, np.nan], "grade": [3.0, 2.0, 1.0], "size": [1.5, 2.0, 2.5]}
    )
    typed = _typed(frame, entry)
    assert list(typed["er"].cat.categories) == ["0", "1"] and typed["er"].isna().sum() == 1
    assert typed["grade"].tolist() == ["3", "2", "1"]
    assert typed["size_cm"].tolist() == ["1.5", "2.0", "2.5"]
