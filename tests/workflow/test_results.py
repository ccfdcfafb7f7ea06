"""Results render themselves: a summary DataFrame, to_dict() for --json, print_summary() for the
terminal and _repr_html_() for a notebook, all from one description."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from oligomet.datasets import make_cohort
from oligomet.workflow import load_config, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    expression, clinical = make_cohort(n_samples=60, n_features=20, n_informative=4, random_state=3)
    expression.to_csv(folder / "expression.csv")
    clinical.to_csv(folder / "clinical.csv")
    config = load_config(
        values={
            "read.expression": [{"path": str(folder / "expression.csv")}],
            "read.clinical": [str(folder / "clinical.csv")],
            "label.column": "label",
            "cv.n_splits": 3,
            "cv.n_repeats": 1,
            "cv.n_permutations": 2,
            "cv.n_bootstrap": 100,
        }
    )
    return train(config, track=False)


def test_a_training_result_renders_the_same_table_everywhere(trained):
    assert isinstance(trained.summary, pd.DataFrame)
    assert {"roc_auc", "null_roc_auc", "permutation_p"} <= set(trained.summary.index)
    buffer = io.StringIO()
    trained.print_summary(buffer)
    text = buffer.getvalue()
    assert "logistic_enet: 1 vs 0 (60 samples; nested 1 x 3-fold CV)" in text
    assert "ROC AUC, permuted labels" in text and "final model:" in text
    html = trained._repr_html_()
    assert html.count("<table") == 1 and "ROC AUC, permuted labels" in html
    assert str(trained) == text
    record = json.loads(json.dumps(trained.to_dict()))
    assert record["metrics"]["roc_auc"] == trained.cv.metrics["roc_auc"]
    assert "labels" not in record["labels"]  # counts only: no patient-level labels


def test_the_evaluation_result_renders_on_its_own(trained):
    cv = trained.cv
    assert "cross-validation: 1 vs 0" in str(cv) and "<table" in cv._repr_html_()
    assert set(cv.figures("title")) == {"roc", "calibration", "confusion", "selection_frequency"}


def test_the_command_line_prints_the_result_s_own_table(oligomet, tmp_path, fast):
    expression, clinical = make_cohort(n_samples=40, n_features=10, n_informative=3, random_state=1)
    expression.to_csv(tmp_path / "e.csv")
    clinical.to_csv(tmp_path / "c.csv")
    result = oligomet(
        "train", "-e", tmp_path / "e.csv", "-c", tmp_path / "c.csv", "--label", "label", *fast
    )
    assert result.exit_code == 0, result.stderr
    assert "nested 1 x 3-fold CV" in result.stdout and "ROC AUC, permuted labels" in result.stdout
    assert "run:" in result.stdout and "model: models:/oligomet-logistic_enet/1" in result.stdout
