"""What tracking needs to save and reload models is discovered, never listed by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from oligomet._registry import all_estimators, model_kinds, trusted_types
from oligomet.datasets import make_cohort
from oligomet.models import available_models, make_model, model_inputs


def _estimators_in(module_names: list[str]) -> set[str]:
    import importlib
    import inspect

    from sklearn.base import BaseEstimator

    found = set()
    for name in module_names:
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == name and issubclass(obj, BaseEstimator):
                found.add(f"{name}.{obj.__qualname__}")
    return found


def test_every_estimator_of_the_library_is_trusted():
    import pkgutil

    import oligomet

    modules = [
        info.name
        for info in pkgutil.walk_packages(oligomet.__path__, prefix="oligomet.")
        if info.name.split(".")[1] not in ("cli", "workflow", "tracking")
        and not info.name.endswith("__main__")
    ]
    expected = _estimators_in(modules)
    assert len(expected) >= 13  # the zoo's own steps, SNF, signatures, Cox, filters
    assert expected <= set(trusted_types())
    assert {f"{c.__module__}.{c.__qualname__}" for c in all_estimators()} == expected


def test_saved_model_kinds_register_themselves():
    kinds = model_kinds()
    assert set(kinds) >= {"classifier", "risk", "subtypes"}
    for name, cls in kinds.items():
        assert cls.kind == name and cls.pyfunc_predict_fn in ("predict", "predict_frame")


def test_importing_tracking_imports_no_model_zoo():
    code = (
        "import sys, oligomet.tracking\n"
        "loaded = [m for m in sys.modules if m.startswith(('oligomet.models', 'oligomet.snf', "
        "'oligomet.workflow', 'oligomet.evaluation', 'mlflow'))]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def counts_cohort():
    # Named so that every shipped signature (the miR-200 family, Katipally's 31 features) and
    # miR-200c are found.
    from oligomet.signatures import load_signature

    family = ["hsa-miR-200c-3p", "hsa-miR-200a-3p", "hsa-miR-200b-3p", "hsa-miR-141-3p"]
    family += load_signature("katipally2023").feature_ids
    expression, clinical = make_cohort(
        n_samples=60,
        n_features=60,
        n_informative=len(family),
        effect_size=2.0,
        feature_prefix="hsa-mir-x",
        informative_names=family,
        random_state=1,
    )
    return expression, clinical["label"].to_numpy()


@pytest.mark.parametrize(
    "name", [n for n in available_models() if n != "cox_enet" and not n.startswith("recipe")]
)
def test_every_fitted_model_holds_only_trusted_types(name, counts_cohort):
    """A skops dump of each fitted zoo model names no type outside the discovered list, so a new
    estimator (or a new third-party part of a pipeline) cannot break reloading unnoticed."""
    import skops.io

    X, y = counts_cohort
    columns, views = model_inputs(name, X.columns, [("mirna", "none", 0, X.shape[1])])
    model = make_model(name, columns, views=views, random_state=0).fit(X[columns], y)
    untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    assert set(untrusted) <= set(trusted_types()), set(untrusted) - set(trusted_types())


def test_recipe_cox_and_snf_hold_only_trusted_types():
    import skops.io
    from sksurv.util import Surv

    from oligomet.models import make_cox_model
    from oligomet.snf import SNF

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 30))
    y = (X[:, 0] > 0).astype(int)
    recipe = make_model("recipe:wuttig11", [f"g{i}" for i in range(30)], random_state=0)
    survival = Surv.from_arrays(rng.random(50) < 0.7, rng.exponential(10, 50))
    cox = make_cox_model([f"g{i}" for i in range(30)], None, 0)
    snf = SNF(n_neighbors=10, n_clusters=2, random_state=0)
    for fitted in (recipe.fit(X, y), cox.fit(X, survival), snf.fit([X[:, :15], X[:, 15:]])):
        untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(fitted))
        assert set(untrusted) <= set(trusted_types()), set(untrusted) - set(trusted_types())
