"""Bad input: exit 2, one line naming the file/column/sample, no traceback, no run left behind,
no partial output file."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import make_cohort


@pytest.fixture
def cohort(tmp_path):
    """A small miRNA count cohort: features x samples counts, clinical with a label."""
    expression, clinical = make_cohort(
        n_samples=40,
        n_features=30,
        n_informative=4,
        kind="counts",
        feature_prefix="hsa-miR-",
        random_state=1,
    )
    expression_file = tmp_path / "mirna.csv"
    clinical_file = tmp_path / "clinical.csv"
    expression.T.to_csv(expression_file)
    clinical.to_csv(clinical_file)
    return expression_file, clinical_file, expression, clinical


def _train(oligomet, expression_file, clinical_file, *extra):
    return oligomet(
        "train",
        "-e",
        expression_file,
        "-c",
        clinical_file,
        "--label",
        "label",
        "--n-splits",
        "3",
        "--n-repeats",
        "1",
        "--n-permutations",
        "0",
        *extra,
    )


@pytest.fixture
def no_run_left(oligomet):
    """After the test: the store holds no run at all (bad input is caught before a run opens)."""
    yield
    assert oligomet.runs() == []


def test_wrong_delimiter(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, expression, _ = cohort
    piped = tmp_path / "piped.txt"
    expression.T.to_csv(piped, sep="|")
    user_error(_train(oligomet, piped, clinical_file), str(piped), "single column", "--sep")


def test_empty_file(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, _, _ = cohort
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    user_error(_train(oligomet, empty, clinical_file), str(empty), "empty")


def test_non_numeric_cell(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, expression, _ = cohort
    table = expression.T.astype(object)
    table.iloc[2, 5] = "n.d."
    broken = tmp_path / "broken.csv"
    table.to_csv(broken)
    user_error(
        _train(oligomet, broken, clinical_file),
        str(broken),
        "'n.d.'",
        f"row '{table.index[2]}'",
        f"column '{table.columns[5]}'",
    )


def test_duplicate_sample_ids(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, expression, _ = cohort
    table = expression.T
    table.columns = [*table.columns[:-1], table.columns[0]]
    duplicated = tmp_path / "duplicated.csv"
    table.to_csv(duplicated)
    user_error(
        _train(oligomet, duplicated, clinical_file), str(duplicated), "duplicate", table.columns[0]
    )


def test_no_overlapping_samples(oligomet, cohort, tmp_path, user_error, no_run_left):
    expression_file, _, _, clinical = cohort
    other = tmp_path / "other_cohort.csv"
    clinical.set_axis([f"P{i:03d}" for i in range(len(clinical))]).to_csv(other)
    user_error(_train(oligomet, expression_file, other), "no samples in common", "other_cohort")


def test_single_class(oligomet, cohort, tmp_path, user_error, no_run_left):
    expression_file, _, _, clinical = cohort
    one_class = tmp_path / "one_class.csv"
    clinical.assign(label=0).to_csv(one_class)
    user_error(_train(oligomet, expression_file, one_class), "label", "both classes")


def test_fewer_samples_than_folds(oligomet, cohort, tmp_path, user_error, no_run_left):
    expression_file, _, _, clinical = cohort
    few = tmp_path / "few_positive.csv"
    label = np.zeros(len(clinical), int)
    label[:2] = 1
    clinical.assign(label=label).to_csv(few)
    user_error(
        _train(oligomet, expression_file, few), "fewer samples than folds", "positive class has 2"
    )


def test_unknown_label_column(oligomet, cohort, user_error, no_run_left):
    expression_file, clinical_file, _, _ = cohort
    result = oligomet("train", "-e", expression_file, "-c", clinical_file, "--label", "lable")
    user_error(result, "'lable'", "label")  # names the column and suggests the close match


def test_all_label_values_missing(oligomet, cohort, tmp_path, user_error, no_run_left):
    expression_file, _, _, clinical = cohort
    missing = tmp_path / "missing_labels.csv"
    clinical.assign(label=np.nan).to_csv(missing)
    user_error(_train(oligomet, expression_file, missing), "label")


def test_some_missing_label_values_are_excluded_and_reported(oligomet, cohort, tmp_path):
    expression_file, _, _, clinical = cohort
    partly = tmp_path / "partly_missing.csv"
    clinical.assign(
        label=clinical["label"].astype(float).mask(clinical.index.isin(["S001", "S002"]))
    ).to_csv(partly)
    result = _train(oligomet, expression_file, partly)
    assert result.exit_code == 0, result.stderr
    assert "2 excluded: 2 missing value" in result.stderr


def test_negative_counts_where_a_log_is_asked(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, expression, _ = cohort
    table = expression.T.astype(float)
    table.iloc[3, 7] = -4.0
    negative = tmp_path / "negative.csv"
    table.to_csv(negative)
    result = _train(oligomet, negative, clinical_file, "--transform", "log2cpm")
    user_error(result, str(negative), "negative", table.columns[7], table.index[3])


def test_mir200c_absent(oligomet, cohort, user_error, no_run_left):
    expression_file, clinical_file, _, _ = cohort
    result = _train(oligomet, expression_file, clinical_file, "--model", "mir200c")
    user_error(result, "miR-200c is absent")


def test_unreadable_file(oligomet, cohort, monkeypatch, user_error, no_run_left):
    expression_file, clinical_file, _, _ = cohort
    real_open = builtins.open

    def refuse(file, *args, **kwargs):  # tests run as root, where chmod 000 does not bite
        if str(file) == str(expression_file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    user_error(
        _train(oligomet, expression_file, clinical_file), str(expression_file), "permission denied"
    )


def test_directory_given_as_a_file(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, _, _ = cohort
    user_error(_train(oligomet, tmp_path, clinical_file), str(tmp_path), "is a directory")


def test_file_not_found(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, _, _ = cohort
    user_error(_train(oligomet, tmp_path / "nope.csv", clinical_file), "nope.csv", "not found")


def test_unknown_model(oligomet, cohort, user_error, no_run_left):
    expression_file, clinical_file, _, _ = cohort
    user_error(
        _train(oligomet, expression_file, clinical_file, "--model", "svm"), "unknown model 'svm'"
    )


def test_invalid_config_setting(oligomet, cohort, tmp_path, user_error, no_run_left):
    expression_file, clinical_file, _, _ = cohort
    result = _train(oligomet, expression_file, clinical_file, "--cv.n_splitz", "3")
    user_error(result, "cv.n_splitz")


def test_non_finite_value(oligomet, cohort, tmp_path, user_error, no_run_left):
    _, clinical_file, expression, _ = cohort
    table = expression.T.astype(float)
    table.iloc[0, 0] = np.inf
    infinite = tmp_path / "infinite.csv"
    table.to_csv(infinite)
    user_error(_train(oligomet, infinite, clinical_file), str(infinite))


@pytest.fixture
def trained(oligomet, cohort):
    expression_file, clinical_file, _, _ = cohort
    result = _train(oligomet, expression_file, clinical_file, "--name", "m", "--alias", "a")
    assert result.exit_code == 0, result.stderr
    return "models:/m@a"


def test_missing_features_at_predict_time(oligomet, cohort, trained, tmp_path, user_error):
    _, _, expression, _ = cohort
    partial = tmp_path / "partial.csv"
    expression.drop(columns=expression.columns[:3]).to_csv(partial)
    output = tmp_path / "predictions.csv"
    result = oligomet("predict", trained, partial, "--output", output)
    user_error(result, str(partial), "lack 3 of the model's 30 features", expression.columns[0])
    assert not output.exists()
    assert list(tmp_path.glob(".predictions.csv*")) == []


def test_model_uri_that_does_not_exist(oligomet, cohort, tmp_path, user_error):
    expression_file, _, _, _ = cohort
    output = tmp_path / "predictions.csv"
    result = oligomet(
        "predict", "models:/no_such_model@champion", expression_file, "--output", output
    )
    user_error(result, "no_such_model")
    assert not output.exists()


def test_predict_output_is_a_directory(oligomet, cohort, trained, tmp_path, user_error):
    expression_file, _, _, _ = cohort
    user_error(
        oligomet("predict", trained, expression_file, "--output", tmp_path), "is a directory"
    )


def test_failure_while_logging_marks_the_run_failed(oligomet, cohort, monkeypatch):
    """A crash after the run opened leaves it FAILED, never RUNNING."""
    from oligomet.tracking import TrackedRun

    def explode(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(TrackedRun, "log_model", explode)
    expression_file, clinical_file, _, _ = cohort
    result = _train(oligomet, expression_file, clinical_file)
    assert result.exit_code != 0
    (run,) = oligomet.runs()
    assert run.info.status == "FAILED"


def test_interrupt_marks_the_run_failed_and_exits_cleanly(oligomet, cohort, monkeypatch):
    from oligomet.tracking import TrackedRun

    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(TrackedRun, "log_figure", interrupt)
    expression_file, clinical_file, _, _ = cohort
    result = _train(oligomet, expression_file, clinical_file)
    assert result.exit_code == 2 and "interrupted" in result.stderr
    (run,) = oligomet.runs()
    assert run.info.status == "FAILED"


def test_predict_order_of_columns_does_not_matter(oligomet, cohort, trained, tmp_path):
    _, _, expression, _ = cohort
    shuffled = tmp_path / "shuffled.csv"
    expression[expression.columns[::-1]].to_csv(shuffled)
    straight = tmp_path / "straight.csv"
    expression.to_csv(straight)
    outputs = []
    for table in (shuffled, straight):
        output = tmp_path / f"{table.stem}_predictions.csv"
        assert oligomet("predict", trained, table, "--output", output).exit_code == 0
        outputs.append(pd.read_csv(output, index_col=0))
    pd.testing.assert_frame_equal(*outputs)


def test_class_lost_in_the_sample_match_is_not_called_a_typo(
    oligomet, cohort, tmp_path, user_error, no_run_left
):
    _, clinical_file, expression, clinical = cohort
    negatives = clinical.index[clinical["label"] == 0]
    subset = tmp_path / "negatives_only.csv"
    expression.loc[negatives].T.to_csv(subset)
    result = _train(oligomet, subset, clinical_file)
    user_error(result, f"only {len(negatives)} of the 40 samples", "clinical.csv")
    assert "typo" not in result.stderr


def test_predict_matches_mirna_spellings_and_names_bad_values(
    oligomet, cohort, trained, tmp_path, user_error
):
    _, _, expression, _ = cohort
    renamed = tmp_path / "renamed.csv"
    expression.rename(columns=lambda c: c.replace("hsa-miR-", "hsa-mir-")).T.to_csv(renamed)
    output = tmp_path / "predictions.csv"
    result = oligomet("predict", trained, renamed, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert "matched 30 miRNA name(s)" in result.stderr

    negative = tmp_path / "negative.csv"
    table = expression.astype(float)
    table.iloc[4, 2] = -1.0
    table.to_csv(negative)
    user_error(
        oligomet("predict", trained, negative, "--output", tmp_path / "other.csv"),
        str(negative),
        table.index[4],
        table.columns[2],
        "log2cpm",
    )
    assert not (tmp_path / "other.csv").exists()


@pytest.mark.parametrize("seed", [str(2**32), str(2**70), "-5"])
def test_a_seed_numpy_cannot_take_is_refused_before_any_work(
    oligomet, user_error, no_run_left, seed
):
    """numpy takes seeds from 0 to 2**32 - 1; it raised only after ingest, in cross-validation."""
    user_error(oligomet("train", "--seed", seed), "invalid setting 'seed'")
