"""Label rules on small hand-worked cases and on the real TCGA-KIRC pathologic M column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.labels import (
    LabelResult,
    label_by_category,
    label_by_count,
    label_by_time,
    make_labels,
)


def _ids(n: int) -> list[str]:
    return [f"P{i}" for i in range(1, n + 1)]


# ----------------------------------------------------------------------------------- by count
def test_count_default_threshold_splits_at_oligo_max():
    counts = pd.Series([1, 3, 4, 10, np.nan], index=_ids(5), name="n_metastases")
    result = label_by_count(counts, oligo_max=3)
    assert result.y.to_dict() == {"P1": 0, "P2": 0, "P3": 1, "P4": 1}
    assert result.excluded.to_dict() == {"P5": "missing value"}
    assert (result.positive_name, result.negative_name) == ("poly (>3)", "oligo (<=3)")
    assert result.rule["oligo_max"] == 3.0 and result.rule["poly_min"] is None
    assert result.y.name == "label" and result.y.dtype == np.int64


def test_count_wuttig_middle_band_is_excluded():
    counts = pd.Series([2, 7, 8, 16, 17, 40], index=_ids(6))
    result = label_by_count(counts, oligo_max=7, poly_min=17)
    assert result.y.to_dict() == {"P1": 0, "P2": 0, "P5": 1, "P6": 1}
    assert result.excluded.to_dict() == {
        "P3": "in excluded middle band (8 <= n <= 16)",
        "P4": "in excluded middle band (8 <= n <= 16)",
    }
    assert result.positive_name == "poly (>=17)"


def test_count_accepts_numeric_strings():
    counts = pd.Series(["1", " 6 ", ""], index=_ids(3))
    result = label_by_count(counts, oligo_max=5)
    assert result.y.to_dict() == {"P1": 0, "P2": 1}
    assert result.excluded.to_dict() == {"P3": "missing value"}


@pytest.mark.parametrize(
    ("value", "match"),
    [(-1, "P2.*whole numbers >= 0"), (2.5, "P2.*whole numbers"), ("many", "P2.*not a number")],
)
def test_count_rejects_bad_counts_naming_the_sample(value, match):
    counts = pd.Series([1, value, 3], index=_ids(3), dtype=object)
    with pytest.raises(InputError, match=match):
        label_by_count(counts, oligo_max=3)


def test_count_rejects_poly_min_not_above_oligo_max():
    with pytest.raises(InputError, match="poly_min"):
        label_by_count(pd.Series([1, 2]), oligo_max=5, poly_min=5)


def test_duplicate_sample_ids_are_rejected():
    with pytest.raises(InputError, match="'P1' occurs more than once"):
        label_by_count(pd.Series([1, 2], index=["P1", "P1"]), oligo_max=1)


# -------------------------------------------------------------------------------- by category
def test_category_is_case_and_space_insensitive():
    stage = pd.Series(["M0", " m1", "MX", None, "m0 "], index=_ids(5), name="M")
    result = label_by_category(stage, positive=["M1"], negative=["M0"])
    assert result.y.to_dict() == {"P1": 0, "P2": 1, "P5": 0}
    assert result.excluded.to_dict() == {
        "P3": "value 'MX' is neither positive nor negative",
        "P4": "missing value",
    }
    assert (result.positive_name, result.negative_name) == ("M1", "M0")
    assert result.rule["negative_is_rest"] is False


def test_category_numbers_match_their_string_forms():
    values = pd.Series([1.0, 0.0, 1.0, 2.0], index=_ids(4))
    result = label_by_category(values, positive=["1"], negative=[0])
    assert result.y.to_dict() == {"P1": 1, "P2": 0, "P3": 1}
    assert list(result.excluded) == ["value '2' is neither positive nor negative"]


def test_category_negative_defaults_to_all_other_values():
    values = pd.Series(["a", "b", "c", np.nan], index=_ids(4))
    result = label_by_category(values, positive="a")
    assert result.y.to_dict() == {"P1": 1, "P2": 0, "P3": 0}
    assert result.rule["negative_is_rest"] is True
    assert result.negative_name == "b/c"


def test_category_value_in_both_lists_is_an_error():
    with pytest.raises(InputError, match="'M1' is listed as both"):
        label_by_category(pd.Series(["M0", "M1"]), positive=["M1"], negative=["m1"])


def test_category_typo_lists_observed_values():
    with pytest.raises(InputError, match=r"'M2' never occurs.*'M0', 'M1'"):
        label_by_category(pd.Series(["M0", "M1"], name="M"), positive=["M2"])


# ------------------------------------------------------------------------------------ by time
def test_time_rule_hand_worked():
    samples = _ids(8)
    time = pd.Series([1.0, 5.0, 7.0, 3.2, 5.0, 9.0, np.nan, 2.0], index=samples, name="t")
    event = pd.Series([1, 1, 1, 0, 0, 0, 1, None], index=samples, name="e", dtype=object)
    result = label_by_time(time, event, horizon=5)
    # event at or before H -> 1; beyond H (event later or not) or censored at H -> 0
    assert result.y.to_dict() == {"P1": 1, "P2": 1, "P3": 0, "P5": 0, "P6": 0}
    assert result.excluded.to_dict() == {
        "P4": "censored before horizon (3.2 < 5)",
        "P7": "missing time",
        "P8": "missing event",
    }
    assert (result.positive_name, result.negative_name) == ("event within 5", "event-free beyond 5")
    assert result.rule == {"kind": "time", "time": "t", "event": "e", "horizon": 5.0}


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([True, False], [1, 0]),
        (["Dead", "alive"], [1, 0]),
        (["deceased", " LIVING "], [1, 0]),
        (["true", "FALSE"], [1, 0]),
        (["1", "0"], [1, 0]),
        ([1.0, 0.0], [1, 0]),
    ],
)
def test_time_event_spellings(events, expected):
    time = pd.Series([1.0, 9.0], index=["a", "b"])
    result = label_by_time(time, pd.Series(events, index=["a", "b"]), horizon=5)
    assert result.y.tolist() == expected


def test_time_aligns_event_by_sample_id():
    time = pd.Series([1.0, 9.0], index=["a", "b"])
    event = pd.Series([0, 1], index=["b", "a"])
    assert label_by_time(time, event, horizon=5).y.to_dict() == {"a": 1, "b": 0}


@pytest.mark.parametrize(
    ("time", "event", "horizon", "match"),
    [
        ([1.0, 2.0], [1, 2], 5, "'b' is 2"),
        ([1.0, 2.0], [1, "maybe"], 5, "'b' is 'maybe'"),
        ([1.0, -2.0], [1, 0], 5, "'b' is negative"),
        ([1.0, 2.0], [1, 0], 0, "horizon must be"),
    ],
)
def test_time_rejects_bad_input(time, event, horizon, match):
    with pytest.raises(InputError, match=match):
        label_by_time(
            pd.Series(time, index=["a", "b"]),
            pd.Series(event, index=["a", "b"], dtype=object),
            horizon=horizon,
        )


def test_time_and_event_must_cover_the_same_samples():
    with pytest.raises(InputError, match="sample 'c'"):
        label_by_time(
            pd.Series([1.0, 2.0], index=["a", "c"]), pd.Series([1, 0], index=["a", "b"]), horizon=5
        )


# --------------------------------------------------------------------------------- make_labels
@pytest.fixture
def clinical() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage_M": ["M0", "M1", "M0", "MX", "M1"],
            "n_metastases": [1, 12, 3, 20, 6],
            "os_years": [9.0, 1.0, 6.0, 2.0, 4.0],
            "os_event": [0, 1, 1, 0, 1],
            "progressed": [False, True, False, True, False],
        },
        index=_ids(5),
    )


def test_make_labels_dispatches_on_options(clinical):
    by_category = make_labels(clinical, column="stage_M", positive=["M1"], negative=["M0"])
    assert by_category.y.to_dict() == {"P1": 0, "P2": 1, "P3": 0, "P5": 1}
    by_count = make_labels(clinical, column="n_metastases", oligo_max=5)
    assert by_count.y.tolist() == [0, 1, 0, 1, 1]
    by_time = make_labels(clinical, column="os_event", time="os_years", horizon=5)
    assert by_time.y.to_dict() == {"P1": 0, "P2": 1, "P3": 0, "P5": 1}
    assert by_time.excluded.to_dict() == {"P4": "censored before horizon (2 < 5)"}
    assert by_time.rule["time"] == "os_years" and by_time.rule["event"] == "os_event"
    for result in (by_category, by_count, by_time):
        assert result.rule["column"] in clinical.columns


def test_make_labels_binary_column_needs_no_options(clinical):
    result = make_labels(clinical, column="progressed")
    assert result.y.tolist() == [0, 1, 0, 1, 0]
    assert result.rule["positive"] == [1] and result.rule["negative"] == [0]
    assert make_labels(clinical, column="os_event").y.tolist() == [0, 1, 1, 0, 1]


def test_make_labels_unknown_column_suggests_close_matches(clinical):
    with pytest.raises(InputError, match=r"no column 'stage_m'.*available: stage_M"):
        make_labels(clinical, column="stage_m")


def test_make_labels_without_options_lists_values(clinical):
    with pytest.raises(InputError, match=r"'M0', 'M1', 'MX'.*positive="):
        make_labels(clinical, column="stage_M")


def test_make_labels_needs_both_classes(clinical):
    with pytest.raises(InputError, match="only 2 samples, all M1; need both classes"):
        make_labels(clinical.iloc[[1, 4]], column="stage_M", positive="M1")
    with pytest.raises(InputError, match="only 2 samples, all 0; need both classes"):
        make_labels(clinical.iloc[[0, 2]], column="progressed")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"time": "os_years"}, "needs both time="),
        ({"horizon": 5, "oligo_max": 3}, "one rule only"),
        ({"poly_min": 3}, "needs oligo_max"),
        ({"negative": ["M0"]}, "needs positive"),
        ({"time": "os_yr", "horizon": 5}, "no column 'os_yr'.*os_years"),
    ],
)
def test_make_labels_rejects_incomplete_or_conflicting_options(clinical, options, match):
    with pytest.raises(InputError, match=match):
        make_labels(clinical, column="stage_M", **options)


# ------------------------------------------------------------------------------- LabelResult
def test_result_summary_report_and_json():
    values = pd.Series(["M0", "M1", "MX", "MX", None, "M0"], index=_ids(6))
    result = label_by_category(values, positive="M1", negative="M0")
    assert isinstance(result, LabelResult)
    summary = result.summary
    assert summary.loc["positive", "count"] == 1
    assert summary.loc["negative", "count"] == 2
    assert summary.loc["excluded", "count"] == 3
    assert summary.loc["excluded: value 'MX' is neither positive nor negative", "count"] == 2
    assert summary.loc["excluded: missing value", "count"] == 1
    assert result.report() == (
        "1 M1 (1) vs 2 M0 (0); 3 excluded: 2 value 'MX' is neither positive nor negative, "
        "1 missing value"
    )
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["n_excluded"] == 3 and payload["labels"]["P2"] == 1
    assert payload["excluded"]["P5"] == "missing value"


def test_result_groups_reasons_that_differ_only_in_detail():
    time = pd.Series([1.0, 2.0, 3.0, 9.0], index=_ids(4))
    event = pd.Series([1, 0, 0, 0], index=_ids(4))
    result = label_by_time(time, event, horizon=5)
    assert result.excluded_reasons() == {"censored before horizon": 2}
    assert result.summary.loc["excluded: censored before horizon", "count"] == 2


# ---------------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_tcga_kirc_pathologic_m(shared_data):
    path = shared_data / "tcga_kirc_mirna" / "KRCCC__pathologic_M.txt"
    clinical = pd.read_csv(path, sep="\t", index_col="submitter_id.samples")
    observed = clinical["pathologic_M"].value_counts(dropna=False)
    result = make_labels(clinical, column="pathologic_M", positive=["M1"], negative=["M0"])
    assert result.n_positive == observed["M1"] == 28
    assert result.n_negative == observed["M0"] == 124
    # The data README's 30 are the MX samples; the file also has 2 missing values.
    assert result.excluded_reasons() == {
        "value 'MX' is neither positive nor negative": observed["MX"],
        "missing value": int(clinical["pathologic_M"].isna().sum()),
    }
    assert result.n_excluded == 32
    assert result.n_positive + result.n_negative + result.n_excluded == len(clinical)
