"""The catalogue of bad inputs (issue 12): one table, a case a row, each answered the same way.

Each case builds small inputs in its own folder (a generated miRNA count cohort, 40 samples x 30
features, see :class:`Inputs`), runs ``oligomet ...`` in-process and checks that the command

- exits with status 2;
- prints exactly one ``error: ...`` line on stderr, matching the case's pattern, which names the
  culprit (the file, column, sample, setting or value); status lines may come before it and the
  summary of hidden warnings after it, nothing else: no continuation line, no traceback;
- records nothing: no new run in the MLflow store (so none left RUNNING) and no new file next to
  the inputs (no partial ``--output``, no temporary file, no artifact folder).

A case may be marked ``xfail(strict=True)`` (``case(..., xfail=REASON)``) for a known failure not
fixed yet, its reason naming the module and what goes wrong: once fixed, the case passes, strict
xfail turns that into a failure, and the mark is removed. None is marked today.

Other bad-input tests, kept where they are because they check more than one line:
``tests/cli/test_bad_inputs.py`` (runs marked FAILED on a crash or an interrupt, excluded samples
reported, column order at predict time), ``tests/io/test_io_h5.py`` (seeded fuzz of damaged
.h5ad/.h5mu files), ``tests/io/test_io_quoting.py`` (thousands separators and decimal commas
named in every reading), ``tests/cli/test_first_use.py`` (a missing file answered before any heavy
import, reserved aliases), ``tests/workflow/test_pipeline.py`` (the line of every pipeline
mistake) and ``tests/test_hostile_inputs.py`` (property-based: hostile tables, damaged h5 files
and configs fed to every public reader and to ``oligomet train``).
"""

from __future__ import annotations

import functools
import re
import shutil
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from oligomet.cli import app
from oligomet.datasets import make_cohort

MODEL = "models:/catalogued@champion"
FAST = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "0"]
#: Lines that may follow the error: the summary of warnings the command hid.
HIDDEN_WARNINGS = re.compile(r"^\d+ \w+ from .+ (was|were) hidden; -v shows them$")


@functools.cache
def _cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    expression, clinical = make_cohort(
        n_samples=40,
        n_features=30,
        n_informative=4,
        kind="counts",
        feature_prefix="hsa-miR-",
        random_state=1,
    )
    return expression.T, clinical  # features x samples, as miRNA tables are written


