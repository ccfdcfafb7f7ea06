"""Command-line options built from config fields: one declaration (the field), no per-command map.

A config field that names an option (``option(..., cli="--n-splits")`` in
:mod:`oligomet.workflow._config`) becomes that option, with the field's description as its help;
its value lands on the field's dotted path. Fields of a list of views (``read.expression``) give
the table option itself and options that apply to every table (``--transform``). A config class
may skip fields (``cli_skip``) or reword their help for one command (``cli_help``).

The config classes are read without importing the workflow layer's heavy dependencies (pydantic
only), so ``oligomet --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app, fail, user_errors
from ._console import echo_err, progress_bars

__all__ = [
    "ConfigOption",
    "config_command",
    "config_options",
    "echo_err",
    "fold_bar",
    "parse_overrides",
    "progress_bars",
]


@dataclass(frozen=True)
class ConfigOption:
    """One option and the config field it sets."""

    path: str  # dotted path of the field, e.g. "cv.n_splits"
    flags: tuple[str, ...]
    python_type: Any
    help: str
    multiple: bool = False
    flag_value: Any = None  # a one-way flag (``--no-search``) sets this value
    per_view: bool = False  # applies to each view of ``read.expression``

    @property
    def name(self) -> str:
        return self.path.replace(".", "__").replace("*", "each")


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _option_type(annotation: Any) -> tuple[Any, bool]:
    """The option's Python type and whether it repeats (a list field)."""
    annotation = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return _option_type(item)[0], True
    if origin is typing.Literal:
        return str, False
    if annotation in (int, float, str, bool, Path):
        return annotation, False
    return str, False


