"""What a researcher sees in ``oligomet ui`` after ``oligomet train``: runs, AUCs, ROC plot, alias.

Two runs are trained into a fresh store, ``oligomet ui`` serves it on a free loopback port (a
subprocess, always stopped with all its workers), the REST API the UI reads is checked, then the
pages are rendered in headless Chromium (tests/ui/_browser.py) and screenshotted:
the experiment's runs, a run with its metrics, its ROC plot, the comparison of the two runs and
the registered model with its alias.

MLflow 3.17 facts this test relies on (found by reading its UI bundle and loading the pages):

- ``#/experiments/ID`` opens the GenAI overview unless ``?workflowType=machine_learning`` is in
  the URL (or the browser's own "Model training" switch was used): the experiment tag
  ``mlflow.experimentKind`` is not read for that in 3.17.
- The runs table shows no metric column by default; a saved view (experiment tag
  ``mlflow.sharedViewState.KEY``) opened with ``?viewStateShareKey=KEY`` chooses the columns.
- A run's page lists every metric at full precision (JavaScript's number formatting); the
  comparison page rounds them (``Utils.formatMetric``: 3 decimals below 10).
- The artifact view ``#/experiments/ID/runs/RUN/artifacts/PATH`` shows a PNG as an ``<img>``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from oligomet.datasets import make_cohort


def _browser_helpers():
    """tests/ui/_browser.py, by its package name when the repository root is on sys.path."""
    try:
        from tests.ui import _browser
    except ImportError:  # `pytest` started without the root on sys.path: load the file itself
        spec = importlib.util.spec_from_file_location(
            "_oligomet_ui_browser", Path(__file__).with_name("_browser.py")
        )
        _browser = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = _browser
        spec.loader.exec_module(_browser)
    return _browser


browser = _browser_helpers()

MODEL_NAME = "oligomet-ui-check"
ALIAS = "candidate"
KEY_METRICS = ("roc_auc", "pr_auc", "balanced_accuracy", "permuted_roc_auc")


# --------------------------------------------------------------------------------------------
# How the MLflow UI writes numbers


def js_number(value: float) -> str:
    """``String(value)`` in JavaScript: how a run's page shows a metric (full precision)."""
    value = float(value)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    if 1e-6 <= abs(value) < 1e21:
        import numpy as np

        return np.format_float_positional(value, unique=True, trim="-")
    mantissa, exponent = repr(value).split("e")
    return f"{mantissa}e{int(exponent):+d}"


def _js_round(value: float) -> float:
    """JavaScript's ``Math.round``: halves round up (towards +infinity)."""
    floor = math.floor(value)
    return float(floor + 1 if value - floor >= 0.5 else floor)


def mlflow_format_metric(value: float) -> str:
    """MLflow 3.17's ``Utils.formatMetric``: how the comparison page shows a metric."""
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        mantissa, exponent = f"{value:.3e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    for limit, scale in ((10, 1e3), (100, 1e2)):
        if abs(value) < limit:
            return js_number(_js_round(value * scale) / scale)
    return js_number(_js_round(value * 10) / 10)


def test_number_formats_match_javascript():
    assert js_number(0.9988425925925926) == "0.9988425925925926"
    assert js_number(1.0) == "1" and js_number(60.0) == "60"
    assert js_number(5e-05) == "0.00005" and js_number(1e-07) == "1e-7"
    assert mlflow_format_metric(0.9988425925925926) == "0.999"
    assert mlflow_format_metric(0.9097222222222222) == "0.91"
    assert mlflow_format_metric(11.744317818410241) == "11.74"
    assert mlflow_format_metric(140.2337) == "140.2"
    assert mlflow_format_metric(0.0005) == "5.000e-4"
    assert mlflow_format_metric(-0.2761939203161417) == "-0.276"


# --------------------------------------------------------------------------------------------
# A store with two runs, and the UI serving it


@dataclass
class Trained:
    tracking_uri: str
    runs: list[dict]  # `oligomet train --json` of each run, in training order


