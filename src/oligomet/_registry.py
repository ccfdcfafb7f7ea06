"""Discover, don't list: oligomet's estimators, the types their saved forms hold, and the kinds of
saved model, all found by walking the library (as scikit-learn's ``all_estimators``).

Library modules declare what they add where they add it:

- every :class:`sklearn.base.BaseEstimator` subclass defined in a library module is found;
- a module whose estimators or pipelines hold third-party objects that skops does not trust by
  default names them in a module-level ``SKOPS_TRUSTED`` tuple (e.g. the XGBoost booster);
- a saved-model class registers itself with :func:`saved_model_kind`.

The tracking layer asks this module (which imports nothing of oligomet at import time), so it never
imports the layers above it, and a new estimator cannot be forgotten in a hand-kept list.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

__all__ = ["all_estimators", "model_kind", "model_kinds", "saved_model_kind", "trusted_types"]

#: Top-level parts of oligomet that are not library code (they sit above tracking or are it).
_NOT_LIBRARY = ("cli", "workflow", "tracking", "__main__")

_KINDS: dict[str, type] = {}

T = TypeVar("T", bound=type)


def saved_model_kind(name: str) -> Callable[[T], T]:
    """Class decorator: register a saved-model class under ``name`` (``"classifier"``, ...).

    A saved-model class holds a fitted scikit-learn ``pipeline`` and a JSON-safe ``metadata``
    dict, names the pipeline method its MLflow pyfunc flavour calls (``pyfunc_predict_fn``), and
    is rebuilt from both with ``from_saved(pipeline, metadata)``.
    """

    def register(cls: T) -> T:
        cls.kind = name
        _KINDS[name] = cls
        return cls

    return register


@cache
def _library_modules() -> tuple[Any, ...]:
    """Every module of the library (not the CLI, workflow or tracking layers), imported."""
    import oligomet

    modules = []
    for info in pkgutil.walk_packages(oligomet.__path__, prefix="oligomet."):
        parts = info.name.split(".")
        if parts[1] in _NOT_LIBRARY or parts[-1] == "__main__":
            continue
        modules.append(importlib.import_module(info.name))
    return tuple(modules)


def all_estimators() -> list[type]:
    """oligomet's scikit-learn estimator classes (transformers, classifiers, clusterers), sorted
    by qualified name."""
    from sklearn.base import BaseEstimator

    found: dict[str, type] = {}
    for module in _library_modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, BaseEstimator):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[name] for name in sorted(found)]


def trusted_types() -> list[str]:
    """Fully qualified names skops must trust to load oligomet's saved pipelines: every estimator
    of :func:`all_estimators` and every name a library module declares in ``SKOPS_TRUSTED``."""
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in all_estimators()}
    for module in _library_modules():
        for item in getattr(module, "SKOPS_TRUSTED", ()):
            names.add(item if isinstance(item, str) else f"{item.__module__}.{item.__qualname__}")
    return sorted(names)


def model_kinds() -> dict[str, type]:
    """Saved-model kinds by name (every library module imported first, so all have registered)."""
    _library_modules()
    return dict(_KINDS)


def model_kind(name: str) -> type:
    """The saved-model class registered as ``name``; KeyError when none is."""
    return model_kinds()[name]