def _is_view_list(annotation: Any) -> Any | None:
    """The item model of a ``list[ViewConfig]``-like field, else None."""
    from pydantic import BaseModel

    annotation = _strip_optional(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def config_options(config_cls, prefix: str = "", *, skip=(), help_for=None) -> list[ConfigOption]:
    """Every option of a config class, sections included (depth-first, in field order)."""
    from pydantic import BaseModel

    skip = tuple(skip) or tuple(getattr(config_cls, "cli_skip", ()))
    help_for = help_for if help_for is not None else dict(getattr(config_cls, "cli_help", {}))
    options: list[ConfigOption] = []
    for name, field in config_cls.model_fields.items():
        path = f"{prefix}{name}"
        if path in skip:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        annotation = field.annotation
        section = _strip_optional(annotation)
        if isinstance(section, type) and issubclass(section, BaseModel):
            options += config_options(section, f"{path}.", skip=skip, help_for=help_for)
            continue
        view = _is_view_list(annotation)
        if view is not None:
            options += _view_options(view, path, extra, help_for.get(path, field.description))
            continue
        if "cli" not in extra:
            continue
        python_type, multiple = _option_type(annotation)
        options.append(
            ConfigOption(
                path=path,
                flags=tuple(extra["cli"].split("/"))
                if "--no-" not in extra["cli"]
                else (extra["cli"],),
                python_type=bool
                if "flag_value" in extra or "--no-" in extra["cli"]
                else python_type,
                help=help_for.get(path, field.description or ""),
                multiple=multiple,
                flag_value=extra.get("flag_value"),
            )
        )
    return options


def _view_options(view_cls, path: str, extra: dict, help_text: str | None) -> list[ConfigOption]:
    """The table option of a list of views, and the options that apply to each table."""
    first = view_cls.model_fields["path"]
    flags = tuple(extra.get("cli", first.json_schema_extra["cli"]).split("/"))
    options = [ConfigOption(path, flags, Path, help_text or first.description or "", multiple=True)]
    for name, field in view_cls.model_fields.items():
        cli = (field.json_schema_extra or {}).get("cli")
        if name == "path" or not cli:
            continue
        options.append(
            ConfigOption(
                f"{path}.*.{name}",
                (cli,),
                str,
                f"{field.description} Applies to every {flags[0]} table.",
                per_view=True,
            )
        )
    return options


def _values(options: list[ConfigOption], given: dict[str, Any]) -> dict[str, Any]:
    """Dotted config values for the options that were given."""
    values: dict[str, Any] = {}
    per_view = {o.path.rsplit(".", 1)[1]: given[o.name] for o in options if o.per_view}
    per_view = {key: value for key, value in per_view.items() if value is not None}
    tables = [o for o in options if o.python_type is Path and o.multiple and not o.per_view]
    for option in options:
        value = given.get(option.name)
        if option.per_view or value is None or (option.multiple and not value):
            continue
        if option.flag_value is not None:
            if value:
                values[option.path] = option.flag_value
            continue
        if option in tables and _is_views(option):
            values[option.path] = [{"path": str(p), **per_view} for p in value]
        elif option.python_type is Path:
            values[option.path] = [str(p) for p in value] if option.multiple else str(value)
        else:
            values[option.path] = list(value) if option.multiple else value
    if per_view and not any(_is_views(o) and given.get(o.name) for o in tables):
        shown = ", ".join(f"--{key}" for key in per_view)
        fail(f"{shown} apply to --expression tables; give --expression too")
    return values


def _is_views(option: ConfigOption) -> bool:
    return option.path.endswith("expression")


def parse_overrides(args: list[str]) -> dict[str, str]:
    """``--cv.n_splits 3 --label.column event`` -> ``{"cv.n_splits": "3", ...}``."""
    overrides: dict[str, str] = {}
    position = 0
    while position < len(args):
        key = args[position]
        if not key.startswith("--") or "." not in key:
            fail(f"unexpected argument {key!r}; dotted overrides look like --cv.n_splits 3")
        key = key[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            position += 1
        else:
            if position + 1 >= len(args):
                fail(f"override --{key} needs a value")
            value = args[position + 1]
            position += 2
        overrides[key.replace("-", "_")] = value
    return overrides


def _parameter(option: ConfigOption) -> inspect.Parameter:
    if option.flag_value is not None:
        default, annotation = typer.Option(False, *option.flags, help=option.help), bool
    elif option.python_type is bool:
        default, annotation = typer.Option(None, *option.flags, help=option.help), bool | None
    elif option.multiple:
        annotation = list[option.python_type] | None
        default = typer.Option(None, *option.flags, help=option.help)
    else:
        annotation = option.python_type | None
        default = typer.Option(None, *option.flags, help=option.help)
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="YAML config; options given here override it, dotted overrides (--cv.n_splits 3) "
        "last.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _check_tracking_environment(config) -> None:
    """``MLFLOW_TRACKING_URI``, where no ``--tracking-uri`` replaces it, refused at once if MLflow
    cannot keep runs there (the config checks only a URI it is given; MLflow would refuse it
    when the run opens, after the work)."""
    import os

    tracking = getattr(config, "tracking", None)
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if tracking is None or tracking.tracking_uri or not uri:
        return
    from .._names import tracking_uri_problem

    problem = tracking_uri_problem(uri)
    if problem:
        fail(f"MLFLOW_TRACKING_URI: {problem}")


def config_command(
    name: str,
    config_path: str,
    *,
    help: str,
    arguments: list[inspect.Parameter] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``oligomet NAME``: the options of a config class, ``--config``, ``--json`` and
    dotted overrides, resolved into the config and passed to the decorated function.

    ``config_path`` names the class as ``"module:Class"`` (imported lazily, pydantic only). The
    decorated function gets ``config`` (resolved), ``as_json`` and the ``arguments``.
    """
    module_name, class_name = config_path.split(":")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        import importlib

        config_cls = getattr(importlib.import_module(module_name), class_name)
        options = config_options(config_cls)
        seen: dict[str, str] = {}
        for option in options:
            for flag in option.flags:
                if flag in seen:
                    raise RuntimeError(f"{name}: {flag} is both {seen[flag]} and {option.path}")
                seen[flag] = option.path

        @user_errors
        def command(**given: Any) -> None:
            from ..workflow._load import check_input_files, load_config

            ctx: typer.Context = given.pop("ctx")
            config_file, as_json = given.pop("config_file"), given.pop("as_json")
            bound = {p.name: given.pop(p.name) for p in arguments}
            values = _values(options, given)
            resolved = load_config(
                config_file, values=values, overrides=parse_overrides(ctx.args), model=config_cls
            )
            check_input_files(resolved)  # before the command imports the heavy libraries
            _check_tracking_environment(resolved)
            function(resolved, as_json=as_json, **bound)

        parameters = [
            inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context),
            *arguments,
            *(_parameter(option) for option in options),
            inspect.Parameter(
                "config_file", inspect.Parameter.KEYWORD_ONLY, annotation=ConfigFile, default=None
            ),
            inspect.Parameter(
                "as_json", inspect.Parameter.KEYWORD_ONLY, annotation=AsJson, default=False
            ),
        ]
        command.__signature__ = inspect.Signature(parameters)
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        command.__doc__ = help
        command.__name__ = name
        app.command(
            name, context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
        )(command)
        return function

    return register


def print_result(result, as_json: bool) -> None:
    """``--json``: the result's ``to_dict()``; otherwise its own table."""
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        result.print_summary()


@contextlib.contextmanager
def fold_bar(label: str = "fold fits"):
    """A progress bar of outer-fold fits (real outcome and permutations) on a terminal's stderr;
    yields the ``progress(done, total)`` callback the executors drive, or None when nothing is
    drawn (not a terminal, ``--quiet``). See :class:`~oligomet.cli._console.ProgressBars`."""
    with progress_bars() as bars:
        yield bars.callback(label)


def positional(name: str, annotation: Any) -> inspect.Parameter:
    """A positional argument of a config command (``MODEL_URI``)."""
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
