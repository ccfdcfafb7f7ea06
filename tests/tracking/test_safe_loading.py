"""oligomet loads only what it wrote: a skops file holding the types oligomet trusts.

A model folder says how to load it (its MLmodel): ``serialization_format: cloudpickle`` beside a
``model.pkl`` whose ``__reduce__`` runs code would run it on ``oligomet predict``, and a skops
file's trusted types could name ``builtins.eval``. oligomet decides the format and the types
itself and refuses anything else with one line, before deserialising a byte.
"""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from oligomet import InputError, load_model
from oligomet.datasets import make_cohort
from oligomet.tracking import skops_trusted_types
from oligomet.workflow import load_config, train

OWN_LOADER = "oligomet.tracking._pyfunc"


class _Payload:
    """Unpickling this creates the file ``marker``: any code could run in its place."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture(scope="module")
def genuine(_mlflow_template, tmp_path_factory):
    """A classifier trained and registered by oligomet, its model folder and its training X."""
    from mlflow import MlflowClient
    from mlflow.artifacts import download_artifacts

    root = tmp_path_factory.mktemp("genuine")
    store = root / "mlflow.db"
    shutil.copy(_mlflow_template, store)
    tracking_uri = f"sqlite:///{store}"
    expression, clinical = make_cohort(
        n_samples=40, n_features=20, n_informative=5, kind="counts", random_state=3
    )
    expression.to_csv(root / "counts.csv")
    clinical.to_csv(root / "clinical.csv")
    config = load_config(
        values={
            "expression": [{"path": str(root / "counts.csv")}],
            "clinical": [str(root / "clinical.csv")],
            "label.column": "label",
            "cv.n_splits": 3,
            "cv.n_repeats": 1,
            "cv.n_permutations": 0,
            "tracking.tracking_uri": tracking_uri,
            "tracking.registered_name": "safe",
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # artifacts go to root/mlruns
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = train(config)
        source = MlflowClient(tracking_uri=tracking_uri).get_model_version_download_uri("safe", "1")
        folder = download_artifacts(
            artifact_uri=source, dst_path=str(root / "download"), tracking_uri=tracking_uri
        )
    return result, Path(folder), root


def _plant(genuine, tmp_path, edit) -> Path:
    """A copy of the genuine model folder whose MLmodel ``edit`` changes."""
    folder = tmp_path / "planted"
    shutil.copytree(genuine[1], folder)
    description = yaml.safe_load((folder / "MLmodel").read_text())
    edit(description["flavors"], folder)
    (folder / "MLmodel").write_text(yaml.safe_dump(description))
    return folder


def _cloudpickled(loader: str, marker: Path):
    def edit(flavours, folder):
        (folder / "model.pkl").write_bytes(pickle.dumps(_Payload(marker)))
        flavours["sklearn"].update(serialization_format="cloudpickle", pickled_model="model.pkl")
        flavours["python_function"].update(loader_module=loader, model_path="model.pkl")

    return edit


def test_a_genuine_model_loads_and_predicts_identically(genuine):
    import mlflow.pyfunc

    result, folder, _ = genuine
    description = yaml.safe_load((folder / "MLmodel").read_text())
    assert description["flavors"]["sklearn"]["serialization_format"] == "skops"
    assert description["flavors"]["python_function"]["loader_module"] == OWN_LOADER
    X = result.cohort.X
    expected = result.classifier.pipeline.predict_proba(X)
    classifier = load_model(str(folder))
    np.testing.assert_array_equal(classifier.predict_proba(X).to_numpy(), expected)
    predicted = mlflow.pyfunc.load_model(str(folder)).predict(X)
    np.testing.assert_array_equal(
        predicted[["probability_0", "probability_1"]].to_numpy(), expected
    )


def test_a_cloudpickled_model_is_refused_without_running_it(
    genuine, tmp_path, oligomet, user_error
):
    marker = tmp_path / "MARKER"
    folder = _plant(genuine, tmp_path, _cloudpickled("mlflow.sklearn", marker))
    with pytest.raises(InputError, match="serialised with cloudpickle") as refused:
        load_model(str(folder))
    assert str(folder) in str(refused.value) and "pickle can run any code" in str(refused.value)
    assert "\n" not in str(refused.value)
    table = tmp_path / "table.csv"
    genuine[0].cohort.X.to_csv(table)
    result = oligomet("predict", folder, table, "-o", tmp_path / "out.csv")
    user_error(result, "serialised with cloudpickle", str(folder))
    assert not marker.exists()
    assert not (tmp_path / "out.csv").exists()


def test_pyfunc_loading_through_oligomet_refuses_a_cloudpickled_model(genuine, tmp_path):
    import mlflow.pyfunc

    marker = tmp_path / "MARKER"
    folder = _plant(genuine, tmp_path, _cloudpickled(OWN_LOADER, marker))
    with pytest.raises(InputError, match="serialised with cloudpickle"):
        mlflow.pyfunc.load_model(str(folder))
    assert not marker.exists()


def test_the_trusted_types_of_the_model_folder_are_ignored(genuine, tmp_path):
    import mlflow.sklearn
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    def edit(flavours, folder):
        skops.io.dump(FunctionTransformer(func=eval), folder / "model.skops")
        flavours["sklearn"]["pickled_model"] = "model.skops"
        flavours["sklearn"]["skops_trusted_types"] = [
            *skops_trusted_types(),
            "builtins.eval",
        ]

    folder = _plant(genuine, tmp_path, edit)
    # MLflow's own loader trusts what the folder lists ...
    assert mlflow.sklearn.load_model(str(folder)).func is eval
    # ... oligomet only what its own models hold.
    with pytest.raises(InputError, match=r"types oligomet does not trust \(builtins.eval\)"):
        load_model(str(folder))
    with pytest.raises(InputError, match=r"builtins\.eval"):
        mlflow.pyfunc.load_model(str(folder))


@pytest.mark.parametrize("loader", ["os", "mlflow.pyfunc.model", "oligomet.tracking._models"])
def test_a_foreign_pyfunc_loader_is_refused(genuine, tmp_path, loader):
    def edit(flavours, folder):
        flavours["python_function"]["loader_module"] = loader

    folder = _plant(genuine, tmp_path, edit)
    with pytest.raises(InputError, match=re.escape(f"python_function loader is '{loader}'")):
        load_model(str(folder))


@pytest.mark.parametrize(
    ("edit", "found"),
    [
        (lambda f, _: f.pop("sklearn"), "no scikit-learn flavour"),
        (lambda f, _: f["sklearn"].pop("serialization_format"), "serialised with pickle"),
        (lambda f, _: f["sklearn"].update(pickled_model="../../x.skops"), "outside its folder"),
        (lambda f, _: f["python_function"].update(code="code"), "carries code"),
    ],
)
def test_other_descriptions_oligomet_does_not_write_are_refused(genuine, tmp_path, edit, found):
    folder = _plant(genuine, tmp_path, edit)
    with pytest.raises(InputError, match=found):
        load_model(str(folder))
