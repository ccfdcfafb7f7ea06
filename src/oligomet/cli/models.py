"""``oligomet models``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ._app import app


@app.command("models")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """List the model names: the zoo, recipes and shipped signatures."""
    from ..models import available_models, param_grid

    models = available_models()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    name: {"description": spec.description, "param_grid": param_grid(name)}
                    for name, spec in models.items()
                },
                indent=2,
            )
        )
        return
    for spec in models.values():
        typer.echo(f"{spec.name}: {spec.description}")
    typer.echo(
        "signature:FILE also takes your own signature (YAML, CSV with feature/weight/direction "
        "columns, or GMT)."
    )
