"""External validation and the Wuttig recipe on TCGA KIRC miRNA, from the command line.

Done-when items: a model trained on one half of ``tcga_kirc_mirna`` validates on the other half
through ``oligomet evaluate``; ``recipe:wuttig11`` runs on the same cohort (M1 vs M0 standing in
for few vs many metastases) and reports how often each miRNA was chosen across folds.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.realdata

M_LABEL = ["--label", "pathologic_M", "--positive", "M1", "--negative", "M0"]


@pytest.fixture(scope="module")
def kirc_halves(shared_data, tmp_path_factory):
    """The KIRC miRNA table split into two halves, stratified on M status (seeded)."""
    folder = shared_data / "tcga_kirc_mirna"
    expression = pd.read_csv(folder / "KRCCC__KIDNEY_Mirna_Expression.txt", sep="\t", index_col=0)
    status = pd.read_csv(folder / "KRCCC__pathologic_M.txt", sep="\t", index_col=0).iloc[:, 0]
    status = status.reindex(expression.columns)
    rng = np.random.default_rng(2026)
    first = []
    for value in sorted(status.fillna("NA").unique()):
        members = status.index[status.fillna("NA") == value].to_numpy()
        rng.shuffle(members)
        first.extend(members[: len(members) // 2])
    second = [s for s in expression.columns if s not in set(first)]
    out = tmp_path_factory.mktemp("kirc")
    paths = {"a": out / "kirc_half_a.tsv", "b": out / "kirc_half_b.tsv"}
    expression[first].to_csv(paths["a"], sep="\t")
    expression[second].to_csv(paths["b"], sep="\t")
    # Half B without ten of the model's miRNAs, for the missing-feature error.
    expression[second].iloc[10:].to_csv(out / "kirc_half_b_partial.tsv", sep="\t")
    paths["b_partial"] = out / "kirc_half_b_partial.tsv"
    paths["clinical"] = folder / "KRCCC__pathologic_M.txt"
    paths["n_b"] = (status[second] == "M1").sum(), (status[second] == "M0").sum()
    return paths


def _json(result):
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


def test_a_model_trained_on_one_half_validates_on_the_other(oligomet, kirc_halves):
    trained = _json(
        oligomet(
            "train",
            "--expression",
            kirc_halves["a"],
            "--clinical",
            kirc_halves["clinical"],
            *M_LABEL,
            "--model",
            "logistic_enet",
            "--n-splits",
            "3",
            "--n-repeats",
            "1",
            "--n-permutations",
            "1",
            "--name",
            "kirc-half-a",
            "--alias",
            "candidate",
            "--json",
        )
    )
    assert trained["registry_uri"] == "models:/kirc-half-a@candidate"
    result = oligomet(
        "evaluate",
        "models:/kirc-half-a@candidate",
        "--expression",
        kirc_halves["b"],
        "--clinical",
        kirc_halves["clinical"],
        *M_LABEL,
        "--n-bootstrap",
        "200",
        "--json",
    )
    out = _json(result)
    n_m1, n_m0 = kirc_halves["n_b"]
    assert (out["labels"]["n_positive"], out["labels"]["n_negative"]) == (n_m1, n_m0)
    overlap = out["feature_overlap"]
    assert overlap["n_missing"] == 0 and overlap["n_found"] == overlap["n_model_features"] == 791
    metrics = out["metrics"]
    assert 0 <= metrics["roc_auc_ci_low"] <= metrics["roc_auc"] <= metrics["roc_auc_ci_high"] <= 1
    assert 0 < metrics["auc_p_value"] < 1
    assert metrics["n_samples"] == n_m1 + n_m0
    assert "feature overlap: 791 of the model's 791 features found" in result.stderr
    # The validation run is tracked, points at the model and its training run, with plots.
    from mlflow import MlflowClient

    run = next(r for r in oligomet.runs() if r.info.run_id == out["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["oligomet.command"] == "evaluate"
    assert run.data.tags["oligomet.training_run_id"] == trained["run_id"]
    assert run.data.tags["oligomet.dataset_digest"] == out["dataset_digest"]
    client = MlflowClient(oligomet.tracking_uri)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {
        "evaluation/roc.png",
        "evaluation/calibration.png",
        "evaluation/confusion.png",
        "evaluation/feature_overlap.json",
    } <= artifacts
    # Without --label, the model's own label rule is used.
    default = _json(
        oligomet(
            "evaluate",
            "models:/kirc-half-a@candidate",
            "--expression",
            kirc_halves["b"],
            "--clinical",
            kirc_halves["clinical"],
            "--n-bootstrap",
            "200",
            "--json",
        )
    )
    assert default["metrics"]["roc_auc"] == pytest.approx(metrics["roc_auc"])


def test_evaluate_refuses_a_cohort_missing_model_features(oligomet, kirc_halves, user_error):
    _json(
        oligomet(
            "train",
            "--expression",
            kirc_halves["a"],
            "--clinical",
            kirc_halves["clinical"],
            *M_LABEL,
            "--n-splits",
            "3",
            "--n-repeats",
            "1",
            "--n-permutations",
            "0",
            "--no-search",
            "--name",
            "kirc-partial",
            "--json",
        )
    )
    n_runs = len(oligomet.runs())
    result = oligomet(
        "evaluate",
        "models:/kirc-partial/1",
        "--expression",
        kirc_halves["b_partial"],
        "--clinical",
        kirc_halves["clinical"],
        *M_LABEL,
    )
    user_error(result, "kirc_half_b_partial.tsv", "10 of the model's 791 features are absent")
    assert len(oligomet.runs()) == n_runs  # no run left behind


def test_wuttig_recipe_reports_its_eleven_mirnas_across_folds(oligomet, shared_data):
    folder = shared_data / "tcga_kirc_mirna"
    result = oligomet(
        "train",
        "--expression",
        folder / "KRCCC__KIDNEY_Mirna_Expression.txt",
        "--clinical",
        folder / "KRCCC__pathologic_M.txt",
        *M_LABEL,
        "--model",
        "recipe:wuttig11",
        "--n-splits",
        "5",
        "--n-repeats",
        "2",
        "--n-permutations",
        "1",
        "--json",
    )
    out = _json(result)
    frequency = out["selection_frequency"]
    n_folds = out["n_outer_folds"]
    assert n_folds == 10
    # Every fold chose exactly 11 miRNAs (frequencies are fractions of folds).
    assert sum(frequency.values()) * n_folds == pytest.approx(11 * n_folds)
    assert len(frequency) >= 11
    assert all(name.startswith("hsa-") for name in frequency)
    values = list(frequency.values())
    assert values == sorted(values, reverse=True)  # most often chosen first
    assert values[0] >= 0.5  # a core of miRNAs recurs; the rest varies fold to fold
    assert "most often selected across the 10 outer folds" not in result.stdout  # JSON only
    m = out["metrics"]
    # M stage is a weak stand-in; the recipe need not beat chance here (see experiments/).
    assert m["roc_auc_ci_low"] <= m["roc_auc"] <= m["roc_auc_ci_high"]
