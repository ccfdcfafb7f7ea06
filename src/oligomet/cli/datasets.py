"""``oligomet datasets list | info ACCESSION | fetch ACCESSION``: published cohorts by accession."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, user_errors
from ._console import echo_err, progress_bars

datasets_app = typer.Typer(
    help="Published cohorts by accession: list them, describe one, fetch one into the cache.",
    no_args_is_help=True,
)
app.add_typer(datasets_app, name="datasets")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Accession = Annotated[str, typer.Argument(help="A catalogue accession, e.g. GSE38698.")]


def _rule(entry) -> str:
    state = "" if entry.label.get("verified") else " [unverified]"
    return f"{entry.label.get('description', '')}{state}"


@datasets_app.command("list")
@user_errors
def list_command(as_json: AsJson = False) -> None:
    """The cohorts oligomet can fetch, with their label rules."""
    from ..datasets import list_datasets

    entries = list_datasets()
    if as_json:
        typer.echo(json.dumps([e.to_dict() for e in entries], indent=2))
        return
    for entry in entries:
        samples = f"{entry.n_samples} samples" if entry.n_samples else "samples: see info"
        typer.echo(f"{entry.accession}  {entry.title}")
        typer.echo(f"  {entry.assay}; {samples}; {entry.disease}")
        typer.echo(f"  label: {_rule(entry)}")


@datasets_app.command("info")
@user_errors
def info_command(accession: Accession, as_json: AsJson = False) -> None:
    """Everything the catalogue says of one cohort."""
    from ..datasets import dataset_info

    entry = dataset_info(accession)
    if as_json:
        typer.echo(json.dumps(entry.to_dict(), indent=2))
        return
    rule = ", ".join(f"{k}={v}" for k, v in entry.label_rule().items())
    lines = [
        f"{entry.accession}: {entry.title}",
        f"disease:   {entry.disease}",
        f"organism:  {entry.organism}",
        f"assay:     {entry.assay}" + (f" ({entry.platform})" if entry.platform else ""),
        f"samples:   {entry.n_samples or 'not verified'}"
        + (f"; {entry.groups}" if entry.groups else ""),
        f"outcome:   {entry.outcome}",
        f"label:     {_rule(entry)}",
        f"           ({rule})",
        *[f"file:      {f.url}  sha256 {f.sha256 or 'pinned on first fetch'}" for f in entry.files],
        f"citation:  {entry.citation}" + (f" doi:{entry.doi}" if entry.doi else ""),
        f"licence:   {entry.licence}",
        f"verified:  {entry.verified}",
    ]
    if entry.embedded:
        lines.append(f"offline:   {entry.embedded}")
    typer.echo("\n".join(lines))


@datasets_app.command("fetch")
@user_errors
def fetch_command(
    accession: Accession,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Cache folder (default OLIGOMET_DATA_DIR, else the platform's cache: "
            "~/.cache/oligomet/datasets on Linux)."
        ),
    ] = None,
    mirror: Annotated[
        str | None,
        typer.Option(
            help="Base URL of a mirror serving the same paths as GEO (default "
            "OLIGOMET_DATASETS_MIRROR)."
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the cache only; never touch the network.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Download a cohort once (resumed if interrupted, verified), and parse it into the cache."""
    from ..datasets import cached_dataset, dataset_info, fetch

    entry = dataset_info(accession)
    if offline:
        echo_err(f"offline: {entry.accession} from the cache only")
    with progress_bars() as bars:
        bar = bars.callback(f"{entry.accession} download")
        progress = None if bar is None else (lambda done, total: bar(done, total or done or 1))
        mdata = fetch(
            entry.accession, cache_dir=cache, mirror=mirror, offline=offline, progress=progress
        )
    path = cached_dataset(entry.accession, cache_dir=cache)
    summary = {
        "accession": entry.accession,
        "path": str(path),
        "n_samples": int(mdata.n_obs),
        "views": {name: int(mod.n_vars) for name, mod in mdata.mod.items()},
        "clinical_columns": [str(c) for c in mdata.obs.columns],
        "sha256": list(mdata.uns["dataset"]["sha256"]),
        "label": entry.label_rule(),
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    views = ", ".join(f"{name} {n} features" for name, n in summary["views"].items())
    typer.echo(f"{entry.accession}: {summary['n_samples']} samples ({views}) in {path}")
    typer.echo(f"train on it: oligomet train --dataset {entry.accession}")