@pytest.fixture
def trained(oligomet, tmp_path) -> Trained:
    """Two quick runs (two models, one registered name; the alias ends on the second)."""
    expression, clinical = make_cohort(
        n_samples=60, n_features=40, n_informative=6, effect_size=1.0, random_state=0
    )
    expression.T.to_csv(tmp_path / "expression.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    runs = []
    for model, seed in (("logistic_enet", "1"), ("linear_svm", "2")):
        result = oligomet(
            "train",
            "-e",
            tmp_path / "expression.csv",
            "-c",
            tmp_path / "clinical.csv",
            "--label",
            "label",
            "--model",
            model,
            "--seed",
            seed,
            "--n-splits",
            "3",
            "--n-repeats",
            "1",
            "--n-permutations",
            "2",
            "--name",
            MODEL_NAME,
            "--alias",
            ALIAS,
            "--json",
        )
        assert result.exit_code == 0, (result.output, result.stderr)
        runs.append(json.loads(result.stdout))
    return Trained(oligomet.tracking_uri, runs)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (Linux /proc), including those in sessions of their own."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _stop(process: subprocess.Popen) -> None:
    """Stop ``oligomet ui`` and the MLflow server it started (a process group of its own).

    SIGTERM lets ``oligomet ui`` stop its server's group cleanly; whatever is still alive after
    that (the server's workers included) is killed.
    """
    below = _descendants(process.pid)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for pid in below:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _get(base: str, endpoint: str, **params) -> dict:
    url = f"{base}{endpoint}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _post(base: str, endpoint: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}{endpoint}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def mlflow_ui(trained, tmp_path):
    """``oligomet ui`` serving the trained store on a free loopback port: its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    command = [sys.executable, "-m", "oligomet.cli", "ui"]
    command += ["--backend-store-uri", trained.tracking_uri]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log_path = tmp_path / "ui.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"oligomet ui exited ({process.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"oligomet ui did not answer on {base}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        _stop(process)


# --------------------------------------------------------------------------------------------
# The test


@pytest.mark.slow
def test_mlflow_ui_shows_runs_metrics_roc_plot_and_alias(trained, mlflow_ui, tmp_path):
    base = mlflow_ui
    first, second = trained.runs

    # -- REST API: what every page of the UI is built from ----------------------------------
    experiments = _get(base, "/api/2.0/mlflow/experiments/search", max_results=100)
    found = _post(
        base,
        "/api/2.0/mlflow/runs/search",
        {"experiment_ids": [e["experiment_id"] for e in experiments["experiments"]]},
    )
    runs = {run["info"]["run_id"]: run for run in found["runs"]}
    assert set(runs) == {first["run_id"], second["run_id"]}
    (experiment_id,) = {run["info"]["experiment_id"] for run in runs.values()}
    metrics = {}
    for trained_run in trained.runs:
        run = runs[trained_run["run_id"]]
        assert run["info"]["status"] == "FINISHED"
        logged = {m["key"]: m["value"] for m in run["data"]["metrics"]}
        assert set(KEY_METRICS) <= set(logged), sorted(logged)
        for name in KEY_METRICS:
            assert 0 <= logged[name] <= 1, (name, logged[name])
        assert logged["roc_auc"] == pytest.approx(trained_run["metrics"]["roc_auc"], abs=1e-12)
        metrics[trained_run["run_id"]] = logged
        listed = _get(
            base, "/api/2.0/mlflow/artifacts/list", run_id=trained_run["run_id"], path="evaluation"
        )
        assert "evaluation/roc.png" in {f["path"] for f in listed.get("files", [])}, listed
    # `oligomet ui` said where the runs table with the key metrics is (MLflow 3 opens an
    # experiment on its GenAI overview), and the registered model says what it is.
    from oligomet.tracking._client import runs_page_url

    printed = ""
    for _ in range(40):
        printed = (tmp_path / "ui.log").read_text()
        if runs_page_url(base, experiment_id) in printed:
            break
        time.sleep(0.25)
    assert runs_page_url(base, experiment_id) in printed, printed
    registered = _get(base, "/api/2.0/mlflow/registered-models/get", name=MODEL_NAME)
    assert "ROC AUC" in registered["registered_model"]["description"]
    aliases = {a["alias"]: a["version"] for a in registered["registered_model"].get("aliases", [])}
    assert ALIAS in aliases, registered
    version = _get(
        base, "/api/2.0/mlflow/model-versions/get", name=MODEL_NAME, version=aliases[ALIAS]
    )
    assert version["model_version"]["run_id"] == second["run_id"]

    # -- The pages, in headless Chromium -----------------------------------------------------
    browser.skip_unless_browser()
    # Set OLIGOMET_UI_SCREENSHOTS=FOLDER to keep the screenshots (e.g. as CI artifacts).
    shots = Path(os.environ.get("OLIGOMET_UI_SCREENSHOTS") or tmp_path / "screenshots")
    names = {run_id: run["info"]["run_name"] for run_id, run in runs.items()}
    experiment = f"{base}/#/experiments/{experiment_id}"
    with browser.Browser(viewport=(1600, 1000)) as chromium:
        # The experiment, opened on its runs (not on MLflow's GenAI overview).
        page = chromium.capture(
            f"{experiment}?workflowType=machine_learning",
            shots / "runs.png",
            wait_for_text=list(names.values()),
        )
        assert not page.missing_text, (page.missing_text, page.url, page.text[:2000])
        assert f"/experiments/{experiment_id}/runs" in page.url
        assert browser.screenshot_is_not_blank(page.screenshot), browser.image_spread(
            page.screenshot
        )

        # The runs table with the key metrics as columns: the saved view oligomet puts on its
        # experiments, opened from the page `oligomet ui` prints (no set-up here).
        from oligomet.tracking._client import runs_page_url

        aucs = [js_number(values["roc_auc"]) for values in metrics.values()]
        page = chromium.capture(
            runs_page_url(base, experiment_id),
            shots / "runs_key_metrics.png",
            wait_for_text=["roc_auc", "null_roc_auc", "permutation_p", *aucs],
        )
        assert not page.missing_text, (page.missing_text, page.url, page.text[:3000])
        assert browser.screenshot_is_not_blank(page.screenshot)

        # One run: its metrics, AUC at full precision.
        run_id = first["run_id"]
        run_page = f"{experiment}/runs/{run_id}"
        expected = [js_number(metrics[run_id][name]) for name in KEY_METRICS]
        page = chromium.capture(
            run_page, shots / "run.png", wait_for_text=[names[run_id], *KEY_METRICS, *expected]
        )
        assert not page.missing_text, (page.missing_text, page.url, page.text[:3000])
        assert browser.screenshot_is_not_blank(page.screenshot), browser.image_spread(
            page.screenshot
        )

        # Its ROC plot, as the artifact view shows it: the PNG decoded at its own size, on screen.
        roc = shots / "roc_artifact.png"
        query = urllib.parse.urlencode({"path": "evaluation/roc.png", "run_uuid": run_id})
        with urllib.request.urlopen(f"{base}/get-artifact?{query}", timeout=30) as response:
            roc.write_bytes(response.read())
        from PIL import Image

        with Image.open(roc) as image:
            roc_size = image.size

        def plot_shown(page):
            page.wait_for_function(
                "([w, h]) => [...document.images].some("
                "(img) => img.naturalWidth === w && img.naturalHeight === h)",
                arg=list(roc_size),
                timeout=30_000,
            )

        page = chromium.capture(
            f"{run_page}/artifacts/evaluation/roc.png",
            shots / "run_roc.png",
            wait_for_text=["evaluation/roc.png"],
            action=plot_shown,
        )
        plots = [
            image
            for image in page.images
            if (image.natural_width, image.natural_height) == roc_size and image.width > 100
        ]
        assert plots, (roc_size, page.images)
        assert browser.screenshot_is_not_blank(page.screenshot, box=plots[0].box)

        # The two runs compared: each run's AUC, rounded as the comparison shows it.
        compare = f"{base}/#/compare-runs?" + urllib.parse.urlencode(
            {"runs": json.dumps(list(names)), "experiments": json.dumps([experiment_id])}
        )
        rows: dict[str, list[str]] = {}

        def read_metric_rows(page):
            for name in KEY_METRICS:
                rows[name] = _metric_row(page, name, sorted(metrics[first["run_id"]]))

        page = chromium.capture(
            compare,
            shots / "compare.png",
            wait_for_text=["Metrics", *names.values()],
            action=read_metric_rows,
        )
        assert not page.missing_text, (page.missing_text, page.url)
        for name in KEY_METRICS:
            shown = [mlflow_format_metric(metrics[run_id][name]) for run_id in names]
            assert rows[name] == shown, (name, rows[name], shown)
        assert browser.screenshot_is_not_blank(page.screenshot)

        # The registered model: the alias on the version of the second run.
        page = chromium.capture(
            f"{base}/#/models/{urllib.parse.quote(MODEL_NAME)}",
            shots / "model.png",
            wait_for_text=[f"Version {aliases[ALIAS]}", ALIAS],
        )
        assert not page.missing_text, (page.missing_text, page.url, page.text[:2000])
        listing = page.text.split(f"Version {aliases[ALIAS]}", 1)[1].split("Version ", 1)[0]
        assert f"@ {ALIAS}" in " ".join(listing.split()), listing  # "@\xa0candidate"


# The comparison page lists metrics in two virtualised grids (only the rows near the view exist in
# the page): one of names, clipped, and one of values, which scrolls; the names follow the values
# when the mouse wheel turns over them, as a user does, but one wheel step late (MLflow 3.17),
# so names and values on screen can be a row or two apart. Turn the wheel until the metric's
# name is rendered, then read the values at the same height of the grids' content.
_GRIDS_JS = """
(known) => {
  const anchor = [...document.querySelectorAll('a')]
    .find((a) => known.includes(a.innerText.trim()));
  if (!anchor) return null;
  let names = anchor;
  while (names && names.scrollHeight <= names.clientHeight + 4) names = names.parentElement;
  if (!names) return null;
  const area = names.getBoundingClientRect();
  const values = [...document.querySelectorAll('*')].find((el) => {
    const box = el.getBoundingClientRect();
    return /(auto|scroll)/.test(getComputedStyle(el).overflowY)
      && el.scrollHeight > el.clientHeight && box.left >= area.right - 2
      && Math.abs(box.top - area.top) < 4;
  });
  if (!values) return null;
  names.dataset.oligometNames = '1';
  values.dataset.oligometValues = '1';
  values.style.overscrollBehavior = 'contain';  // the wheel scrolls the grid, never the page
  values.scrollIntoView({block: 'center'});
  const box = values.getBoundingClientRect();
  return {x: box.left + box.width / 2, y: box.top + box.height / 2};
}
"""

_ROW_JS = """
async (name) => {
  const names = document.querySelector('[data-oligomet-names]');
  const values = document.querySelector('[data-oligomet-values]');
  const end = values.scrollTop >= values.scrollHeight - values.clientHeight - 1;
  const link = [...names.querySelectorAll('a')].find((a) => a.innerText.trim() === name);
  if (!link || link.getBoundingClientRect().height === 0) return {end, row: null};
  // Height of an element's middle in its grid's content, whatever the grid's scroll position.
  const depth = (el, grid) => {
    const box = el.getBoundingClientRect();
    return box.top + box.height / 2 - grid.getBoundingClientRect().top + grid.scrollTop;
  };
  const row = depth(link, names);
  values.scrollTop = Math.max(0, row - values.clientHeight / 2);
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 150)));
  const cells = [...values.querySelectorAll('*')]
    .filter((el) => el.children.length === 0 && el.innerText.trim() !== '')
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.height > 0 && Math.abs(depth(el, values) - row) < box.height / 2)
    .sort((a, b) => a[1].left - b[1].left)
    .map(([el]) => el.innerText.trim());
  return {end, row: cells};
}
"""


def _metric_row(page, name: str, known: list[str]) -> list[str] | None:
    """Values in the comparison page's metrics row ``name``, left to right (None: not found).

    ``known``: metric names of the runs, to find the grid of metric names.
    """
    point = page.evaluate(_GRIDS_JS, known)
    if point is None:
        return None
    page.mouse.move(point["x"], point["y"])
    for delta in (-1_000_000, -10):  # to the top, then once more for the names to follow
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(150)
    for _ in range(300):
        state = page.evaluate(_ROW_JS, name)
        if state["row"]:
            return state["row"]
        if state["end"]:
            page.mouse.wheel(0, 10)  # the names follow one step late: one more look
            page.wait_for_timeout(150)
            return page.evaluate(_ROW_JS, name)["row"] or None
        page.mouse.wheel(0, 100)
        page.wait_for_timeout(100)
    return None
