"""What leaves with a saved model: its input example is no training patient's values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import make_cohort
from oligomet.workflow._cohort import input_example


def _shared_values(example: pd.DataFrame, X: pd.DataFrame) -> list[str]:
    """Features in which the example's value is some training sample's value."""
    row = example.iloc[0]
    return [column for column in X.columns if (X[column].to_numpy() == row[column]).any()]


@pytest.mark.parametrize("n_samples", [1, 2, 3, 51])
def test_the_input_example_is_no_sample_value_in_any_feature(n_samples):
    rng = np.random.default_rng(n_samples)
    X = pd.DataFrame(
        {
            "continuous": rng.normal(size=n_samples),
            "counts": rng.poisson(3, size=n_samples).astype(float),
            "constant": np.full(n_samples, 7.0),
            "two_values": np.tile([0.0, 1.0], n_samples)[:n_samples],
        }
    )
    example = input_example(X)
    assert list(example.columns) == list(X.columns) and example.index.tolist() == ["training_mean"]
    assert _shared_values(example, X) == []
    # A median, as before, would give one patient's value in every feature.
    if n_samples % 2:
        assert _shared_values(X.median().to_frame().T, X) == list(X.columns)


def test_a_saved_model_carries_no_patient_value(tracking_uri, tmp_path):
    """The example saved with the model (MLflow's input_example.json) on raw counts, 51 samples:
    with medians every value was a patient's."""
    from mlflow.models import Model

    from oligomet.tracking import load_model
    from oligomet.workflow import load_config, train

    expression, clinical = make_cohort(
        n_samples=51, n_features=15, n_informative=3, kind="counts", random_state=5
    )
    expression.to_csv(tmp_path / "counts.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    config = load_config(
        values={
            "read.expression": [{"path": str(tmp_path / "counts.csv")}],
            "read.clinical": [str(tmp_path / "clinical.csv")],
            "label.column": "label",
            "cv.n_splits": 3,
            "cv.n_repeats": 1,
            "cv.n_permutations": 0,
            "model.search": False,
            "tracking.tracking_uri": tracking_uri,
            "tracking.registered_name": "privacy",
            "tracking.alias": "checked",
        }
    )
    train(config)
    model = load_model("models:/privacy@checked", tracking_uri=tracking_uri)
    folder = tmp_path / "model"
    from oligomet.tracking._models import _local_copy

    path = _local_copy("models:/privacy@checked", tracking_uri, str(folder))
    example = Model.load(str(path)).load_input_example(str(path))
    assert list(example.columns) == model.feature_names
    assert _shared_values(example, expression[model.feature_names]) == []