class Inputs:
    """Small inputs in one folder, and the command lines that use them.

    ``counts`` (features x samples) is written to ``mirna.csv``, ``clinical`` (label, number of
    metastases, time, event) to ``clinical.csv``.
    """

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
        counts, clinical = _cohort()
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.counts = counts.copy()
        self.clinical = clinical.copy()
        self.expression_file = self.table("mirna.csv", self.counts)
        self.clinical_file = self.table("clinical.csv", self.clinical)

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    def table(self, name: str, frame: pd.DataFrame, **options) -> Path:
        path = self.folder / name
        frame.to_csv(path, **options)
        return path

    def counts_with(self, name: str, change: Callable[[pd.DataFrame], None]) -> Path:
        """The count table, as floats, after ``change`` (applied in place)."""
        table = self.counts.astype(float)
        change(table)
        return self.table(name, table)

    def clinical_with(self, name: str, **columns) -> Path:
        return self.table(name, self.clinical.assign(**columns))

    def second_view(self, name: str = "view2.csv", *, samples: list[str] | None = None) -> Path:
        view = self.counts.iloc[:20] * 2 + 1
        view.index = [f"hsa-miR-{i + 100}" for i in range(20)]
        if samples is not None:
            view.columns = samples
        return self.table(name, view)

    def train(self, *extra, e: Path | None = None, c: Path | None = None) -> list:
        e = self.expression_file if e is None else e
        c = self.clinical_file if c is None else c
        return ["train", "-e", e, "-c", c, "--label", "label", *FAST, *extra]

    def cluster(self, *extra, views: list[Path] | None = None, clinical: bool = False) -> list:
        views = [self.expression_file, self.second_view()] if views is None else views
        tables = [a for view in views for a in ("-e", view)]
        return ["cluster", *tables, *(["-c", self.clinical_file] if clinical else []), *extra]

    def config(self, text: str, *extra, name: str = "config.yaml") -> list:
        return ["train", "--config", self.write(name, text), *extra]

    def pipeline(self, text: str, *extra, name: str = "study.yaml") -> list:
        return ["run", self.write(name, text), "--no-cache", *extra]

    def h5ad(self, name: str, **fields) -> Path:
        import warnings

        import anndata as ad

        path = self.folder / name
        with warnings.catch_warnings():  # anndata warns about the very flaws written on purpose
            warnings.simplefilter("ignore")
            ad.AnnData(**fields).write_h5ad(path)
        return path

    def valid_h5ad(self, name: str, change: Callable[[dict], None] = lambda fields: None):
        samples = self.counts.T.astype(float)
        fields = {
            "X": samples.to_numpy(),
            "obs": pd.DataFrame(index=samples.index),
            "var": pd.DataFrame(index=samples.columns),
        }
        change(fields)
        return self.h5ad(name, **fields)

    def damaged(self, path: Path) -> Path:
        """``path`` with bytes flipped past its HDF5 superblock and cut short."""
        data = bytearray(path.read_bytes())
        rng = np.random.default_rng(0)
        for position in rng.integers(512, len(data), 40):
            data[position] ^= 0xFF
        path.write_bytes(bytes(data[: len(data) * 2 // 3]))
        return path


# ---------------------------------------------------------------------------------------------
# The cases' inputs that take more than a line.


def _one_cell(value: str, name: str = "cell.csv"):
    def build(i: Inputs) -> list:
        table = i.counts.astype(object)
        table.iloc[2, 5] = value
        return i.train(e=i.table(name, table))

    return build


def _xlsx(i: Inputs) -> list:
    path = i.folder / "mirna.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", i.counts.to_csv())
    return i.train(e=path)


def _unreadable(i: Inputs) -> list:
    import oligomet.io._files as files

    real = files._open_binary
    target = i.expression_file

    def refuse(path):  # tests run as root, where chmod 000 does not bite
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    i.monkeypatch.setattr(files, "_open_binary", refuse)
    return i.train()


def _thousands(i: Inputs) -> list:
    text = i.counts.to_csv().splitlines()
    cells = text[1].split(",")
    cells[1], cells[2] = '"4,200"', '"12,500"'
    text[1] = ",".join(cells)
    return i.train(e=i.write("grouped.csv", "\n".join(text) + "\n"))


def _decimal_comma(i: Inputs) -> list:
    text = i.counts.to_csv(sep=";").splitlines()
    cells = text[1].split(";")
    cells[1] = "4,2"
    text[1] = ";".join(cells)
    return i.train(e=i.write("decimal.csv", "\n".join(text) + "\n"))


def _duplicate_sample(i: Inputs) -> list:
    table = i.counts.copy()
    table.columns = [*table.columns[:-1], table.columns[0]]
    return i.train(e=i.table("duplicated.csv", table))


def _duplicate_feature(i: Inputs) -> list:
    table = i.counts.copy()
    table.index = [*table.index[:-1], table.index[0]]
    return i.train(e=i.table("dupfeat.csv", table))


def _few_positives(i: Inputs) -> list:
    label = np.zeros(len(i.clinical), int)
    label[:2] = 1
    return i.train(c=i.clinical_with("few_positive.csv", label=label))


def _foreign_model(i: Inputs) -> list:
    i.write(
        "foreign/MLmodel",
        "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
        "    model_path: model.pkl\n",
    )
    return ["predict", i.folder / "foreign", i.expression_file, "-o", i.folder / "out.csv"]


def _signature_with_carriage_returns(i: Inputs) -> list:
    path = i.write("sig.txt", b"hsa-miR-001\rhsa-miR-002\r")
    return i.train("--model", f"signature:{path}")


# A pipeline of the small cohort; cases change one thing in it.
STUDY = """
pipeline: study
workflow: train
cohorts:
  small:
    read:
      expression: [{path: mirna.csv}]
      clinical: [clinical.csv]
    label: {column: label}
cohort: small
stages:
  cv: {n_splits: 3, n_repeats: 1, n_permutations: 0}
sweep:
  grid:
    model.name: [logistic_enet]
"""
# A training config of the small cohort.
CONFIG = """
read: {expression: [{path: mirna.csv}], clinical: [clinical.csv]}
label: {column: label}
cv: {n_splits: 3, n_repeats: 1, n_permutations: 0}
"""


def _study(old: str, new: str) -> str:
    assert old in STUDY, old
    return STUDY.replace(old, new)


def _config(old: str, new: str) -> str:
    assert old in CONFIG, old
    return CONFIG.replace(old, new)


@dataclass(frozen=True)
class Case:
    """One bad input: how to build it and call oligomet, and what the error line must say."""

    build: Callable[[Inputs], list]
    culprit: str  # a regular expression searched in the error line
    output: str | None = None  # a file the command was asked to write
    model: bool = False  # needs the trained model MODEL in the store
    before_work: bool = False  # and says so before any cross-validation starts


def case(name: str, build, culprit: str, *, xfail: str | None = None, **options):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(build, culprit, **options), id=name, marks=marks)


def _set(value, rows=2, columns=5) -> Callable[[pd.DataFrame], None]:
    """A change of a table: ``table.iloc[rows, columns] = value`` (cell 2, 5: 'hsa-miR-003' of
    sample 'S006')."""

    def change(table: pd.DataFrame) -> None:
        table.iloc[rows, columns] = value

    return change


EVERY = slice(None)


def _signature(name: str, text: str) -> Callable[[Inputs], list]:
    return lambda i: i.train("--model", f"signature:{i.write(name, text)}")


def _set_array(value, row: int, column: int) -> Callable[[np.ndarray], None]:
    def change(array: np.ndarray) -> None:
        array[row, column] = value

    return change


def _h5ad_with(name: str, **changes) -> Callable[[Inputs], list]:
    """Train on the cohort as an .h5ad whose ``obs``/``var``/``X`` are changed (None drops X)."""

    def build(i: Inputs) -> list:
        def change(fields: dict) -> None:
            for key, value in changes.items():
                if value is None:
                    fields.pop(key)
                elif callable(value):
                    value(fields[key])
                else:
                    fields[key] = value

        return i.train(e=i.valid_h5ad(name, change))

    return build


def _other_features(i: Inputs) -> Path:
    return i.table("other.csv", i.counts.set_axis([f"hsa-miR-{n + 500}" for n in range(30)]))


def _empty_folder(i: Inputs) -> Path:
    folder = i.folder / "empty"
    folder.mkdir()
    return folder


INGEST = [
    case(
        "ingest-empty-file", lambda i: i.train(e=i.write("empty.csv", "")), r"empty\.csv is empty"
    ),
    case(
        "ingest-blank-lines-only",
        lambda i: i.train(e=i.write("blank.csv", "\n   \n\t\n")),
        r"blank\.csv is empty",
    ),
    case(
        "ingest-header-only",
        lambda i: i.train(e=i.table("header_only.csv", i.counts.iloc[:0])),
        r"header_only\.csv has a header line but no data rows",
    ),
    case(
        "ingest-bom-then-header-only",
        lambda i: i.train(e=i.write("bom.csv", "\ufeff" + i.counts.iloc[:0].to_csv())),
        r"bom\.csv has a header line but no data rows",
    ),
    case(
        "ingest-duplicate-sample-ids",
        _duplicate_sample,
        r"duplicated\.csv: duplicate sample IDs .*'S001' \(2x\)",
    ),
    case(
        "ingest-duplicate-feature-names",
        _duplicate_feature,
        r"dupfeat\.csv: duplicate feature IDs .*'hsa-miR-001' \(2x\)",
    ),
    case(
        "ingest-non-numeric-cell",
        _one_cell("n.d."),
        r"cell\.csv: non-numeric value 'n\.d\.' at row 'hsa-miR-003', column 'S006'",
    ),
    case(
        "ingest-quoted-thousands-separator",
        _thousands,
        r"grouped\.csv: non-numeric value '4,200' at row 'hsa-miR-001', column 'S001'; "
        r"the comma is a thousands separator",
    ),
    case(
        "ingest-decimal-comma",
        _decimal_comma,
        r"decimal\.csv: non-numeric value '4,2' .* decimal comma",
    ),
    case(
        "ingest-all-nan-sample",
        lambda i: i.train(e=i.counts_with("nan_column.csv", _set(np.nan, EVERY, 4))),
        r"nan_column\.csv: 30 missing value\(s\), the first at row 'hsa-miR-001', column 'S005'",
    ),
    case(
        "ingest-infinite-value",
        lambda i: i.train(e=i.counts_with("infinite.csv", _set(np.inf))),
        r"infinite\.csv: 1 infinite value\(s\), the first at row 'hsa-miR-003', column 'S006'",
    ),
    case(
        "ingest-negative-counts-under-log2cpm",
        lambda i: i.train("--transform", "log2cpm", e=i.counts_with("negative.csv", _set(-4.0))),
        r"negative.*'S006'.*'hsa-miR-003'|negative.*'hsa-miR-003'.*'S006'",
    ),
    case(
        "ingest-sample-without-counts-under-log2cpm",
        lambda i: i.train(
            "--transform",
            "log2cpm",
            e=i.counts_with("zero_sample.csv", _set(0, EVERY, 0)),
        ),
        r"sample 'S001' in '.*zero_sample\.csv' has zero library size",
    ),
    case(
        "ingest-binary-file",
        lambda i: i.train(e=i.write("binary.csv", b"\x00\x01\x02garbage" * 100)),
        r"binary\.csv is a binary file",
    ),
    case("ingest-excel-workbook", _xlsx, r"mirna\.xlsx is a binary file, not a text table"),
    case(
        "ingest-missing-file",
        lambda i: i.train(e=i.folder / "nope.csv"),
        r"nope\.csv: file not found",
    ),
    case(
        "ingest-directory-instead-of-file",
        lambda i: i.train(e=i.folder),
        r"is a directory, not a file",
    ),
    case("ingest-unreadable-file", _unreadable, r"cannot read .*mirna\.csv: permission denied"),
    case(
        "ingest-wrong-delimiter",
        lambda i: i.train(e=i.table("piped.txt", i.counts, sep="|")),
        r"piped\.txt has a single column when split on .*--sep",
    ),
    case(
        "ingest-delimiter-of-two-characters",
        lambda i: i.train("--sep", "::"),
        r"delimiter \(sep / --sep\) must be one character, got '::'",
    ),
    case(
        "ingest-ragged-row",
        lambda i: i.train(e=i.write("ragged.csv", i.counts.to_csv() + "extra,1,2\n")),
        r"ragged\.csv, line 32: 3 cells where the first data row has 41",
    ),
    case(
        "ingest-unbalanced-quote",
        lambda i: i.train(
            e=i.write("quote.csv", i.counts.to_csv().replace("hsa-miR-003", '"hsa-miR-003'))
        ),
        r"quote\.csv, line \d+:",
    ),
    case(
        "ingest-empty-row-label",
        lambda i: i.train(e=i.write("unnamed.csv", i.counts.to_csv().replace("hsa-miR-003", ""))),
        r"unnamed\.csv: row label at line 4 is empty",
    ),
    case(
        "ingest-damaged-gzip",
        lambda i: i.train(e=i.write("mirna.csv.gz", b"\x1f\x8b\x08\x00garbage")),
        r"mirna\.csv\.gz looks gzip-compressed but cannot be decompressed",
    ),
    case(
        "ingest-text-named-h5ad",
        lambda i: i.train(e=i.write("fake.h5ad", "not hdf5")),
        r"fake\.h5ad is not a readable \.h5ad file",
    ),
    case(
        "ingest-damaged-h5ad",
        lambda i: i.train(e=i.damaged(i.valid_h5ad("damaged.h5ad"))),
        r"damaged\.h5ad is not a readable \.h5ad file",
    ),
    case(
        "ingest-damaged-h5mu",
        lambda i: i.train(e=i.write("damaged.h5mu", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)),
        r"damaged\.h5mu is not a readable \.h5mu file",
    ),
    case(
        "ingest-h5ad-duplicate-features",
        _h5ad_with(
            "dupvar.h5ad",
            var=pd.DataFrame(index=[f"hsa-miR-{n:03d}" for n in [1, *range(1, 30)]]),
        ),
        r"dupvar\.h5ad: duplicate feature IDs in var_names: 'hsa-miR-001'",
    ),
    case(
        "ingest-h5ad-without-matrix",
        _h5ad_with("nox.h5ad", X=None),
        r"nox\.h5ad holds no expression matrix",
    ),
    case(
        "ingest-h5ad-infinite-value",
        _h5ad_with("inf.h5ad", X=_set_array(np.inf, 2, 3)),
        r"inf\.h5ad: 1 infinite value\(s\) in X, the first at sample 'S003', feature 'hsa-miR-004'",
    ),
    case(
        "ingest-series-matrix-without-table",
        lambda i: i.train(e=i.write("GSE1_series_matrix.txt", "!Series_title\tx\n")),
        r"GSE1_series_matrix\.txt has no '!series_matrix_table_begin' line",
    ),
    case(
        "ingest-every-feature-excluded",
        lambda i: i.train(*[a for f in i.counts.index for a in ("--exclude-feature", f)]),
        r"mirna\.csv: no feature columns left after dropping",
    ),
    case(
        "ingest-clinical-duplicate-sample-ids",
        lambda i: i.train(c=i.table("clinical_dup.csv", pd.concat([i.clinical, i.clinical[:1]]))),
        r"clinical_dup\.csv: duplicate sample IDs S001",
    ),
    case(
        "ingest-clinical-single-column",
        lambda i: i.train(c=i.write("ids_only.csv", "\n".join(i.clinical.index) + "\n")),
        r"ids_only\.csv has a single column",
    ),
    case(
        "ingest-clinical-given-twice",
        lambda i: i.train("-c", i.clinical_file),
        r"column 'label' is in both .*clinical\.csv and .*clinical\.csv",
    ),
    case(
        "ingest-no-sample-in-common",
        lambda i: i.train(
            c=i.table("other_cohort.csv", i.clinical.set_axis([f"P{n:03d}" for n in range(40)]))
        ),
        r"no samples in common.*other_cohort",
    ),
    case(
        "ingest-sample-map-ambiguous",
        lambda i: i.train("--sample-map", i.write("map.csv", "a,b\nS001,P1\nS001,P2\n")),
        r"map\.csv, line 3: sample 'S001' is mapped to both 'P1' and 'P2'",
    ),
    case(
        "ingest-table-with-one-feature",
        lambda i: i.train(e=i.table("one_feature.csv", i.counts.iloc[[0]])),
        r"one_feature",
    ),
    case(
        "ingest-values-whose-sum-overflows",
        lambda i: i.train(e=i.counts_with("huge.csv", _set(1e308, slice(0, 2), 0))),
        r"sample 'S001' in .*huge\.csv'?: its values add up to more than a float can hold",
    ),
    case(
        "ingest-exclude-a-feature-that-is-not-there",
        lambda i: i.train("--exclude-feature", "hsa-miR-typo"),
        r"--exclude-feature 'hsa-miR-typo': no such feature in mirna\.csv",
    ),
]

CONFIG_CASES = [
    case(
        "config-expression-a-number",
        lambda i: i.config("expression: 5\n"),
        r"'read\.expression' in .*config\.yaml, line 1: Input should be a valid list",
    ),
    case(
        "config-clinical-a-list-of-numbers",
        lambda i: i.config("clinical: [5]\n"),
        r"'read\.clinical\.0' in .*config\.yaml, line 1",
    ),
    case(
        "config-view-path-a-number",
        lambda i: i.config("expression: [{path: 5}]\n"),
        r"'read\.expression\.0\.path' in .*config\.yaml, line 1",
    ),
    case(
        "config-not-utf8",
        lambda i: i.train(
            "--config", i.write("latin1.yaml", "label: {column: caf\xe9}\n".encode("latin-1"))
        ),
        r"config file .*latin1\.yaml is not UTF-8 text",
    ),
    case(
        "config-nul-byte",
        lambda i: i.train("--config", i.write("nul.yaml", b"seed: 1\x00\n")),
        r"cannot read config file .*nul\.yaml: unacceptable character #x0000",
    ),
    case(
        "config-unknown-key",
        lambda i: i.config(CONFIG + "modle: {name: knn}\n"),
        r"'modle' in .*config\.yaml, line 4: unknown setting",
    ),
    case(
        "config-unknown-nested-key",
        lambda i: i.config(_config("n_splits: 3", "n_split: 3")),
        r"'cv\.n_split' in .*config\.yaml, line 3: unknown setting",
    ),
    case(
        "config-bad-yaml-syntax",
        lambda i: i.config(CONFIG + "model: {name: [\n"),
        r"cannot read config file .*config\.yaml: .*line \d+, column \d+",
    ),
    case(
        "config-tab-indentation",
        lambda i: i.config(CONFIG + "model:\n\tname: knn\n"),
        r"cannot read config file .*config\.yaml: found character '\\t'",
    ),
    case(
        "config-a-list-not-a-mapping",
        lambda i: i.config("- a\n- b\n"),
        r"config file .*config\.yaml must hold a mapping of settings",
    ),
    case(
        "config-python-tag",
        lambda i: i.config("seed: !!python/object/apply:os.system ['echo hi']\n"),
        r"cannot read config file .*could not determine a constructor",
    ),
    case(
        "config-missing-file",
        lambda i: i.train("--config", i.folder / "nope.yaml"),
        r"config file .*nope\.yaml does not exist or is not a file",
    ),
    case(
        "config-a-directory",
        lambda i: i.train("--config", i.folder),
        r"config file .* does not exist or is not a file",
    ),
    case(
        "config-seed-true",
        lambda i: i.config(CONFIG + "seed: true\n"),
        r"'seed' in .*config\.yaml, line 4: expected a number, got true",
    ),
    case(
        "config-seed-fraction",
        lambda i: i.config(CONFIG + "seed: 1.5\n"),
        r"'seed' in .*config\.yaml, line 4: .*fractional part",
    ),
    *[
        case(
            f"config-seed-option-{seed}",
            lambda i, seed=seed: ["train", "--seed", seed],
            r"invalid setting 'seed': Input should be (less|greater) than or equal to",
        )
        for seed in (str(2**32), str(2**70), "-5")
    ],
    case(
        "config-n-splits-a-word",
        lambda i: i.config(_config("n_splits: 3", "n_splits: three")),
        r"'cv\.n_splits' in .*config\.yaml, line 3: Input should be a valid integer",
    ),
    case(
        "config-n-splits-1",
        lambda i: i.config(_config("n_splits: 3", "n_splits: 1")),
        r"'cv\.n_splits' in .*line 3: Input should be greater than or equal to 2",
    ),
    case(
        "config-threshold-a-word",
        lambda i: i.config(
            CONFIG.replace("n_permutations: 0}", "n_permutations: 0, threshold: best}")
        ),
        r"'cv\.threshold' in .*config\.yaml, line 3: must be 'youden' or a probability",
    ),
    case(
        "config-threshold-above-1",
        lambda i: i.train("--cv.threshold", "1.5"),
        r"'cv\.threshold': must be 'youden' or a probability strictly between 0 and 1, got 1\.5",
    ),
    case(
        "config-n-jobs-0",
        lambda i: i.train("--n-jobs", "0"),
        r"'n_jobs': must be a positive number of processes",
    ),
    case(
        "config-model-a-number",
        lambda i: i.config(CONFIG + "model: 5\n"),
        r"'model' in .*config\.yaml, line 4: Input should be a valid dictionary",
    ),
    case(
        "config-param-grid-not-a-list",
        lambda i: i.config(CONFIG + "model: {param_grid: {classifier__C: 5}}\n"),
        r"'model\.param_grid\.classifier__C' in .*config\.yaml, line 4: .*a valid list",
    ),
    case(
        "config-dotted-override-typo",
        lambda i: i.train("--cv.n_splitz", "3"),
        r"invalid setting 'cv\.n_splitz': unknown setting",
    ),
    case(
        "config-override-without-value",
        lambda i: i.train("--cv.n_splits"),
        r"override --cv\.n_splits needs a value",
    ),
    case(
        "config-unknown-option",
        lambda i: i.train("--bogus"),
        r"unexpected argument '--bogus'",
    ),
    case(
        "config-option-value-not-a-number",
        lambda i: i.train("--n-splits", "abc"),
        r"Invalid value for '--n-splits'.*\(see 'oligomet train --help'\)",
    ),
    case(
        "config-option-without-value",
        lambda i: ["train", "-e"],
        r"Option '-e' requires an argument",
    ),
    case(
        "config-bad-orientation",
        lambda i: i.train("--orientation", "diagonal"),
        r"'read\.expression\.0\.orientation': Input should be 'auto'",
    ),
    case(
        "config-bad-backend",
        lambda i: i.train("--backend", "spark"),
        r"'backend': Input should be 'local' or 'dask'",
    ),
    case(
        "config-tracking-uri-mlflow-cannot-open",
        lambda i: i.train("--tracking-uri", "ftp://host/store"),
        r"'tracking\.tracking_uri': tracking URI 'ftp://host/store': MLflow keeps no runs",
    ),
    case(
        "config-recursive-yaml-alias",
        lambda i: i.config("a: &x [*x]\n"),
        r"config\.yaml",
    ),
    case(
        "config-duplicate-key",
        lambda i: i.config(CONFIG + "seed: 1\nseed: 2\n"),
        r"config\.yaml: key 'seed' is given twice \(first on line 4\), line 5",
    ),
    # Pipelines (oligomet run).
    case(
        "pipeline-unknown-key",
        lambda i: i.pipeline(_study("workflow: train", "workflow: train\nstagse: {}")),
        r"'stagse' in .*study\.yaml, line 3: unknown setting",
    ),
    case(
        "pipeline-unknown-workflow",
        lambda i: i.pipeline(_study("workflow: train", "workflow: predict")),
        r"'workflow' in .*study\.yaml, line 2: Input should be 'train' or 'cluster'",
    ),
    case(
        "pipeline-without-name",
        lambda i: i.pipeline(_study("pipeline: study\n", "")),
        r"'pipeline' in .*study\.yaml: Field required",
    ),
    case(
        "pipeline-unknown-cohort",
        lambda i: i.pipeline(_study("cohort: small", "cohort: large")),
        r"study\.yaml: unknown cohort 'large' \(cohorts: small\)",
    ),
    case(
        "pipeline-seed-out-of-range",
        lambda i: i.pipeline(_study("model.name: [logistic_enet]", "seed: [-1]")),
        r"'seed' in .*study\.yaml, line 14: Input should be greater than or equal to 0",
    ),
    case(
        "pipeline-grid-not-a-list",
        lambda i: i.pipeline(_study("[logistic_enet]", "logistic_enet")),
        r"'sweep\.grid\.model\.name' in .*study\.yaml, line 14: Input should be a valid list",
    ),
    case(
        "pipeline-unset-environment-variable",
        lambda i: i.pipeline(_study("path: mirna.csv", 'path: "${NOT_SET_ANYWHERE}/e.csv"')),
        r"environment variable NOT_SET_ANYWHERE is not set",
    ),
    case(
        "pipeline-set-without-value",
        lambda i: i.pipeline(STUDY, "--set", "cv.n_splits"),
        r"--set takes STAGE\.PARAM=VALUE .*got 'cv\.n_splits'",
    ),
    case(
        "pipeline-set-a-swept-setting",
        lambda i: i.pipeline(STUDY, "--set", "model.name=xgboost"),
        r"--set model\.name: the pipeline sweeps this setting",
    ),
    case(
        "pipeline-set-unknown-setting",
        lambda i: i.pipeline(STUDY, "--set", "cv.n_splitz=3"),
        r"'cv\.n_splitz' in .*study\.yaml.*unknown setting",
    ),
    case(
        "pipeline-set-wrong-type",
        lambda i: i.pipeline(STUDY, "--set", "cv.n_splits=abc"),
        r"'cv\.n_splits' in .*study\.yaml.*valid integer",
    ),
    case(
        "pipeline-n-jobs-0",
        lambda i: i.pipeline(STUDY, "--n-jobs", "0"),
        r"'n_jobs' in .*study\.yaml: must be a positive number of processes",
    ),
    case(
        "pipeline-more-folds-than-samples",
        lambda i: i.pipeline(_study("n_splits: 3", "n_splits: 50")),
        r"fewer samples than folds: the positive class has 16 samples, fewer than the 50",
    ),
    case(
        "pipeline-empty-grid",
        lambda i: i.pipeline(_study("[logistic_enet]", "[]")),
        r"'sweep\.grid\.model\.name'",
    ),
    case(
        "pipeline-unknown-model-in-a-later-point",
        lambda i: i.pipeline(_study("[logistic_enet]", "[logistic_enet, svm]")),
        r"unknown model 'svm'",
        before_work=True,
    ),
]

LABELS = [
    case(
        "labels-column-missing",
        lambda i: i.train("--label", "lable"),
        r"'lable'.*label",
    ),
    case(
        "labels-one-class-only",
        lambda i: i.train(c=i.clinical_with("one_class.csv", label=0)),
        r"'label'.*both classes",
    ),
    case(
        "labels-every-value-missing",
        lambda i: i.train(c=i.clinical_with("missing_labels.csv", label=np.nan)),
        r"column 'label' has no value: all 40 samples are missing it",
    ),
    case(
        "labels-positive-value-never-occurs",
        lambda i: i.train("--positive", "yes", "--negative", "no"),
        r"positive value 'yes' never occurs in 'label' \(a typo\?\); observed values: 0, 1",
    ),
    case(
        "labels-value-both-positive-and-negative",
        lambda i: i.train("--positive", "1", "--negative", "1"),
        r"value '1' is listed as both positive and negative for 'label'",
    ),
    case(
        "labels-three-classes-without-a-rule",
        lambda i: i.train(c=i.clinical_with("three.csv", label=np.arange(40) % 3)),
        r"cannot tell how to label 'label' \(values: 0, 1, 2\)",
    ),
    case(
        "labels-time-not-numeric",
        lambda i: i.train(
            "--label",
            "event",
            "--time",
            "time",
            "--horizon",
            "5",
            c=i.clinical_with("text_time.csv", time="x"),
        ),
        r"time 'time' of sample 'S001' is 'x', not a number",
    ),
    case(
        "labels-event-bad-codes",
        lambda i: i.train(
            "--label",
            "event",
            "--time",
            "time",
            "--horizon",
            "5",
            c=i.clinical_with(
                "coded.csv", event=np.where(i.clinical["event"] == 1, "yes", "maybe")
            ),
        ),
        r"event 'event' of sample 'S001' is 'yes'; use 0/1",
    ),
    case(
        "labels-time-without-horizon",
        lambda i: i.train("--label", "event", "--time", "time"),
        r"the time rule needs both time= \(a column\) and horizon= \(a number\)",
    ),
    case(
        "labels-negative-horizon",
        lambda i: i.train("--label", "event", "--time", "time", "--horizon", "-3"),
        r"horizon must be a number > 0, got -3",
    ),
    case(
        "labels-time-column-missing",
        lambda i: i.train("--label", "event", "--time", "tiem", "--horizon", "5"),
        r"no column 'tiem' in the clinical table",
    ),
    case(
        "labels-poly-min-not-above-oligo-max",
        lambda i: i.train("--label", "n_metastases", "--oligo-max", "5", "--poly-min", "3"),
        r"poly_min \(3\) must be greater than oligo_max \(5\)",
    ),
    case(
        "labels-fewer-samples-than-folds",
        _few_positives,
        r"fewer samples than folds: the positive class has 2",
    ),
    case(
        "labels-more-folds-than-samples",
        lambda i: i.train("--n-splits", "41"),
        r"fewer samples than folds: the positive class has 16 samples, fewer than the 41",
    ),
    case(
        "labels-group-column-missing",
        lambda i: i.train("--groups", "patient"),
        r"group column 'patient' is not in clinical\.csv",
    ),
    case(
        "labels-values-without-a-column",
        lambda i: ["train", "-e", i.expression_file, "-c", i.clinical_file, "--positive", "1"],
        r"--label is required",
    ),
    case(
        "labels-count-rule-for-a-survival-model",
        lambda i: i.train("--model", "cox_enet", "--label", "n_metastases", "--oligo-max", "3"),
        r"a survival model needs --label EVENT_COLUMN and --time TIME_COLUMN",
    ),
]

SNF = [
    case(
        "snf-one-view",
        lambda i: i.cluster(views=[i.expression_file]),
        r"SNF fuses at least 2 views",
    ),
    case(
        "snf-neighbours-as-many-as-samples",
        lambda i: i.cluster("--n-neighbors", "40"),
        r"n_neighbors \(K\) must be an integer between 1 and n_samples - 1 = 39, got 40",
    ),
    case(
        "snf-one-cluster",
        lambda i: i.cluster("--n-clusters", "1"),
        r"'snf\.n_clusters': must be 'auto' or a whole number of subtypes >= 2, got '1'",
    ),
    case(
        "snf-clusters-not-a-number",
        lambda i: i.cluster("--n-clusters", "many"),
        r"'snf\.n_clusters': must be 'auto' or a whole number .*got 'many'",
    ),
    case(
        "snf-more-clusters-than-samples",
        lambda i: i.cluster("--n-clusters", "41"),
        r"more clusters \(41\) than samples allow \(40\)",
    ),
    case(
        "snf-views-share-no-sample",
        lambda i: i.cluster(
            views=[i.expression_file, i.second_view(samples=[f"P{n:03d}" for n in range(40)])]
        ),
        r"no samples in common between mirna, view2",
    ),
    case(
        "snf-mu-zero",
        lambda i: i.cluster("--mu", "0"),
        r"'snf\.mu': Input should be greater than 0",
    ),
    case(
        "snf-cluster-range-reversed",
        lambda i: i.cluster("--snf.cluster_range", "[5, 2]"),
        r"'snf\.cluster_range': must be \[smallest, largest\] .*got \[5, 2\]",
    ),
    case(
        "snf-unknown-preset",
        lambda i: i.cluster("--preset", "matlab"),
        r"'snf\.preset': Input should be 'snftool', 'snfpy' or 'none'",
    ),
    case(
        "snf-compare-column-missing",
        lambda i: i.cluster("--compare", "subtype", clinical=True),
        r"column 'subtype' is not in .*clinical\.csv",
    ),
    case(
        "snf-time-column-missing",
        lambda i: i.cluster("--time", "tiem", "--event", "event", clinical=True),
        r"column 'tiem' is not in .*clinical\.csv",
    ),
]

MODELS = [
    case("models-unknown-model", lambda i: i.train("--model", "svm"), r"unknown model 'svm'"),
    case(
        "models-unknown-recipe",
        lambda i: i.train("--model", "recipe:nope"),
        r"unknown model 'recipe:nope'",
    ),
    case(
        "models-unknown-signature",
        lambda i: i.train("--model", "signature:nope"),
        r"unknown signature 'nope'",
    ),
    case(
        "models-invalid-signature-file",
        _signature("sig.yaml", "name: x\nfeatures: 5\n"),
        r"sig\.yaml: invalid signature",
    ),
    case(
        "models-signature-features-absent",
        _signature("sig.csv", "feature,weight\nhsa-miR-999,1\n"),
        r"signature sig: only 0 of 1 features found .*missing: hsa-miR-999",
    ),
    case(
        "models-mir200c-absent",
        lambda i: i.train("--model", "mir200c"),
        r"miR-200c is absent",
    ),
    case(
        "models-unknown-hyperparameter",
        lambda i: i.train("--model.param_grid", "{C: [1]}"),
        r"param_grid names 'C', not parameters of logistic_enet",
    ),
    case(
        "models-hyperparameter-out-of-range-in-set",
        lambda i: i.pipeline(STUDY, "--set", "model.param_grid={classifier__C: [-1]}"),
        r"invalid setting for model 'logistic_enet': The 'C' parameter .* Got -1",
    ),
    case(
        "models-empty-search-space",
        lambda i: i.train("--model.param_grid", "{classifier__C: []}"),
        r"param_grid gives no values for 'classifier__C'",
    ),
    case(
        "models-unknown-selection",
        lambda i: i.train("--selection", "pca"),
        r"'model\.selection': Input should be 'univariate', 'l1' or 'none'",
    ),
    case(
        "models-n-select-0",
        lambda i: i.train("--n-select", "0"),
        r"'model\.n_select': Input should be greater than or equal to 1",
    ),
    case(
        "models-signature-file-with-a-nul-byte",
        _signature("nul.yaml", "name: x\x00\n"),
        r"nul\.yaml: not valid YAML",
    ),
    case(
        "models-signature-text-with-carriage-returns",
        _signature_with_carriage_returns,
        r"sig\.txt",
    ),
]

PREDICT = [
    case(
        "predict-model-path-missing",
        lambda i: ["predict", i.folder / "nowhere", i.expression_file, "-o", i.folder / "out.csv"],
        r"'model_uri': no saved model at '.*nowhere': no such folder",
        output="out.csv",
    ),
    case(
        "predict-folder-without-mlmodel",
        lambda i: ["predict", _empty_folder(i), i.expression_file, "-o", "out.csv"],
        r"'model_uri': '.*empty' is not a saved model: the folder of one holds an MLmodel file",
        output="out.csv",
    ),
    case(
        "predict-model-path-is-a-table",
        lambda i: ["predict", "mirna.csv", i.expression_file, "-o", "out.csv"],
        r"'model_uri': 'mirna\.csv' is not a saved model",
        output="out.csv",
    ),
    case(
        "predict-model-not-made-by-oligomet",
        _foreign_model,
        r"foreign: no scikit-learn flavour in its MLmodel",
        output="out.csv",
    ),
    case(
        "predict-run-that-does-not-exist",
        lambda i: ["predict", "runs:/0123456789abcdef/model", i.expression_file, "-o", "out.csv"],
        r"cannot load model 'runs:/0123456789abcdef/model'.*not found",
        output="out.csv",
    ),
    case(
        "predict-table-lacks-features",
        lambda i: [
            "predict",
            MODEL,
            i.table("partial.csv", i.counts.iloc[3:]),
            "-o",
            "out.csv",
        ],
        r"partial\.csv: the data lack 3 of the model's 30 features \('hsa-miR-001'",
        output="out.csv",
        model=True,
    ),
    case(
        "predict-table-shares-no-feature",
        lambda i: [
            "predict",
            MODEL,
            _other_features(i),
            "-o",
            "out.csv",
        ],
        r"other\.csv: the data lack 30 of the model's 30 features",
        output="out.csv",
        model=True,
    ),
    case(
        "predict-negative-values-for-a-log2cpm-model",
        lambda i: [
            "predict",
            MODEL,
            i.counts_with("negative.csv", _set(-1.0)),
            "-o",
            "out.csv",
        ],
        r"negative\.csv.*('hsa-miR-003'.*'S006'|'S006'.*'hsa-miR-003').*log2cpm",
        output="out.csv",
        model=True,
    ),
    case(
        "predict-empty-table",
        lambda i: ["predict", MODEL, i.write("empty.csv", ""), "-o", "out.csv"],
        r"empty\.csv is empty",
        output="out.csv",
        model=True,
    ),
    case(
        "predict-output-folder-missing",
        lambda i: ["predict", MODEL, i.expression_file, "-o", "nowhere/out.csv"],
        r"cannot write nowhere/out\.csv: folder nowhere does not exist",
        model=True,
    ),
    case(
        "predict-output-is-a-directory",
        lambda i: ["predict", MODEL, i.expression_file, "-o", i.folder],
        r"is a directory",
        model=True,
    ),
    case(
        "predict-bad-orientation",
        lambda i: ["predict", MODEL, i.expression_file, "-o", "out.csv", "--orientation", "up"],
        r"--orientation must be auto, features_x_samples or samples_x_features, got 'up'",
        output="out.csv",
    ),
    case(
        "predict-without-output",
        lambda i: ["predict", MODEL, i.expression_file],
        r"Missing option '--output'",
    ),
]

EVALUATE = [
    case(
        "evaluate-no-feature-in-common",
        lambda i: [
            "evaluate",
            MODEL,
            "-e",
            _other_features(i),
            "-c",
            i.clinical_file,
        ],
        r"other\.csv: 30 of the model's 30 features are absent",
        model=True,
    ),
    case(
        "evaluate-label-column-missing",
        lambda i: [
            "evaluate",
            MODEL,
            "-e",
            i.expression_file,
            "-c",
            i.clinical_file,
            "--label",
            "lable",
        ],
        r"no column 'lable' in the clinical table",
        model=True,
    ),
    case(
        "evaluate-the-model-label-column-missing",
        lambda i: [
            "evaluate",
            MODEL,
            "-e",
            i.expression_file,
            "-c",
            i.table("no_label.csv", i.clinical.drop(columns="label")),
        ],
        r"no column 'label' in the clinical table",
        model=True,
    ),
    case(
        "evaluate-without-clinical-table",
        lambda i: ["evaluate", MODEL, "-e", i.expression_file],
        r"--clinical is required with --expression: the table holding the label column 'label'",
        model=True,
    ),
    case(
        "evaluate-one-class",
        lambda i: [
            "evaluate",
            MODEL,
            "-e",
            i.expression_file,
            "-c",
            i.clinical_with("one.csv", label=0),
        ],
        r"positive value '1' never occurs in 'label'",
        model=True,
    ),
    case(
        "evaluate-model-that-does-not-exist",
        lambda i: ["evaluate", "models:/zzz@a", "-e", i.expression_file, "-c", i.clinical_file],
        r"cannot load model 'models:/zzz@a'.*name=zzz not found",
    ),
]

REGISTRY = [
    case(
        "registry-alias-reserved-version",
        lambda i: i.train("--alias", "v3"),
        r"'tracking\.alias': alias 'v3' is reserved",
    ),
    case(
        "registry-alias-latest",
        lambda i: i.train("--alias", "latest"),
        r"'tracking\.alias': alias 'latest' is reserved",
    ),
    case(
        "registry-alias-with-a-space",
        lambda i: i.train("--alias", "a b"),
        r"alias 'a b' may only contain letters, digits",
    ),
    case(
        "registry-model-name-with-a-slash",
        lambda i: i.train("--name", "acc/stage:iv"),
        r"'tracking\.registered_name': registered model name 'acc/stage:iv' contains '/' or ':'",
    ),
    case(
        "registry-empty-experiment-name",
        lambda i: i.train("--experiment", ""),
        r"'tracking\.experiment': an experiment name cannot be empty",
    ),
    case(
        "registry-alias-that-does-not-exist",
        lambda i: ["predict", "models:/catalogued@nope", i.expression_file, "-o", "out.csv"],
        r"cannot load model 'models:/catalogued@nope'.*alias nope not found",
        output="out.csv",
        model=True,
    ),
    case(
        "registry-version-that-does-not-exist",
        lambda i: ["predict", "models:/catalogued/99", i.expression_file, "-o", "out.csv"],
        r"'models:/catalogued/99'.*version=99\) not found",
        output="out.csv",
        model=True,
    ),
    case(
        "registry-name-that-does-not-exist",
        lambda i: ["predict", "models:/no_such_model@champion", i.expression_file, "-o", "out.csv"],
        r"no_such_model",
        output="out.csv",
    ),
    case(
        "registry-runs-without-a-store",
        lambda i: ["runs", "--tracking-uri", f"sqlite:///{i.folder / 'elsewhere' / 'mlflow.db'}"],
        r"no MLflow store at .*elsewhere/mlflow\.db",
    ),
    case(
        "registry-runs-unknown-experiment",
        lambda i: ["runs", "--experiment", "zzz"],
        r"no experiment 'zzz'",
    ),
    case(
        "registry-runs-max-results-0",
        lambda i: ["runs", "--max-results", "0"],
        r"Invalid value for '--max-results'",
    ),
    case(
        "registry-runs-store-mlflow-cannot-open",
        lambda i: ["runs", "--tracking-uri", "ftp://host/store"],
        r"'--tracking-uri'.*tracking URI 'ftp://host/store': MLflow keeps no runs",
    ),
    case(
        "registry-report-of-no-run",
        lambda i: ["report", "0123456789abcdef"],
        r"no run or model '0123456789abcdef'",
    ),
    case(
        "registry-report-unknown-format",
        lambda i: ["report", MODEL, "--format", "pdf"],
        r"--format must be html or md, got 'pdf'",
        model=True,
    ),
    case(
        "registry-unknown-command",
        lambda i: ["trian"],
        r"No such command 'trian'\. Did you mean 'train'\?",
    ),
]

CATALOGUE = [*INGEST, *CONFIG_CASES, *LABELS, *SNF, *MODELS, *PREDICT, *EVALUATE, *REGISTRY]


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory, _mlflow_template) -> Path:
    """A store holding MODEL, trained once for the module on the catalogue's cohort (its
    artifacts stay in this folder; each case gets a copy of the database)."""
    folder = tmp_path_factory.mktemp("catalogue_model")
    store = folder / "mlflow.db"
    shutil.copy(_mlflow_template, store)
    inputs = Inputs(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = CliRunner().invoke(
            app,
            [str(a) for a in inputs.train("--name", "catalogued", "--alias", "champion")],
            env={"MLFLOW_TRACKING_URI": f"sqlite:///{store}"},
        )
    assert result.exit_code == 0, result.stderr
    return store


def _files(folder: Path) -> set[str]:
    """Every file under ``folder`` but the store's database (and its journal and lock)."""
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith("mlflow.db")
    }


