"""oligomet: molecular signatures of oligo- versus polymetastatic disease.

Ingest expression and clinical tables (:mod:`oligomet.io`), define oligo/poly labels
(:mod:`oligomet.labels`), train and honestly evaluate classifiers (:mod:`oligomet.models`,
:mod:`oligomet.evaluation`) and track them in MLflow (:mod:`oligomet.tracking`).
Subpackages are imported on first use, so ``import oligomet`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import InputError

__version__ = "0.2.0"

_SUBPACKAGES = ("datasets", "evaluation", "io", "labels", "models", "pp", "report", "tracking")

__all__ = ["InputError", "__version__", "load_model", *_SUBPACKAGES]

if TYPE_CHECKING:
    from .models import TrainedClassifier


def load_model(model_uri: str, *, tracking_uri: str | None = None) -> TrainedClassifier:
    """Load a saved classifier (``models:/NAME@ALIAS``, ``runs:/ID/model``, a path).

    The returned :class:`~oligomet.models.TrainedClassifier` predicts on a pandas DataFrame
    (features matched by name, in any order), an AnnData or a MuData. See
    :func:`oligomet.tracking.load_model`.
    """
    from .tracking import load_model as _load

    return _load(model_uri, tracking_uri=tracking_uri)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
