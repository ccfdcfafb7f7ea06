"""make_cohort: shapes, determinism, label consistency, counts, the planted signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.datasets import make_cohort
from oligomet.labels import label_by_count, label_by_time


@pytest.mark.parametrize("kind", ["log", "counts"])
def test_shapes_names_and_index(kind):
    expression, clinical = make_cohort(30, 12, n_informative=4, kind=kind, random_state=0)
    assert expression.shape == (30, 12)
    assert list(clinical.columns) == ["label", "n_metastases", "time", "event"]
    assert expression.index.equals(clinical.index)
    assert expression.index[0] == "S001" and expression.index[-1] == "S030"
    assert expression.columns[0] == "gene001" and expression.columns[-1] == "gene012"
    assert clinical["label"].sum() == 12  # round(0.4 * 30)


@pytest.mark.parametrize("kind", ["log", "counts"])
def test_same_seed_same_cohort(kind):
    first = make_cohort(20, 10, kind=kind, random_state=3)
    second = make_cohort(20, 10, kind=kind, random_state=3)
    other = make_cohort(20, 10, kind=kind, random_state=4)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not first[0].equals(other[0])


def test_clinical_columns_agree_with_label():
    _, clinical = make_cohort(200, 5, n_informative=2, random_state=1)
    poly = clinical["label"] == 1
    assert clinical.loc[poly, "n_metastases"].between(6, 30).all()
    assert clinical.loc[~poly, "n_metastases"].between(1, 5).all()
    by_count = label_by_count(clinical["n_metastases"], oligo_max=5)
    pd.testing.assert_series_equal(by_count.y, clinical["label"], check_names=False)
    by_time = label_by_time(clinical["time"], clinical["event"], horizon=5)
    pd.testing.assert_series_equal(by_time.y, clinical["label"], check_names=False)
    assert by_time.excluded.empty
    assert set(clinical.loc[~poly, "event"]) == {0, 1}  # some oligo samples progress later


def test_counts_are_non_negative_integers():
    expression, _ = make_cohort(25, 40, kind="counts", random_state=0)
    assert (expression.dtypes == np.int64).all()
    assert (expression.to_numpy() >= 0).all()


def test_informative_features_shift_by_effect_size_standard_deviations():
    expression, clinical = make_cohort(400, 20, n_informative=4, effect_size=2.0, random_state=0)
    poly = clinical["label"].to_numpy() == 1
    within_sd = np.sqrt((expression[poly].var() + expression[~poly].var()) / 2)
    cohens_d = (expression[poly].mean() - expression[~poly].mean()) / within_sd
    assert cohens_d.iloc[:2].between(1.6, 2.4).all()  # first half up
    assert cohens_d.iloc[2:4].between(-2.4, -1.6).all()  # second half down
    assert cohens_d.iloc[4:].abs().max() < 0.4


def test_informative_counts_differ_in_log_mean():
    expression, clinical = make_cohort(
        400, 20, n_informative=4, effect_size=2.0, kind="counts", random_state=0
    )
    poly = clinical["label"].to_numpy() == 1
    log_fold_change = np.log2(expression[poly].mean() / expression[~poly].mean())
    assert log_fold_change.iloc[:2].between(1.6, 2.4).all()
    assert log_fold_change.iloc[2:4].between(-2.4, -1.6).all()
    assert log_fold_change.iloc[4:].abs().max() < 0.4


def test_informative_names_go_on_the_first_informative_features():
    expression, _ = make_cohort(
        10, 8, n_informative=3, informative_names=["hsa-miR-200c-3p"], random_state=0
    )
    assert list(expression.columns[:2]) == ["hsa-miR-200c-3p", "gene002"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"n_informative": 20}, "cannot exceed"),
        ({"positive_fraction": 1.0}, "positive_fraction"),
        ({"kind": "tpm"}, "unknown kind"),
        ({"n_informative": 1, "informative_names": ["a", "b"]}, "informative_names"),
        ({"informative_names": ["gene005"]}, "'gene005' would occur twice"),
        ({"n_samples": 1}, "n_samples"),
    ],
)
def test_bad_options(options, match):
    with pytest.raises(InputError, match=match):
        make_cohort(**{"n_samples": 10, "n_features": 10, **options})
