"""examples/quickstart.ipynb executes from a clean kernel, as a reader would run it.

The notebook is committed without outputs; this test runs it fresh (nbclient, a kernel on this
interpreter), with the working directory and the MLflow store in tmp_path, and checks what a reader
should see: no errors, the result tables (``_repr_html_``), the plots, predictions written into an
AnnData's ``obs``, and no tracking files anywhere but the store it was given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
NOTEBOOK = EXAMPLES / "quickstart.ipynb"
KERNEL_NAME = "oligomet-test-python"
TRACKING_FILES = ("mlflow.db", "mlruns", "mlartifacts")

# Run after the notebook, in its kernel: what the reader's objects hold.
PROBE = """
import json as _json
_columns = ["oligomet_probability", "oligomet_prediction"]
print("PROBE" + _json.dumps({
    "obs_columns": [str(c) for c in adata.obs.columns],
    "n_obs": int(adata.n_obs),
    "n_filled": {c: int(adata.obs[c].notna().sum()) for c in _columns if c in adata.obs},
    "prediction_dtype": str(adata.obs["oligomet_prediction"].dtype),
    "categories": [str(c) for c in adata.obs["oligomet_prediction"].cat.categories],
    "classes": [model.negative_name, model.positive_name],
    "tracking_uri": tracking_uri,
    "registry_uri": result.registry_uri,
}))
"""


def _kernel_manager(spec_dir: Path):
    """A kernel on this interpreter, whatever ``python3`` kernels the machine has installed."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    folder = spec_dir / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "oligomet tests",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def _inject_parameters(nb, values: dict[str, object]):
    """Put a cell of values after the cell tagged ``parameters``, as papermill does."""
    import nbformat

    index = next(
        i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", [])
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)


def _outputs(nb, key: str) -> list[str]:
    """Every output of the executed notebook holding ``key`` (a MIME type, or "stream")."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if key == "stream" and output["output_type"] == "stream":
                found.append(output["text"])
            elif key in output.get("data", {}):
                found.append(output["data"][key])
    return found


def _tracking_files(folder: Path) -> dict[Path, float]:
    """MLflow's default store files in ``folder``, with their modification times."""
    return {path: path.stat().st_mtime for name in TRACKING_FILES for path in folder.glob(name)}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.ipynb")), ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    """Stale numbers never sit in the repository: the tests show the current ones."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert sum("parameters" in cell.metadata.get("tags", []) for cell in code) == 1


@pytest.mark.slow
def test_quickstart_notebook_runs(tmp_path, tmp_path_factory, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    workdir = tmp_path / "cwd"
    store = tmp_path / "store"
    workdir.mkdir()
    repo_before = {**_tracking_files(REPO_ROOT), **_tracking_files(EXAMPLES)}
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    _inject_parameters(nb, {"store_dir": str(store)})
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    km = _kernel_manager(tmp_path_factory.mktemp("kernels"))
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(workdir)}})
    # The kernel manager is ours, so nbclient would leave the kernel running: ask it to stop it.
    # On the first error, CellExecutionError names the cell.
    client.execute(cleanup_kc=True)

    errors = [
        output
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    assert not errors, errors

    html = "\n".join(_outputs(nb, "text/html"))
    assert "<h4>" in html and "<table" in html and "ROC AUC" in html  # Rendered._repr_html_
    assert len(_outputs(nb, "image/png")) >= 2, "the ROC and calibration figures"

    probe_line = next(
        line
        for text in _outputs(nb, "stream")
        for line in text.splitlines()
        if line.startswith("PROBE")
    )
    probe = json.loads(probe_line[len("PROBE") :])
    assert probe["n_filled"] == dict.fromkeys(
        ["oligomet_probability", "oligomet_prediction"], probe["n_obs"]
    )
    assert probe["prediction_dtype"] == "category"
    assert probe["categories"] == probe["classes"]
    assert probe["tracking_uri"] == f"sqlite:///{store.resolve() / 'mlflow.db'}"
    assert probe["registry_uri"] == "models:/quickstart-enet@candidate"
    # What the reader sees: the obs table with the predictions.
    shown = [text for text in _outputs(nb, "text/plain") if "oligomet_prediction" in text]
    assert shown and any(name in shown[0] for name in probe["classes"]), shown

    # The store holds the runs and artifacts; nothing tracking-related appeared anywhere else.
    assert (store / "mlflow.db").is_file() and any((store / "mlruns").iterdir())
    assert not _tracking_files(workdir) and not any(workdir.iterdir())
    assert {**_tracking_files(REPO_ROOT), **_tracking_files(EXAMPLES)} == repo_before
