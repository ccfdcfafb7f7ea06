"""Model reports: logged with every trained model, every section filled from the run, numbers
equal to the run's metrics, one self-contained page, `oligomet report` and its user errors."""

from __future__ import annotations

import ast
import base64
import json
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from oligomet.cli import app

SECTIONS = [
    "source",
    "eligibility",
    "outcome",
    "predictors",
    "missing_data",
    "sample_size",
    "validation",
    "discrimination",
    "calibration",
    "null",
    "final_model",
    "external_validation",
    "intended_use",
]
INTERVAL_METRICS = ["roc_auc", "pr_auc", "balanced_accuracy", "sensitivity", "specificity"]
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "oligomet"
FAST = ["--n-splits", "3", "--n-repeats", "1"]


def _client(uri: str):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _invoke(uri: str, *args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"MLFLOW_TRACKING_URI": uri})


def _category_cohort(folder: Path) -> tuple[Path, Path, list[str]]:
    """60 samples x 40 features; pathologic_M is M1/M0 with 4 MX and 2 blanks; one sample of
    the expression table has no clinical row."""
    from oligomet.datasets import make_cohort

    expression, clinical = make_cohort(
        n_samples=60, n_features=40, n_informative=6, effect_size=0.8, random_state=0
    )
    stage = clinical["label"].map({1: "M1", 0: "M0"}).astype(object)
    stage.iloc[[1, 7, 13, 19]] = "MX"
    stage.iloc[[2, 8]] = ""
    clinical = stage.rename("pathologic_M").to_frame().drop(index=expression.index[-1])
    expression.T.to_csv(folder / "expression.csv")
    clinical.to_csv(folder / "clinical.csv")
    return folder / "expression.csv", folder / "clinical.csv", list(expression.index)


@pytest.fixture(scope="module")
def category_run(_mlflow_template, tmp_path_factory):
    """One trained model (M1 vs M0 with exclusions), registered as report-demo@candidate."""
    folder = tmp_path_factory.mktemp("report_store")
    shutil.copy(_mlflow_template, folder / "mlflow.db")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    expression, clinical, samples = _category_cohort(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # the store's artifacts go beside it
        result = _invoke(
            uri,
            "train",
            "-e",
            expression,
            "-c",
            clinical,
            "--label",
            "pathologic_M",
            "--positive",
            "M1",
            "--negative",
            "M0",
            *FAST,
            "--n-permutations",
            "3",
            "--name",
            "report-demo",
            "--alias",
            "candidate",
            "--json",
        )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    run = _client(uri).get_run(out["run_id"])
    return SimpleNamespace(uri=uri, out=out, run=run, samples=samples, folder=folder)


def _interval(metrics, name) -> str:
    return f"{metrics[name + '_ci_low']:.3f} to {metrics[name + '_ci_high']:.3f}"


def test_training_logs_the_report_with_its_run(category_run):
    client, run = _client(category_run.uri), category_run.run
    assert run.info.status == "FINISHED"
    assert run.data.tags["oligomet.report"] == "report/model_report.html"
    paths = {a.path for a in client.list_artifacts(run.info.run_id, "report")}
    assert paths == {"report/model_report.html", "report/model_report.md"}
    folder = Path(client.download_artifacts(run.info.run_id, "report", str(category_run.folder)))
    page = (folder / "model_report.html").read_text()
    markdown = (folder / "model_report.md").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert markdown.startswith("# Model report: logistic_enet")
    # The logged report states the run's own end: it was built once the run had ended.
    assert time_text(run.info.end_time) in markdown


def time_text(milliseconds: int) -> str:
    from oligomet.report._facts import date_text

    return date_text(milliseconds)


def test_every_section_holds_the_runs_numbers(category_run):
    from oligomet.report import report_for_run

    run, out = category_run.run, category_run.out
    metrics, params = run.data.metrics, run.data.params
    report = report_for_run(run.info.run_id, tracking_uri=category_run.uri)
    assert report.keys == SECTIONS
    assert all(report.section(key).text.strip() for key in SECTIONS)

    discrimination = report.section("discrimination")
    for name in INTERVAL_METRICS:
        for key in (name, f"{name}_ci_low", f"{name}_ci_high"):
            assert discrimination.values[key] == metrics[key]
        assert f"{metrics[name]:.3f}" in discrimination.text
        assert _interval(metrics, name) in discrimination.text
    calibration = report.section("calibration")
    for key in ("calibration_intercept", "calibration_slope"):
        assert calibration.values[key] == metrics[key]
        assert f"{metrics[key]:.3f}" in calibration.text
    null = report.section("null")
    assert null.values["permutation_p"] == metrics["permutation_p"]
    assert null.values["null_roc_auc"] == metrics["null_roc_auc"]
    assert null.values["n_permutations"] == 3 == len(null.values["null_scores"])
    assert f"{metrics['permutation_p']:.3f}" in null.text

    labels = out["labels"]
    eligibility = report.section("eligibility").values
    assert (
        eligibility["n_used"] == metrics["n_samples"] == labels["n_positive"] + labels["n_negative"]
    )
    assert eligibility["n_excluded"] == metrics["n_excluded"] == 6
    assert eligibility["excluded_reasons"] == labels["excluded_reasons"]
    assert eligibility["excluded_reasons"]["missing value"] == 2
    assert eligibility["tables"] == {"expression": 60, "clinical.csv": 59}
    assert eligibility["n_common"] == metrics["n_common"] == 59
    missing = report.section("missing_data").values
    assert missing["unmatched"] == {"expression": 1}
    assert missing["missing_outcome"] == 2 and missing["expression_cells"] == 0

    sample_size = report.section("sample_size")
    minority = min(labels["n_positive"], labels["n_negative"])
    n_features = int(params["dataset.n_features"])
    assert sample_size.values["epv"] == pytest.approx(minority / n_features)
    assert f"{minority} / {n_features} = {minority / n_features:.3f}" in sample_size.text

    validation = report.section("validation").values
    assert (validation["n_splits"], validation["n_repeats"], validation["n_inner_splits"]) == (
        3,
        1,
        3,
    )
    assert validation["param_grid"] == {
        key.removeprefix("param_grid."): json.loads(value)
        for key, value in params.items()
        if key.startswith("param_grid.")
    }
    assert validation["threshold"] == "youden"
    final = report.section("final_model")
    assert final.values["threshold"] == float(params["final.threshold"])
    assert "models:/report-demo@candidate" in final.text
    assert report.section("outcome").text.count("pathologic_M is M1") == 1
    assert "not validated externally" in report.section("intended_use").text


def test_markdown_and_html_state_the_same_numbers(category_run):
    from oligomet.report import report_for_run

    metrics = category_run.run.data.metrics
    report = report_for_run(category_run.run.info.run_id, tracking_uri=category_run.uri)
    markdown, page = report.to_markdown(), report.to_html()
    for text in (markdown, page):
        for name in ("roc_auc", "calibration_intercept", "calibration_slope", "permutation_p"):
            assert f"{metrics[name]:.3f}" in text
        assert _interval(metrics, "roc_auc") in text
        for section in report.sections:
            assert section.title in text


def test_the_html_report_is_one_self_contained_page(category_run):
    from oligomet.report import report_for_run

    report = report_for_run(category_run.run.info.run_id, tracking_uri=category_run.uri)
    page = report.to_html()
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"https?://", page)
    assert "Content-Security-Policy" in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) >= 4  # ROC, confusion, calibration, selection frequency
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing patient-level: no sample ID in either rendering.
    for text in (page, report.to_markdown()):
        assert not [s for s in category_run.samples if re.search(rf"\b{s}\b", text)]