def assert_one_line_naming(result, culprit: str) -> str:
    """Exit 2; one ``error:`` line matching ``culprit``, followed by nothing but the summary of
    hidden warnings; no traceback anywhere."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [n for n, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    after = lines[errors[0] + 1 :]
    assert all(HIDDEN_WARNINGS.match(line) for line in after), result.stderr
    error = lines[errors[0]]
    assert re.search(culprit, error), (culprit, error)
    return error


@pytest.mark.parametrize("bad", CATALOGUE)
def test_bad_input_is_one_line_naming_the_culprit(
    bad: Case, oligomet, tmp_path, monkeypatch, request
):
    if bad.model:
        shutil.copy(request.getfixturevalue("trained_store"), tmp_path / "mlflow.db")
    inputs = Inputs(tmp_path, monkeypatch)
    runs_before = {run.info.run_id for run in oligomet.runs()}
    argv = bad.build(inputs)
    files_before = _files(tmp_path)

    result = oligomet(*argv)

    assert_one_line_naming(result, bad.culprit)
    if bad.before_work:
        assert "cross-validating" not in result.stderr, result.stderr
    runs = oligomet.runs()
    assert [r.info.run_id for r in runs if r.info.run_id not in runs_before] == []
    assert [r.info.run_id for r in runs if r.info.status == "RUNNING"] == []
    assert _files(tmp_path) == files_before  # nothing half-written, no temporary file left
    if bad.output:
        assert not (tmp_path / bad.output).exists()


def test_the_catalogue_covers_every_area_with_sixty_cases_or_more():
    names = [param.id for param in CATALOGUE]
    assert len(names) == len(set(names))
    areas = {name.split("-")[0] for name in names}
    assert {"ingest", "config", "pipeline", "labels", "snf", "models", "predict"} <= areas
    assert {"evaluate", "registry"} <= areas
    assert len(names) >= 60


@pytest.mark.parametrize("command", ["train", "cluster", "evaluate"])
def test_a_store_in_the_environment_that_mlflow_cannot_open_is_refused_before_any_work(
    tmp_path, monkeypatch, command
):
    """The one bad input the table cannot hold: it comes from the environment, which the
    catalogue's runner sets to its own store."""
    monkeypatch.chdir(tmp_path)
    inputs = Inputs(tmp_path)
    argv = {
        "train": inputs.train(),
        "cluster": inputs.cluster(),
        "evaluate": ["evaluate", MODEL, "-e", inputs.expression_file, "-c", inputs.clinical_file],
    }[command]
    files_before = _files(tmp_path)
    result = CliRunner().invoke(
        app, [str(a) for a in argv], env={"MLFLOW_TRACKING_URI": "ftp://host/store"}
    )
    assert_one_line_naming(result, r"MLFLOW_TRACKING_URI: tracking URI 'ftp://host/store'")
    assert _files(tmp_path) == files_before
    assert not (tmp_path / "mlflow.db").exists()
    assert "cross-validating" not in result.stderr
