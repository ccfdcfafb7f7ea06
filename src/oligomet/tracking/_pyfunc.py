"""The ``python_function`` flavour of oligomet's saved models.

MLflow's scikit-learn flavour can only call ``predict``, ``predict_proba`` and two other methods
of a pipeline, so a classifier's ``mlflow.pyfunc`` predictions would come back as a bare
``(n, 2)`` array that does not say which column is which class. oligomet's models are saved by
``mlflow.sklearn`` (same files, same loading) with this module as the pyfunc loader, which calls
the method the model names (``predict_frame`` for a classifier: one probability column per
class, named by the class, and the predicted class).
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOADER_MODULE"]

LOADER_MODULE = __name__


class _PipelinePredictor:
    """What ``mlflow.pyfunc.load_model`` wraps: the pipeline and the method it predicts with."""

    def __init__(self, pipeline, method: str) -> None:
        self.pipeline = pipeline
        self.method = method

    def get_raw_model(self):
        return self.pipeline

    def predict(self, data, params: dict[str, Any] | None = None):
        return getattr(self.pipeline, self.method)(data)


def _load_pyfunc(path: str):
    """Called by ``mlflow.pyfunc.load_model`` with the model's folder."""
    from mlflow.models import Model
    from mlflow.sklearn import _load_pyfunc as load_sklearn

    flavour = Model.load(path).flavors["python_function"]
    pipeline = load_sklearn(path).get_raw_model()
    return _PipelinePredictor(pipeline, flavour.get("oligomet_predict_fn", "predict"))
