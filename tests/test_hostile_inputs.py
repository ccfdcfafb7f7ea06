"""Property-based bad input (issue 12): hostile tables, damaged h5 files and configs, fed to every
public reader and to ``oligomet train`` in-process; only the package's own error escapes.

The readers are discovered, not listed: every ``read_*``/``load_*`` function that
:mod:`oligomet.io` and :mod:`oligomet.signatures` export and that takes a path. A reader may
succeed or raise :class:`~oligomet.InputError` with a one-line message; anything else (a
``ValueError`` from pandas, a ``csv.Error``, a warning, which the test settings turn into an
error) is a bug. ``oligomet train`` may exit 0 or exit 2 with one ``error:`` line and no
traceback.

Hypothesis runs a bounded number of examples, derandomized (the same examples on every run, so
CI is deterministic) and without an example database. ``oligomet train`` is stopped where the
cross-validation would start (:func:`stop_before_cross_validation`): what is tested is
everything that reads and checks the inputs, and a valid config then costs no fitting.

The catalogue of named bad inputs is ``tests/cli/test_bad_input_catalogue.py``.
"""

from __future__ import annotations

import functools
import gzip
import inspect
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import oligomet.io
import oligomet.signatures
from oligomet import InputError
from oligomet.cli import app
from oligomet.datasets import make_cohort
from oligomet.workflow import TrainConfig

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: ``oligomet train`` invocations cost more than a read: fewer examples.
HOSTILE_CLI = settings(HOSTILE, max_examples=40)
FAST = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "0"]


def public_readers() -> dict[str, tuple[object, bool]]:
    """``{"oligomet.io.read_expression": (function, takes_a_list), ...}``: the exported
    ``read_*``/``load_*`` functions whose first parameter is a path (or a list of paths)."""
    found = {}
    for module in (oligomet.io, oligomet.signatures):
        for name in module.__all__:
            function = getattr(module, name)
            if not name.startswith(("read_", "load_")) or not callable(function):
                continue
            first = next(iter(inspect.signature(function).parameters.values()), None)
            if first is not None and "path" in first.name:
                found[f"{module.__name__}.{name}"] = (function, first.name == "paths")
    return found


READERS = public_readers()
SIGNATURE_READERS = [name for name in READERS if name.startswith("oligomet.signatures")]
IO_READERS = [name for name in READERS if name not in SIGNATURE_READERS]


def read_with(name: str, path: Path) -> None:
    function, takes_a_list = READERS[name]
    function([path] if takes_a_list else path)


def assert_only_input_errors(readers: list[str], path: Path) -> None:
    for name in readers:
        try:
            read_with(name, path)
        except InputError as error:
            assert "\n" not in str(error), (name, str(error))
            assert str(error).strip(), name


# --- hostile tables ------------------------------------------------------------------------

TOKENS = [
    *("", " ", "NA", "nan", "NaN", "null", "inf", "-inf", "1e309", "1e308", "-1", "0", "3.5"),
    *("4,200", "1,234,567", "4,2", '"', '""', '"a', "'", "a b", "hsa-miR-21", "MIMAT0000062"),
    *("TCGA-AB-1234-01A", "TCGA.AB.1234", "GSM1", "é", "\u00a0", "\ufeff", "\t", "#", "x" * 40),
    *("!series_matrix_table_begin", "!series_matrix_table_end", "!Sample_geo_accession"),
    *("name:", "features:", "- x", "[", "{", "&a", "*a", "\x00", "0x10", "1_000", "True"),
]
SUFFIXES = [
    *(".csv", ".tsv", ".txt", ".csv.gz", "_series_matrix.txt", ".yaml", ".gmt", ".h5ad", ""),
]
cells = st.one_of(
    st.sampled_from(TOKENS),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
    st.text(max_size=6),
)
rows = st.lists(cells, max_size=6)


