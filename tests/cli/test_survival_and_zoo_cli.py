"""Survival endpoints and the model zoo from the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from oligomet.datasets import make_cohort


def _json(result):
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture
def progression_cohort(tmp_path):
    """A small cohort whose endpoint is time to polymetastatic progression (categorical event)."""
    expression, clinical = make_cohort(
        n_samples=60, n_features=40, n_informative=4, effect_size=2.0, random_state=4
    )
    clinical = clinical.assign(
        progression=clinical["event"].map({1: "polymetastatic progression", 0: "none"})
    )
    clinical.loc[clinical.index[:3], "progression"] = "death without progression"
    expression.to_csv(tmp_path / "expression.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    return tmp_path


def test_penalised_cox_on_time_to_polymetastatic_progression(oligomet, progression_cohort):
    folder = progression_cohort
    out = _json(
        oligomet(
            "train",
            "--expression",
            folder / "expression.csv",
            "--clinical",
            folder / "clinical.csv",
            "--label",
            "progression",
            "--positive",
            "polymetastatic progression",
            "--time",
            "time",
            "--model",
            "cox_enet",
            "--n-splits",
            "3",
            "--n-repeats",
            "1",
            "--n-permutations",
            "1",
            "--exclude-feature",
            "label",
            "--exclude-feature",
            "n_metastases",
            "--exclude-feature",
            "event",
            "--json",
        )
    )
    assert out["labels"]["rule"]["kind"] == "survival"
    # Death without progression is censored (cause-specific view), not an event.
    clinical = pd.read_csv(folder / "clinical.csv", index_col=0)
    expected = (clinical["progression"] == "polymetastatic progression").sum()
    assert out["labels"]["n_events"] == expected
    metrics = out["metrics"]
    assert 0.5 < metrics["c_index"] <= 1
    assert metrics["c_index_ci_low"] <= metrics["c_index"] <= metrics["c_index_ci_high"]
    assert out["final_model"]["threshold"] is not None
    # The registered risk model scores new samples: a risk score and a risk group.
    scored = oligomet(
        "predict",
        out["registry_uri"],
        folder / "expression.csv",
        "--output",
        folder / "risk.csv",
    )
    assert scored.exit_code == 0, scored.stderr
    risk = pd.read_csv(folder / "risk.csv", index_col=0)
    assert list(risk.columns) == ["risk_score", "risk_group"]
    assert set(risk["risk_group"]) == {"high", "low"}


def test_survival_needs_a_time_column_without_horizon(oligomet, progression_cohort, user_error):
    folder = progression_cohort
    result = oligomet(
        "train",
        "--expression",
        folder / "expression.csv",
        "--clinical",
        folder / "clinical.csv",
        "--label",
        "event",
        "--time",
        "time",
        "--horizon",
        "5",
        "--model",
        "cox_enet",
    )
    user_error(result, "without --horizon")


def test_models_lists_the_zoo_recipes_and_signatures(oligomet):
    result = oligomet("models", "--json")
    listed = _json(result)
    for name in (
        "logistic_enet",
        "linear_svm",
        "random_forest",
        "xgboost",
        "shrunken_centroid",
        "knn",
        "mir200c",
        "recipe:wuttig11",
        "cox_enet",
        "signature:mir200c",
        "signature:mir200_family",
        "signature:katipally2023",
    ):
        assert name in listed, name
    assert listed["random_forest"]["param_grid"] == {"classifier__min_samples_leaf": [1, 5]}


@pytest.mark.parametrize("model", ["xgboost", "shrunken_centroid", "knn", "linear_svm"])
def test_each_family_trains_registers_and_predicts(oligomet, tmp_path, model, fast):
    expression, clinical = make_cohort(
        n_samples=50, n_features=30, n_informative=3, effect_size=2.0, random_state=1
    )
    expression.to_csv(tmp_path / "expression.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    out = _json(
        oligomet(
            "train",
            "--expression",
            tmp_path / "expression.csv",
            "--clinical",
            tmp_path / "clinical.csv",
            "--label",
            "label",
            "--model",
            model,
            *fast,
            "--json",
        )
    )
    assert out["metrics"]["roc_auc"] > 0.7
    scored = oligomet(
        "predict",
        out["registry_uri"],
        tmp_path / "expression.csv",
        "--output",
        tmp_path / "scores.csv",
    )
    assert scored.exit_code == 0, scored.stderr
    assert len(pd.read_csv(tmp_path / "scores.csv")) == 50


@pytest.mark.parametrize("model", ["random_forest", "recipe:wuttig11"])
def test_tree_and_recipe_models_round_trip(oligomet, tmp_path, model, fast):
    test_each_family_trains_registers_and_predicts(oligomet, tmp_path, model, fast)


def _mirna_cohort(tmp_path, up, down=()):
    """miRNA-named cohort: ``up`` higher in the positive class, then ``down`` lower (make_cohort
    shifts the first half of the informative features up and the rest down)."""
    assert len(down) == len(up) // 2 or len(up) == len(down)
    informative = [*up, *down]
    expression, clinical = make_cohort(
        n_samples=60,
        n_features=30,
        n_informative=len(informative),
        effect_size=2.0,
        feature_prefix="hsa-mir-x",
        informative_names=informative,
        random_state=2,
    )
    expression.to_csv(tmp_path / "mirna.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    return ["--expression", tmp_path / "mirna.csv", "--clinical", tmp_path / "clinical.csv"]


def test_a_signature_trains_with_missing_features_reported(oligomet, tmp_path, fast):
    family = ["hsa-mir-200a", "hsa-mir-200b", "hsa-mir-200c", "hsa-mir-141"]  # no miR-429
    out = _json(
        result := oligomet(
            "train",
            *_mirna_cohort(
                tmp_path, family, ["hsa-mir-9001", "hsa-mir-9002", "hsa-mir-9003", "hsa-mir-9004"]
            ),
            "--label",
            "label",
            "--model",
            "signature:mir200_family",
            *fast,
            "--json",
        )
    )
    assert "signature:mir200_family uses 4 of the features" in result.stderr
    assert "hsa-miR-429" in result.stderr  # the missing one is named
    assert out["metrics"]["roc_auc"] > 0.7
    assert set(out["selection_frequency"]) == set(family)


def test_a_signature_refuses_when_too_few_features_remain(oligomet, tmp_path, user_error):
    result = oligomet(
        "train",
        *_mirna_cohort(tmp_path, ["hsa-mir-200c"], ["hsa-mir-9001"]),
        "--label",
        "label",
        "--model",
        "signature:mir200_family",
    )
    user_error(result, "mir200_family", "only 1 of 5", "hsa-miR-429")
    assert oligomet.runs() == []


def test_a_user_signature_file(oligomet, tmp_path, fast):
    (tmp_path / "mine.csv").write_text(
        "feature,direction\nhsa-mir-21,up\nhsa-mir-155,down\nhsa-mir-x003,up\n"
    )
    out = _json(
        oligomet(
            "train",
            *_mirna_cohort(tmp_path, ["hsa-mir-21"], ["hsa-mir-155"]),
            "--label",
            "label",
            "--model",
            f"signature:{tmp_path / 'mine.csv'}",
            *fast,
            "--json",
        )
    )
    assert out["model"].startswith("signature:")
    assert out["metrics"]["roc_auc"] > 0.7
