"""The ``python_function`` flavour of oligomet's saved models.

MLflow's scikit-learn flavour can only call ``predict``, ``predict_proba`` and two other methods
of a pipeline, so a classifier's ``mlflow.pyfunc`` predictions would come back as a bare
``(n, 2)`` array that does not say which column is which class. oligomet's models are saved by
``mlflow.sklearn`` (same files) with this module as the pyfunc loader, which calls the method the
model names (``predict_frame`` for a classifier: one probability column per class, named by the
class, and the predicted class). It loads through :func:`oligomet.tracking._safe.load_pipeline`
(skops and oligomet's own trusted types), never ``mlflow.sklearn``'s loader, which would unpickle
whatever the folder's MLmodel says.
"""

from __future__ import annotations

import os
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
    """Called by ``mlflow.pyfunc.load_model`` with the model's folder (or a file in it)."""
    from mlflow.models import Model

    from ._safe import load_pipeline

    folder = os.path.dirname(path) if os.path.isfile(path) else path
    pipeline = load_pipeline(folder)  # InputError unless oligomet saved it
    flavour = Model.load(folder).flavors["python_function"]
    return _PipelinePredictor(pipeline, flavour.get("oligomet_predict_fn", "predict"))