@st.composite
def hostile_tables(draw) -> bytes:
    """Delimited text gone wrong: ragged rows, duplicated header cells, quotes, NaN/inf, huge
    numbers, unicode, odd line ends, a BOM, another encoding, gzip; or random bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=300))
    header = draw(rows)
    if header and draw(st.booleans()):
        header = [*header, header[0]]  # a duplicated header cell
    body = draw(st.lists(rows, max_size=8))
    sep = draw(st.sampled_from([",", "\t", ";", " ", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(sep.join(row) for row in [header, *body])
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    return gzip.compress(data, mtime=0) if draw(st.integers(0, 4)) == 0 else data


@functools.cache
def small_cohort():
    """30 samples x 12 miRNA counts, with its clinical table (label, counts, time, event)."""
    return make_cohort(
        n_samples=30, n_features=12, kind="counts", feature_prefix="hsa-miR-", random_state=2
    )


@st.composite
def perturbed_tables(draw) -> bytes:
    """The small cohort's table (features x samples) with a few cells, header cells or rows made
    hostile, or written with another delimiter: a table that nearly works, so that the readers
    and ``oligomet train`` get past the first checks."""
    grid = [line.split(",") for line in small_cohort()[0].T.to_csv().splitlines()]
    width, sample, feature = len(grid[0]), grid[0][1], grid[1][0]
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.sampled_from(["cell", "cell", "label", "ragged", "row", "column"]))
        i = draw(st.integers(1, len(grid) - 1))
        j = draw(st.integers(1, width - 1))
        if change == "cell" and j < len(grid[i]):
            grid[i][j] = draw(cells)
        elif change == "label":  # a sample or feature ID duplicated or emptied
            label = draw(st.sampled_from([sample, feature, ""]))
            if draw(st.booleans()):
                grid[0][j] = label
            elif grid[i]:
                grid[i][0] = label
        elif change == "ragged":
            grid[i] = grid[i][: draw(st.integers(0, len(grid[i])))]
        elif change == "row":
            grid.insert(i, draw(rows))
        elif change == "column":  # one value down a whole column: constant, missing, infinite
            value = draw(st.sampled_from(["0", "NA", "inf", "-1", "1e308"]))
            for row in grid[1:]:
                if j < len(row):
                    row[j] = value
    sep = draw(st.sampled_from([",", ",", "\t", ";", " "]))
    return "\n".join(sep.join(row) for row in grid).encode()


tables = st.one_of(hostile_tables(), perturbed_tables())


@HOSTILE
@given(content=tables, suffix=st.sampled_from(SUFFIXES))
def test_io_readers_raise_only_input_errors_on_hostile_tables(tmp_path, content, suffix):
    path = tmp_path / f"table{suffix}"
    path.write_bytes(content)
    assert_only_input_errors(IO_READERS, path)


@HOSTILE
@given(content=tables, suffix=st.sampled_from(SUFFIXES))
@example(content=b"hsa-miR-1\rhsa-miR-2\r", suffix=".txt")
@example(content=b"name: x\x00\n", suffix=".yaml")
def test_signature_readers_raise_only_input_errors_on_hostile_tables(tmp_path, content, suffix):
    path = tmp_path / f"signature{suffix}"
    path.write_bytes(content)
    assert_only_input_errors(SIGNATURE_READERS, path)


# --- damaged h5 files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def h5_files(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of a small valid .h5ad and .h5mu (two modalities, clinical obs)."""
    import mudata as md

    from oligomet.io import write_h5ad, write_h5mu
    from oligomet.io._h5 import mudata_no_pull

    folder = tmp_path_factory.mktemp("h5")
    expression, clinical = make_cohort(n_samples=12, n_features=6, n_informative=2, random_state=0)
    import anndata as ad

    adata = ad.AnnData(expression.to_numpy(float), obs=clinical.astype(float))
    adata.var_names = [f"g{i}" for i in range(adata.n_vars)]
    other = adata.copy()
    other.var_names = [f"m{i}" for i in range(other.n_vars)]
    with mudata_no_pull():
        mdata = md.MuData({"rna": adata, "mirna": other})
    return {
        ".h5ad": write_h5ad(adata, folder / "good.h5ad").read_bytes(),
        ".h5mu": write_h5mu(mdata, folder / "good.h5mu").read_bytes(),
    }


