"""Reference results of SNF's two peers, for ``tests/snf/test_peers.py``.

SNFtool 2.3.1 (R) and snfpy 0.2.2 (Python) cannot run in oligomet's test environment (no R;
snfpy needs scikit-learn < 1.8), so their results were computed once with this script and stored
in ``reference.json`` beside it: for each data set, fingerprints of every step (row sums of the
standardised views, distances and affinities; row sums and diagonal of the fused network; the
smallest Laplacian eigenvalues; the estimated number of clusters) and the labels for K = 2..5.
Nothing patient-level is stored beyond those aggregates and the labels, in sample order.

Data sets: SNF's toy data (``snf_toy/sim``, ``snf_toy/digits``) and the views that
``oligomet cluster`` fuses for ``pipelines/gbm-snf.yaml`` and ``pipelines/acc-snf.yaml`` (after
reading, matching samples across views and the per-view log transforms), from ``../shared/data``.

To regenerate (R from Debian's ``r-base-core``; SNFtool's R sources from its CRAN release)::

    git clone https://github.com/cran/SNFtool /tmp/SNFtool
    mkdir /tmp/snftool-2.3.1 && git -C /tmp/SNFtool archive 2.3.1 R | tar -x -C /tmp/snftool-2.3.1
    python3 -m venv /tmp/snfpy-venv
    /tmp/snfpy-venv/bin/pip install snfpy==0.2.2 "scikit-learn<1.8" "setuptools<81" numpy pandas
    SNFTOOL_R=/tmp/snftool-2.3.1/R SNFPY_PYTHON=/tmp/snfpy-venv/bin/python \\
        .venv/bin/python tests/snf/peers/make_reference.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
#: oligomet's SNF(random_state=0) hands this seed to its spectral clustering; snfpy's pipeline
#: gets the same, so that the two k-means runs start alike.
SEED = int(np.random.RandomState(0).randint(0, 2**31 - 1))
DATA_SETS = ("sim", "digits", "gbm", "acc")


def views(name: str, data: Path) -> tuple[list[np.ndarray], list[str]]:
    """The views SNF receives for a data set (samples in rows) and the sample IDs."""
    if name in ("sim", "digits"):
        folder = data / "snf_toy" / name
        files = ["data1", "data2"] if name == "sim" else ["fourier", "pixel", "profile", "zer"]
        separator = None if name == "sim" else ","  # sim is space-separated
        arrays = [np.loadtxt(folder / f"{f}.csv", delimiter=separator, ndmin=2) for f in files]
        return arrays, [str(i) for i in range(len(arrays[0]))]
    return _cohort_views(REPO / "pipelines" / f"{name}-snf.yaml", data)


def _cohort_views(path: Path, data: Path) -> tuple[list[np.ndarray], list[str]]:
    from sklearn.pipeline import Pipeline

    from oligomet.models import FeatureAligner, ViewLogTransform, combine_views
    from oligomet.workflow import load_pipeline
    from oligomet.workflow._cohort import assemble_views, read_views, resolve_transforms

    before = os.environ.get("OLIGOMET_DATA")
    os.environ["OLIGOMET_DATA"] = str(data)
    try:
        config = load_pipeline(path).points[0].config
    finally:  # the tests import this function: leave the environment as it was
        if before is None:
            del os.environ["OLIGOMET_DATA"]
        else:
            os.environ["OLIGOMET_DATA"] = before
    viewset = read_views(config.read, annotations=False)
    assembled = assemble_views(viewset, sample_map=config.read.sample_map)
    names = list(assembled.viewset.views)
    by_name = {n: assembled.mdata[n] for n in names}
    X, blocks = combine_views(by_name)
    methods = resolve_transforms(by_name, blocks, assembled.viewset.transforms)
    head = Pipeline([("align", FeatureAligner()), ("log", ViewLogTransform(views=methods))])
    values = head.fit_transform(X)
    return [values[:, b.start : b.stop] for b in blocks], [str(s) for s in X.index]


def _snftool(folder: Path) -> dict:
    subprocess.run(["Rscript", str(HERE / "snftool.R"), str(folder)], check=True)

    def read(name: str) -> list:
        return np.loadtxt(folder / f"snftool_{name}.csv", delimiter=",", ndmin=1).tolist()

    n_views = len(list(folder.glob("view*.csv")))
    estimate = [int(v) for v in read("estimate")]
    return {
        "standardised": [read(f"standardised{v}") for v in range(1, n_views + 1)],
        "distances": [read(f"distances{v}") for v in range(1, n_views + 1)],
        "affinity": [read(f"affinity{v}") for v in range(1, n_views + 1)],
        "fused_rowsums": read("fused_rowsums"),
        "fused_diagonal": read("fused_diagonal"),
        "estimate_eigenvalues": read("estimate_eigenvalues"),
        "clustering_eigenvalues": read("clustering_eigenvalues"),
        # eigengap best, second; rotation cost best, second
        "estimate": estimate,
        "labels": {str(k): [int(v) for v in read(f"labels{k}")] for k in range(2, 6)},
    }


def _snfpy(folder: Path, python: str) -> dict:
    done = subprocess.run(
        [python, str(HERE / "snfpy_pipeline.py"), str(folder), str(SEED)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    data = Path(os.environ.get("OLIGOMET_DATA", REPO.parent / "shared" / "data"))
    snftool_r, snfpy_python = os.environ.get("SNFTOOL_R"), os.environ.get("SNFPY_PYTHON")
    if not snftool_r or not snfpy_python:
        sys.exit("set SNFTOOL_R and SNFPY_PYTHON (see the docstring)")
    reference: dict = {"seed": SEED, "data": {}}
    for name in DATA_SETS:
        arrays, samples = views(name, data)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for v, array in enumerate(arrays, start=1):
                np.savetxt(folder / f"view{v}.csv", array, delimiter=",", fmt="%.17g")
            reference["data"][name] = {
                "n_samples": len(samples),
                "snftool": _snftool(folder),
                "snfpy": _snfpy(folder, snfpy_python),
            }
        print(f"{name}: {len(samples)} samples, {len(arrays)} views", file=sys.stderr)
    (HERE / "reference.json").write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
