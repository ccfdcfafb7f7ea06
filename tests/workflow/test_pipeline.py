"""Declared pipelines: validated with the line of every mistake, sweeps expanded into configs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oligomet import InputError
from oligomet.workflow import ClusterConfig, TrainConfig, load_pipeline

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def write(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


BASE = """
pipeline: study
workflow: train
cohorts:
  small:
    read:
      expression: [{path: data/expression.csv}]
      clinical: [data/clinical.csv]
    label: {column: label}
cohort: small
stages:
  cv: {n_splits: 3, n_repeats: 2}
sweep:
  grid:
    model.name: [logistic_enet, knn]
    seed: [0, 1]
"""


def test_a_grid_expands_into_one_complete_config_per_point(tmp_path):
    pipeline = load_pipeline(write(tmp_path, BASE))
    names = [point.name for point in pipeline.points]
    assert names == ["logistic_enet-seed=0", "logistic_enet-seed=1", "knn-seed=0", "knn-seed=1"]
    first = pipeline.points[0].config
    assert isinstance(first, TrainConfig)
    assert first.model.name == "logistic_enet" and first.seed == 0
    assert first.cv.n_splits == 3 and first.cv.n_repeats == 2 and first.cv.n_permutations == 5
    # Data paths are relative to the pipeline file; the experiment defaults to its name.
    assert first.read.expression[0].path == tmp_path / "data" / "expression.csv"
    assert first.read.clinical == [tmp_path / "data" / "clinical.csv"]
    assert first.tracking.experiment == "study"
    assert {p.cohort for p in pipeline.points} == {"small"}


def test_include_adds_points_and_names_them(tmp_path):
    text = BASE.replace(
        "    seed: [0, 1]\n",
        "  include:\n"
        "    - {name: strict, model.name: mir200c, label: {column: label, positive: ['1']}}\n",
    )
    pipeline = load_pipeline(write(tmp_path, text))
    assert [p.name for p in pipeline.points] == ["logistic_enet", "knn", "strict"]
    strict = pipeline.points[-1].config
    assert strict.model.name == "mir200c" and strict.label.positive == ["1"]


def test_set_changes_every_point_and_cannot_change_a_swept_setting(tmp_path):
    path = write(tmp_path, BASE)
    pipeline = load_pipeline(path, sets=["cv.n_repeats=1", "model.selection=none"])
    assert all(p.config.cv.n_repeats == 1 for p in pipeline.points)
    assert all(p.config.model.selection == "none" for p in pipeline.points)
    with pytest.raises(InputError, match=r"--set model.name: the pipeline sweeps this setting"):
        load_pipeline(path, sets=["model.name=xgboost"])
    with pytest.raises(InputError, match=r"--set takes STAGE.PARAM=VALUE"):
        load_pipeline(path, sets=["cv.n_repeats"])


@pytest.mark.parametrize(
    ("change", "where", "line"),
    [
        (("workflow: train", "workflow: train\nstagse: {}"), "'stagse'", 3),
        (
            ("cv: {n_splits: 3, n_repeats: 2}", "cv: {n_splits: 3, n_repeat: 2}"),
            "'cv.n_repeat'",
            11,
        ),
        (("label: {column: label}", "label: {colum: label}"), "'label.colum'", 8),
        (("seed: [0, 1]", "cv.n_splits: [1]"), "'cv.n_splits'", 15),
        (("cv: {n_splits: 3, n_repeats: 2}", "cv: {n_splits: many}"), "'cv.n_splits'", 11),
    ],
)
def test_every_mistake_names_its_setting_file_and_line(tmp_path, change, where, line):
    path = write(tmp_path, BASE.replace(*change))
    with pytest.raises(InputError) as caught:
        load_pipeline(path)
    message = str(caught.value)
    assert where in message and str(path) in message and f"line {line}" in message, message
    assert "\n" not in message


def test_cohort_mistakes_are_named(tmp_path):
    with pytest.raises(InputError, match=r"unknown cohort 'large' \(cohorts: small\)"):
        load_pipeline(write(tmp_path, BASE.replace("cohort: small", "cohort: large")))
    with pytest.raises(InputError, match=r"'cohorts.small.model'.*line 5.*read and label"):
        load_pipeline(write(tmp_path, BASE.replace("    read:\n", "    model: {}\n    read:\n", 1)))


def test_duplicate_point_names_and_unreadable_files(tmp_path):
    text = BASE.replace("    seed: [0, 1]\n", "  include:\n    - {model.name: knn}\n")
    with pytest.raises(InputError, match=r"two sweep points are both named 'knn'"):
        load_pipeline(write(tmp_path, text))
    with pytest.raises(InputError, match=r"pipeline file .*missing.yaml does not exist"):
        load_pipeline(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes("pipeline: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"is not UTF-8 text"):
        load_pipeline(tmp_path / "latin1.yaml")
    with pytest.raises(InputError, match=r"cannot read pipeline file .*line 2, column"):
        load_pipeline(write(tmp_path, "pipeline: x\nstages: [a: b: c]\n"))


def test_environment_variables_in_paths(tmp_path, monkeypatch):
    text = BASE.replace("path: data/expression.csv", 'path: "${COHORTS:-elsewhere}/e.csv"')
    path = write(tmp_path, text)
    monkeypatch.delenv("COHORTS", raising=False)
    point = load_pipeline(path).points[0]
    assert point.config.read.expression[0].path == tmp_path / "elsewhere" / "e.csv"
    monkeypatch.setenv("COHORTS", "/data/cohorts")
    point = load_pipeline(path).points[0]
    assert point.config.read.expression[0].path == Path("/data/cohorts/e.csv")
    unset = write(tmp_path, text.replace("${COHORTS:-elsewhere}", "${NOT_SET_ANYWHERE}"), "u.yaml")
    with pytest.raises(InputError, match=r"environment variable NOT_SET_ANYWHERE is not set"):
        load_pipeline(unset)


@pytest.mark.parametrize("path", sorted(PIPELINES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_pipeline_is_valid(path):
    pipeline = load_pipeline(path)
    assert pipeline.points and pipeline.spec.description
    kind = TrainConfig if pipeline.spec.workflow == "train" else ClusterConfig
    assert all(isinstance(point.config, kind) for point in pipeline.points)


def test_the_shipped_pipelines_hold_the_points_the_experiments_report():
    names = {p.name: [x.name for x in load_pipeline(p).points] for p in PIPELINES.glob("*.yaml")}
    assert names["foundation-baselines.yaml"] == [
        "acc-logistic_enet",
        "acc-mir200c",
        "kirc-logistic_enet",
        "kirc-mir200c",
        "gse7390-logistic_enet",
        "van_t_veer-logistic_enet",
    ]
    assert names["gbm-snf.yaml"] == [f"n_clusters={k}" for k in range(2, 6)]
    zoo = {"logistic_enet", "linear_svm", "random_forest", "xgboost", "shrunken_centroid", "knn"}
    assert zoo | {"recipe:wuttig11"} <= set(names["vdv-zoo.yaml"])
    assert zoo | {"recipe:wuttig11", "signature:mir200_family"} <= set(names["kirc-mirna.yaml"])
    embedded = load_pipeline(PIPELINES / "gse7390.yaml")
    assert all(not point.config.read.expression for point in embedded.points)  # no data files
