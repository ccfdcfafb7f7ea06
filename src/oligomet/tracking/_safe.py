"""Loading only the models oligomet saved itself.

``mlflow.sklearn.load_model`` obeys the model folder's own ``MLmodel``: ``serialization_format:
cloudpickle`` unpickles the file (a pickle runs any code its author wrote into it), and the skops
types to trust are read from the same file. Here oligomet decides both: the scikit-learn flavour
must be serialised with skops, the ``python_function`` loader must be ``mlflow.sklearn`` or
oligomet's own, the folder must carry no code, and skops trusts only
:func:`oligomet._registry.trusted_types` (never the list in the folder). Anything else is refused
with an :class:`~oligomet.InputError` before a byte of the model file is deserialised.
"""

from __future__ import annotations

from pathlib import Path

from .._errors import InputError
from .._registry import trusted_types

__all__ = ["OWN_LOADER_MODULE", "load_pipeline"]

#: oligomet's pyfunc loader (:mod:`oligomet.tracking._pyfunc`), named without importing it.
OWN_LOADER_MODULE = f"{__package__}._pyfunc"
_LOADER_MODULES = ("mlflow.sklearn", OWN_LOADER_MODULE)
_ONLY_OURS = "oligomet loads only the skops models it saved itself"


def _refuse(name: str, found: str, why: str) -> InputError:
    return InputError(f"{name}: {found}; {why}")


def _flavours(folder: Path, name: str) -> dict:
    """The ``flavors`` of the folder's MLmodel (read as data: YAML's safe loader)."""
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    if not (folder / "MLmodel").is_file():
        raise _refuse(name, "no MLmodel file", "it is not a model saved by oligomet")
    try:
        flavours = Model.load(str(folder)).flavors
    except (MlflowException, OSError, ValueError, TypeError) as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise _refuse(
            name, f"unreadable MLmodel ({first})", "it is not a model oligomet saved"
        ) from None
    return flavours if isinstance(flavours, dict) else {}


def _check_description(flavours: dict, name: str) -> dict:
    """The scikit-learn flavour, once the description is one oligomet writes; InputError else."""
    sklearn = flavours.get("sklearn")
    if not isinstance(sklearn, dict):
        raise _refuse(name, "no scikit-learn flavour in its MLmodel", _ONLY_OURS)
    serialisation = sklearn.get("serialization_format", "pickle")  # MLflow's default
    if serialisation != "skops":
        raise _refuse(
            name,
            f"serialised with {serialisation}",
            f"{_ONLY_OURS} (a pickle can run any code when loaded)",
        )
    pyfunc = flavours.get("python_function")
    if pyfunc is not None:
        loader = pyfunc.get("loader_module") if isinstance(pyfunc, dict) else pyfunc
        if loader not in _LOADER_MODULES:
            raise _refuse(
                name,
                f"its python_function loader is {loader!r}",
                f"oligomet loads only models whose loader is {' or '.join(_LOADER_MODULES)} "
                "(a loader module is code that runs when the model is loaded)",
            )
    for flavour_name, flavour in (("sklearn", sklearn), ("python_function", pyfunc)):
        if isinstance(flavour, dict) and flavour.get("code"):
            raise _refuse(
                name,
                f"its {flavour_name} flavour carries code ({flavour['code']!r})",
                "oligomet's models carry none (code shipped with a model runs when it is loaded)",
            )
    return sklearn


def _model_file(folder: Path, sklearn: dict, name: str) -> Path:
    """The skops file the flavour names, which must lie inside the folder."""
    relative = sklearn.get("pickled_model")
    if not isinstance(relative, str) or not relative:
        raise _refuse(name, "no model file named in its MLmodel", _ONLY_OURS)
    root = folder.resolve()
    file = (root / relative).resolve()
    if not file.is_relative_to(root):
        raise _refuse(name, f"its model file {relative!r} lies outside its folder", _ONLY_OURS)
    if not file.is_file():
        raise _refuse(name, f"its model file {relative!r} is missing", "the model is incomplete")
    return file


def load_pipeline(folder: str | Path, name: str | None = None):
    """The scikit-learn pipeline of the model folder ``folder``, loaded with skops and the types
    oligomet trusts; :class:`InputError` (naming ``name``, default the folder) for anything
    oligomet did not save."""
    import zipfile

    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    folder = Path(folder)
    name = name or str(folder)
    sklearn = _check_description(_flavours(folder, name), name)
    file = _model_file(folder, sklearn, name)
    ours = trusted_types()
    try:
        return skops.io.load(file, trusted=ours)
    except UntrustedTypesFoundException:
        untrusted = sorted(set(skops.io.get_untrusted_types(file=file)) - set(ours))
        shown = ", ".join(untrusted[:5]) + (", ..." if len(untrusted) > 5 else "")
        raise _refuse(
            name,
            f"its skops file holds types oligomet does not trust ({shown})",
            "oligomet trusts only the types of its own models, whatever the MLmodel lists",
        ) from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:  # not a skops archive
        first = (str(error).strip().splitlines() or [""])[0]
        raise _refuse(
            name, f"its model file cannot be read by skops ({first})", _ONLY_OURS
        ) from None