@st.composite
def damage(draw, data: bytes) -> bytes:
    """``data`` with bytes overwritten (anywhere, or past the superblock) and maybe cut short."""
    damaged = bytearray(data)
    start = draw(st.sampled_from([0, 512]))
    for _ in range(draw(st.integers(1, 30))):
        damaged[draw(st.integers(start, len(damaged) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        damaged = damaged[: draw(st.integers(0, len(damaged)))]
    return bytes(damaged)


@HOSTILE
@given(suffix=st.sampled_from([".h5ad", ".h5mu"]), data=st.data())
def test_io_readers_raise_only_input_errors_on_damaged_h5_files(tmp_path, h5_files, suffix, data):
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(data.draw(damage(h5_files[suffix])))
    assert_only_input_errors(IO_READERS, path)


# --- oligomet train ------------------------------------------------------------------------


class StoppedBeforeCrossValidation(InputError):
    """Raised where ``oligomet train`` would start cross-validating: the inputs were good."""


@pytest.fixture
def stop_before_cross_validation(monkeypatch):
    import oligomet.workflow._train as training

    def stop(*args, **kwargs):
        raise StoppedBeforeCrossValidation("stopped before cross-validation (the inputs passed)")

    monkeypatch.setattr(training, "cross_validate_model", stop)


@pytest.fixture
def cohort_files(tmp_path) -> tuple[Path, Path]:
    expression, clinical = small_cohort()
    expression.T.to_csv(tmp_path / "mirna.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    return tmp_path / "mirna.csv", tmp_path / "clinical.csv"


@pytest.fixture
def train(tmp_path, monkeypatch, stop_before_cross_validation):
    """``oligomet train ARGS`` in-process, in ``tmp_path``, against a store that must never be
    created (nothing gets as far as recording)."""
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "store" / "mlflow.db"
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(
            app, ["train", *map(str, args)], env={"MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
        )
        assert_exit_0_or_one_error_line(result)
        assert not store.parent.exists()
        event(_outcome(result))  # shown by --hypothesis-show-statistics
        return result

    return invoke


def _outcome(result) -> str:
    """What an invocation came to, coarsely: where the inputs were stopped."""
    if result.exit_code == 0:
        return "trained"
    error = next(line for line in result.stderr.splitlines() if line.startswith("error: "))
    if "stopped before cross-validation" in error:
        return "inputs accepted"
    if "invalid setting" in error or "config file" in error:
        return "refused: config"
    return "refused: data or label"


def assert_exit_0_or_one_error_line(result) -> None:
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception), result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [n for n, line in enumerate(lines) if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr
        assert all(" hidden; -v shows them" in line for line in lines[errors[0] + 1 :]), lines


@HOSTILE_CLI
@given(content=tables, suffix=st.sampled_from([".csv", ".txt", ".csv.gz", ".h5ad"]))
def test_train_on_a_hostile_table(train, cohort_files, content, suffix):
    _, clinical = cohort_files
    path = clinical.parent / f"hostile{suffix}"
    path.write_bytes(content)
    train("-e", path, "-c", clinical, "--label", "label", *FAST)


@HOSTILE_CLI
@given(data=st.data())
def test_train_on_a_damaged_h5ad(train, cohort_files, h5_files, data):
    _, clinical = cohort_files
    path = clinical.parent / "damaged.h5ad"
    path.write_bytes(data.draw(damage(h5_files[".h5ad"])))
    train("-e", path, "-c", clinical, "--label", "label", *FAST)


def config_keys(model=TrainConfig, prefix: str = "") -> list[str]:
    """Every setting of a config as a dotted key, sections included (``cv``, ``cv.n_splits``)."""
    from pydantic import BaseModel

    keys = []
    for name, field in model.model_fields.items():
        keys.append(f"{prefix}{name}")
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            keys += config_keys(field.annotation, f"{prefix}{name}.")
    return keys


# Values of every type (no '/' in text: a hostile path stays inside the test's folder).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(alphabet=st.characters(blacklist_characters="/\\"), max_size=10),
    st.sampled_from(["auto", "youden", "mirna.csv", "clinical.csv", "label", "5", "tab", "-1"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.sampled_from(
    [*config_keys(), "modle", "cv.n_splitz", "read.expression.0.path", "read.expression.0.sep"]
)


def nested(settings: dict[str, object]) -> dict:
    """Dotted settings as nested mappings (``read.expression.0.path`` too: a mapping where a list
    belongs is one more hostile value); a setting under one that is not a mapping replaces it."""
    tree: dict = {}
    for dotted, value in settings.items():
        node = tree
        *sections, last = dotted.split(".")
        for section in sections:
            if not isinstance(node.get(section), dict):
                node[section] = {}
            node = node[section]
        node[last] = value
    return tree


BASE_CONFIG = {
    "read": {"expression": [{"path": "mirna.csv"}], "clinical": ["clinical.csv"]},
    "label": {"column": "label"},
    "cv": {"n_splits": 3, "n_repeats": 1, "n_permutations": 0},
}


@st.composite
def hostile_configs(draw) -> bytes:
    """A config of the small cohort with some settings given hostile values (wrong types, out of
    range, unknown keys), or YAML-ish text gone wrong, or random bytes."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return draw(st.text(max_size=80)).encode("utf-8", errors="replace")
    config = nested(
        {**_flat(BASE_CONFIG), **draw(st.dictionaries(keys, values, min_size=1, max_size=4))}
    )
    return yaml.safe_dump(config, allow_unicode=True).encode("utf-8", errors="replace")


def _flat(tree: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@HOSTILE_CLI
@given(content=hostile_configs())
@example(content=b"expression: 5\n")
@example(content=b"clinical: [5]\n")
@example(content=b"expression: [{path: 5}]\n")
@example(content="label: {column: caf\xe9}\n".encode("latin-1"))
@example(content=b"seed: 4294967296\n")
@example(content=b"seed: true\n")
def test_train_on_a_hostile_config(train, cohort_files, content):
    config = cohort_files[0].parent / "config.yaml"
    config.write_bytes(content)
    train("--config", config)