def test_model_uris_lead_to_the_training_run(category_run):
    from oligomet.tracking import resolve_run_id

    run_id = category_run.run.info.run_id
    for uri in (
        "models:/report-demo@candidate",
        "models:/report-demo/1",
        "models:/report-demo/latest",
        f"runs:/{run_id}/model",
        run_id,
    ):
        assert resolve_run_id(uri, tracking_uri=category_run.uri) == run_id


def test_oligomet_report_writes_the_file(category_run, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    result = _invoke(category_run.uri, "report", "models:/report-demo@candidate", "-o", target)
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary left

    markdown = _invoke(
        category_run.uri, "report", category_run.run.info.run_id, "-f", "md", "-o", "-"
    )
    assert markdown.exit_code == 0, markdown.stderr
    assert markdown.stdout.startswith("# Model report: logistic_enet")

    monkeypatch.chdir(tmp_path)
    named = _invoke(category_run.uri, "report", category_run.run.info.run_id, "-o", "r.md")
    assert named.exit_code == 0 and (tmp_path / "r.md").read_text().startswith("# Model report")
    default = _invoke(category_run.uri, "report", category_run.run.info.run_id)
    assert default.exit_code == 0, default.stderr
    assert (tmp_path / f"model_report_{category_run.run.info.run_id[:8]}.html").is_file()


def test_oligomet_report_user_errors(category_run, tmp_path, user_error):
    from oligomet.tracking import start_run

    target = tmp_path / "report.html"
    unknown = _invoke(category_run.uri, "report", "0123456789abcdef", "-o", target)
    user_error(unknown, "no run or model '0123456789abcdef'")
    missing_alias = _invoke(category_run.uri, "report", "models:/report-demo@nope", "-o", target)
    user_error(missing_alias, "models:/report-demo@nope")
    with start_run(
        experiment="oligomet", tracking_uri=category_run.uri, tags={"oligomet.command": "cluster"}
    ) as clustering:
        pass
    cluster = _invoke(category_run.uri, "report", clustering.run_id, "-o", target)
    user_error(cluster, "clustering run")
    wrong_format = _invoke(category_run.uri, "report", clustering.run_id, "--format", "pdf")
    user_error(wrong_format, "--format must be html or md")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_report_that_fails_leaves_the_run_finished(oligomet, monkeypatch, fast):
    def broken(*args, **kwargs):
        raise RuntimeError("no report today")

    monkeypatch.setattr("oligomet.report.log_report", broken)
    result = oligomet("train", *fast, "--json")
    assert result.exit_code == 0, result.stderr
    assert "no model report (RuntimeError: no report today)" in result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    client = _client(oligomet.tracking_uri)
    assert client.get_run(run_id).info.status == "FINISHED"
    assert client.search_model_versions(f"run_id='{run_id}'")
    assert not client.list_artifacts(run_id, "report")


def test_a_survival_model_gets_a_report_too(oligomet, fast):
    from oligomet.report import report_for_run

    result = oligomet("train", "--model", "cox_enet", *fast, "--json")
    assert result.exit_code == 0, result.stderr
    run = _client(oligomet.tracking_uri).get_run(json.loads(result.stdout)["run_id"])
    metrics = run.data.metrics
    report = report_for_run(run.info.run_id, tracking_uri=oligomet.tracking_uri)
    assert report.keys == SECTIONS
    assert not report.section("calibration").applies
    assert "Not assessed" in report.section("calibration").text
    discrimination = report.section("discrimination").values
    assert discrimination["c_index"] == metrics["c_index"]
    assert discrimination["c_index_ci_low"] == metrics["c_index_ci_low"]
    assert report.section("null").values["null_c_index"] == metrics["null_c_index"]
    epv = report.section("sample_size").values["epv"]
    assert epv == pytest.approx(metrics["n_events"] / int(run.data.params["dataset.n_features"]))
    assert "Time to event" in report.section("outcome").text
    assert "time to distant_metastasis" in report.subtitle


def test_build_report_is_a_function_of_the_record(category_run):
    from oligomet import InputError
    from oligomet.report import build_report
    from oligomet.tracking import run_record

    record = run_record("models:/report-demo/1", tracking_uri=category_run.uri)
    assert "evaluation/roc.png" in record["artifacts"]
    assert not any(path.startswith("report/") for path in record["artifacts"])
    # A run recorded before design.json existed still gets every section.
    older = {
        **record,
        "artifacts": {k: v for k, v in record["artifacts"].items() if k != "design.json"},
    }
    report = build_report(older)
    assert report.keys == SECTIONS
    assert "not recorded" in report.section("predictors").text
    assert report.section("discrimination").values["roc_auc"] == record["metrics"]["roc_auc"]
    with pytest.raises(InputError, match="an evaluation run"):
        build_report({**record, "tags": {"oligomet.command": "evaluate"}})


def _series_matrix(path: Path) -> Path:
    """A small GEO series matrix whose header carries the series' dates."""
    from oligomet.datasets import make_cohort

    expression, clinical = make_cohort(
        n_samples=40, n_features=20, n_informative=5, effect_size=1.0, random_state=1
    )
    samples = [f"GSM{100 + i}" for i in range(len(expression))]
    quoted = "\t".join(f'"{s}"' for s in samples)
    states = "\t".join(f'"metastasis: {"poly" if y else "oligo"}"' for y in clinical["label"])
    lines = [
        '!Series_title\t"A synthetic metastasis cohort"',
        '!Series_geo_accession\t"GSE0"',
        '!Series_submission_date\t"Jan 02 2020"',
        '!Series_last_update_date\t"Mar 04 2021"',
        f"!Sample_geo_accession\t{quoted}",
        f"!Sample_characteristics_ch1\t{states}",
        "!series_matrix_table_begin",
        f'"ID_REF"\t{quoted}',
        *(
            f'"{probe}"\t' + "\t".join(f"{v:.6f}" for v in expression[probe])
            for probe in expression.columns
        ),
        "!series_matrix_table_end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_geo_series_is_dated_in_the_report(oligomet, tmp_path, fast):
    from oligomet.report import report_for_run

    matrix = _series_matrix(tmp_path / "GSE0_series_matrix.txt")
    result = oligomet(
        "train", "-e", matrix, "--label", "metastasis", "--positive", "poly", *fast, "--json"
    )
    assert result.exit_code == 0, result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    source = report_for_run(run_id, tracking_uri=oligomet.tracking_uri).section("source")
    assert "GEO series GSE0 submitted Jan 02 2020, last updated Mar 04 2021." in source.text
    assert source.values["geo"][0]["geo_accession"] == "GSE0"
    assert str(matrix) in source.values["files"]
    assert re.search(r"Data files last modified \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", source.text)


def _browser_helpers():
    """tests/ui/_browser.py, loaded by path (``tests`` is not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "ui" / "_browser.py"
    if not path.is_file():
        pytest.skip(f"no browser helper at {path}")
    name = "_oligomet_test_browser"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    module.skip_unless_browser()
    return module


def test_the_html_report_renders_in_a_browser(category_run, tmp_path):
    from oligomet.report import report_for_run

    browser = _browser_helpers()
    report = report_for_run(category_run.run.info.run_id, tracking_uri=category_run.uri)
    page_file = tmp_path / "report.html"
    page_file.write_text(report.to_html())
    titles = [section.title for section in report.sections]
    page = browser.capture(page_file, tmp_path / "report.png", wait_for_text=titles, full_page=True)
    assert page.missing_text == []
    metrics = category_run.run.data.metrics
    assert f"{metrics['roc_auc']:.3f}" in page.text
    assert _interval(metrics, "roc_auc") in page.text
    # Every plot decoded from its data URI, and nothing was blocked or failed to load (the
    # page's Content-Security-Policy forbids any other source: a violation is a console error).
    assert len(page.images) >= 4 and all(image.loaded for image in page.images)
    assert page.console_errors == []
    assert browser.screenshot_is_not_blank(page.screenshot)
    for image in page.images[:2]:
        assert browser.screenshot_is_not_blank(page.screenshot, box=image.box)


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_layers_tracking_never_imports_the_report_which_never_imports_cli_or_workflow():
    for path in (PACKAGE / "tracking").glob("*.py"):
        assert not [m for m in _imports(path) if "report" in m], path
    for path in (PACKAGE / "report").glob("*.py"):
        imported = _imports(path)
        assert not [m for m in imported if re.match(r"(oligomet|\.\.)\.?(cli|workflow)", m)], path
        assert not [m for m in imported if m.split(".")[0] == "mlflow"], path


@pytest.mark.realdata
def test_kirc_report_states_the_runs_numbers(oligomet, shared_data, tmp_path):
    folder = shared_data / "tcga_kirc_mirna"
    trained = oligomet(
        "train",
        "--expression",
        folder / "KRCCC__KIDNEY_Mirna_Expression.txt",
        "--clinical",
        folder / "KRCCC__pathologic_M.txt",
        "--label",
        "pathologic_M",
        "--positive",
        "M1",
        "--negative",
        "M0",
        "--n-select",
        "50",
        *FAST,
        "--n-permutations",
        "2",
        "--json",
    )
    assert trained.exit_code == 0, trained.stderr
    run_id = json.loads(trained.stdout)["run_id"]
    run = _client(oligomet.tracking_uri).get_run(run_id)
    metrics, params = run.data.metrics, run.data.params
    html_file, md_file = tmp_path / "kirc.html", tmp_path / "kirc.md"
    for target in (html_file, md_file):
        written = oligomet("report", run_id, "--output", target)
        assert written.exit_code == 0, written.stderr
    page, markdown = html_file.read_text(), md_file.read_text()

    titles = [
        "Source of data and dates",
        "Eligibility: samples used and excluded",
        "Outcome definition",
        "Predictors",
        "Missing data",
        "Sample size and events per candidate feature",
        "Validation scheme",
        "Discrimination",
        "Calibration",
        "Permuted-label null",
        "Final model",
        "External validation",
        "Intended use and limitations",
    ]
    n_features = int(params["dataset.n_features"])
    expected = [
        *(f"{metrics[name]:.3f}" for name in INTERVAL_METRICS),
        *(_interval(metrics, name) for name in INTERVAL_METRICS),
        f"{metrics['calibration_intercept']:.3f}",
        f"{metrics['calibration_slope']:.3f}",
        f"{metrics['permutation_p']:.3f}",
        f"{metrics['null_roc_auc']:.3f}",
        f"28 / {n_features} = {28 / n_features:.3f}",  # EPV: 28 M1 of 152
        "value &#x27;MX&#x27; is neither positive nor negative",
        "KRCCC__pathologic_M.txt",
        "pathologic_M is M1",
        f"{float(params['final.threshold']):.4f}",
    ]
    assert metrics["n_samples"] == 152 and metrics["n_excluded"] == 32
    for text in (page, markdown):
        for title in titles:
            assert title in text, title
        for needle in expected:
            needle = needle if text is page else needle.replace("&#x27;", "'")
            assert needle in text, needle
        assert re.search(r"used \(labelled\)\D+152", text)
        assert re.search(r"excluded by the outcome definition\D+32", text)
        assert "2 sample(s) excluded for missing value" in text
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert np.isfinite(metrics["roc_auc"])
