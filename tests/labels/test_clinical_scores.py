"""Fong clinical risk score and Pitroda integrated risk: hand-worked cases for every rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.labels import CRS_FACTORS, fong_crs, integrated_risk

# A patient who scores 0 on every factor; each test changes only what it is about.
ZERO = {
    "node_positive": "N0",
    "disease_free_interval_months": 24,
    "n_liver_tumours": 1,
    "cea_ng_ml": 10,
    "largest_tumour_cm": 2.0,
}
# One value per factor that earns its point.
POINT = {
    "node_positive": "N1",
    "disease_free_interval_months": 3,
    "n_liver_tumours": 4,
    "cea_ng_ml": 350,
    "largest_tumour_cm": 7.5,
}
COLUMN_OF_FACTOR = dict(zip(ZERO, CRS_FACTORS, strict=True))


def table(*patients: dict, ids: list[str] | None = None) -> pd.DataFrame:
    """Clinical table with one row per dict, each starting from the all-zero patient."""
    rows = [{**ZERO, **patient} for patient in patients]
    index = ids or [f"P{i + 1}" for i in range(len(rows))]
    return pd.DataFrame(rows, index=pd.Index(index, name="patient"), dtype=object)


def one(patient: dict, **kwargs) -> pd.Series:
    """fong_crs for a single patient, as one row."""
    return fong_crs(table(patient), **kwargs).iloc[0]


def group(row: pd.Series):
    return None if pd.isna(row["crs_group"]) else row["crs_group"]


# ------------------------------------------------------------------------------- each factor
@pytest.mark.parametrize("column", list(ZERO))
def test_each_factor_alone_scores_one_point(column):
    row = one({column: POINT[column]})
    for name, factor in COLUMN_OF_FACTOR.items():
        assert row[factor] == (1 if name == column else 0), factor
    assert row["crs"] == 1
    assert row["crs_known"] == 1
    assert row["crs_missing"] == 0


def test_all_zero_patient_scores_zero_and_is_low():
    row = one({})
    assert row["crs"] == 0
    assert not row["crs_high"]
    assert row["crs_group"] == "low"


@pytest.mark.parametrize(
    ("column", "at_threshold", "beyond"),
    [
        ("disease_free_interval_months", 12, 11.9),  # < 12 months
        ("cea_ng_ml", 200, 200.5),  # > 200 ng/mL
        ("n_liver_tumours", 1, 2),  # > 1 tumour
        ("largest_tumour_cm", 5, 5.1),  # > 5 cm
    ],
)
def test_value_exactly_at_threshold_scores_zero(column, at_threshold, beyond):
    factor = COLUMN_OF_FACTOR[column]
    assert one({column: at_threshold})[factor] == 0
    assert one({column: beyond})[factor] == 1


def test_synchronous_metastases_have_dfi_zero_and_score_a_point():
    assert one({"disease_free_interval_months": 0})["crs_dfi_under_12_months"] == 1


# --------------------------------------------------------------------- combinations, cut-offs
@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        ([], 0),
        (["node_positive", "cea_ng_ml"], 2),
        (["disease_free_interval_months", "n_liver_tumours", "largest_tumour_cm"], 3),
        (["node_positive", "disease_free_interval_months", "n_liver_tumours", "cea_ng_ml"], 4),
        (list(ZERO), 5),
    ],
)
def test_points_add_up(factors, expected):
    assert one({column: POINT[column] for column in factors})["crs"] == expected


@pytest.mark.parametrize(
    ("cutoff", "score", "expected"),
    [(3, 2, "low"), (3, 3, "high"), (3, 5, "high"), (2, 1, "low"), (2, 2, "high"), (2, 0, "low")],
)
def test_cutoff_dichotomises_complete_scores(cutoff, score, expected):
    patient = {column: POINT[column] for column in list(ZERO)[:score]}
    row = one(patient, cutoff=cutoff)
    assert row["crs"] == score
    assert row["crs_group"] == expected
    assert bool(row["crs_high"]) is (expected == "high")


def test_default_cutoff_is_fongs_three():
    patient = {"node_positive": "N1", "cea_ng_ml": 300}  # 2 points
    assert one(patient)["crs_group"] == "low"
    assert fong_crs(table(patient)).attrs == {"cutoff": 3, "missing": "katipally"}


# ------------------------------------------------------------------------- missing factors
def missing_case(points: int, n_missing: int) -> dict:
    """A patient with ``points`` known points and the last ``n_missing`` factors missing."""
    columns = list(ZERO)
    patient = {column: POINT[column] for column in columns[:points]}
    for column in columns[len(columns) - n_missing :]:
        patient[column] = None
    return patient


@pytest.mark.parametrize(
    ("cutoff", "points", "n_missing", "katipally", "bounds", "strict"),
    [
        # known points reach the cut-off: high except under "strict"
        (3, 3, 1, "high", "high", None),
        (3, 3, 2, "high", "high", None),
        (2, 2, 1, "high", "high", None),
        # known points fall short but the missing ones could lift them: unscorable everywhere
        (3, 2, 1, None, None, None),
        (3, 1, 2, None, None, None),
        (2, 1, 1, None, None, None),
        # even all missing factors as points stay below the cut-off: low only under "bounds"
        (3, 1, 1, None, "low", None),
        (3, 0, 2, None, "low", None),
        (2, 0, 1, None, "low", None),
        # nothing known
        (3, 0, 5, None, None, None),
    ],
)
def test_missing_factor_rules(cutoff, points, n_missing, katipally, bounds, strict):
    patient = missing_case(points, n_missing)
    for rule, expected in [("katipally", katipally), ("bounds", bounds), ("strict", strict)]:
        row = one(patient, cutoff=cutoff, missing=rule)
        assert group(row) == expected, rule
        assert pd.isna(row["crs"])
        assert row["crs_known"] == points
        assert row["crs_missing"] == n_missing
        if expected is None:
            assert pd.isna(row["crs_high"])
        else:
            assert bool(row["crs_high"]) is (expected == "high")


def test_missing_factor_point_column_is_na_and_others_known():
    row = one({"cea_ng_ml": None, "node_positive": "N2"})
    assert pd.isna(row["crs_cea_over_200"])
    assert row["crs_node_positive"] == 1
    assert row["crs_largest_over_5_cm"] == 0


def test_column_none_means_not_recorded_for_everyone():
    clinical = table({"node_positive": "N1", "n_liver_tumours": 3, "largest_tumour_cm": 8}, {})
    clinical = clinical.drop(columns="cea_ng_ml")
    scores = fong_crs(clinical, cea=None, cutoff=3)
    assert scores["crs_cea_over_200"].isna().all()
    assert scores["crs_missing"].tolist() == [1, 1]
    assert scores["crs_known"].tolist() == [3, 0]
    assert group(scores.iloc[0]) == "high"  # 3 known points reach 3
    assert group(scores.iloc[1]) is None  # 0 known, 1 missing: cannot tell under Katipally


# ------------------------------------------------------------------------------ the output
def test_output_columns_dtypes_index_and_attrs():
    clinical = table({}, POINT, {"cea_ng_ml": None}, ids=["c", "a", "b"])
    scores = fong_crs(clinical, cutoff=2, missing="bounds")
    assert list(scores.columns) == [
        *CRS_FACTORS,
        "crs_known",
        "crs_missing",
        "crs",
        "crs_high",
        "crs_group",
    ]
    assert scores.index.equals(clinical.index)  # order and name kept
    for column in [*CRS_FACTORS, "crs_known", "crs_missing", "crs"]:
        assert scores[column].dtype == "Int64", column
    assert scores["crs_high"].dtype == "boolean"
    assert isinstance(scores["crs_group"].dtype, pd.CategoricalDtype)
    assert list(scores["crs_group"].cat.categories) == ["low", "high"]
    assert scores["crs_group"].cat.ordered
    assert scores.attrs == {"cutoff": 2, "missing": "bounds"}
    assert scores["crs"].tolist()[:2] == [0, 5]
    assert scores["crs_group"].tolist() == ["low", "high", "low"]  # b: 0 known + 1 missing < 2


def test_custom_column_names_are_used():
    clinical = pd.DataFrame(
        {"N": ["pN1b"], "DFI": [6], "count": [2], "CEA": [12], "size": [3]}, index=["X1"]
    )
    row = fong_crs(
        clinical,
        node_positive="N",
        disease_free_interval="DFI",
        n_tumours="count",
        cea="CEA",
        largest_tumour="size",
    ).loc["X1"]
    assert row["crs"] == 3


def test_empty_table_gives_empty_result():
    scores = fong_crs(table({})[:0])
    assert len(scores) == 0
    assert "crs_group" in scores.columns


# --------------------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, 1),
        (False, 0),
        (np.True_, 1),
        (1, 1),
        (0, 0),
        (1.0, 1),
        (np.int64(0), 0),
        ("1", 1),
        ("0.0", 0),
        ("yes", 1),
        ("No", 0),
        ("TRUE", 1),
        ("false", 0),
        ("Positive", 1),
        ("NEGATIVE", 0),
        ("pos", 1),
        ("N0", 0),
        ("n0", 0),
        ("N1", 1),
        ("n2", 1),
        ("N3", 1),
        ("pN1a", 1),
        ("cN2b", 1),
        ("ypN0", 0),
        ("N1mi", 1),
        ("N0(i+)", 0),
        (" N1 ", 1),
        ("NX", None),
        ("nx", None),
        ("", None),
        ("  ", None),
        (None, None),
        (np.nan, None),
        (pd.NA, None),
        ("NA", None),
        ("unknown", None),
        ("[Not Available]", None),
    ],
)
def test_node_status_parsing(value, expected):
    point = one({"node_positive": value})["crs_node_positive"]
    if expected is None:
        assert pd.isna(point)
    else:
        assert point == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("250", 1), (" 150.5 ", 0), ("2e2", 0), (np.int64(201), 1), (np.float32(199.9), 0)],
)
def test_numbers_from_strings_and_numpy_scalars(value, expected):
    assert one({"cea_ng_ml": value})["crs_cea_over_200"] == expected


@pytest.mark.parametrize("value", ["maybe", "N4", "2", 2, "T1", "M1"])
def test_unparseable_node_status_names_column_patient_and_value(value):
    clinical = table({}, {"node_positive": value})
    with pytest.raises(InputError) as error:
        fong_crs(clinical)
    message = str(error.value)
    assert "'node_positive'" in message
    assert "'P2'" in message
    assert repr(value) in message


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("cea_ng_ml", "high", "not a number"),
        ("cea_ng_ml", "<5", "not a number"),
        ("cea_ng_ml", -3, "negative"),
        ("disease_free_interval_months", "-1", "negative"),
        ("largest_tumour_cm", np.inf, "not a number"),
        ("largest_tumour_cm", True, "not a number"),
        ("n_liver_tumours", 1.5, "whole number"),
        ("n_liver_tumours", 0, "whole number"),
    ],
)
def test_bad_numbers_name_column_and_patient(column, value, needle):
    clinical = table({}, {}, {column: value})
    with pytest.raises(InputError, match=needle) as error:
        fong_crs(clinical)
    message = str(error.value)
    assert f"'{column}'" in message
    assert "'P3'" in message


def test_missing_column_lists_available_columns():
    clinical = table({}).rename(columns={"cea_ng_ml": "CEA"})
    with pytest.raises(InputError) as error:
        fong_crs(clinical)
    message = str(error.value)
    assert "'cea_ng_ml'" in message
    assert "'CEA'" in message and "'node_positive'" in message
    assert "cea=" in message


@pytest.mark.parametrize("cutoff", [0, 6, 2.5, True, "3"])
def test_invalid_cutoff(cutoff):
    with pytest.raises(InputError, match="cutoff"):
        fong_crs(table({}), cutoff=cutoff)


def test_invalid_missing_rule():
    with pytest.raises(InputError, match="missing must be one of"):
        fong_crs(table({}), missing="impute")


def test_duplicate_patient_ids_and_non_frames_are_rejected():
    with pytest.raises(InputError, match="'P1' occurs more than once"):
        fong_crs(table({}, {}, ids=["P1", "P1"]))
    with pytest.raises(InputError, match="DataFrame"):
        fong_crs({"node_positive": ["N0"]})


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


@pytest.mark.realdata
def test_tnm_node_categories_of_a_real_cohort(shared_data):
    # TCGA KIRC pathologic_N, CRLF file with one value lacking the CR: 73 N0, 4 N1, 107 NX.
    nodes = pd.read_csv(
        shared_data / "tcga_kirc_mirna" / "KRCCC__pathologic_N.txt", sep="\t", index_col=0
    )
    scores = fong_crs(
        nodes,
        node_positive="pathologic_N",
        disease_free_interval=None,
        n_tumours=None,
        cea=None,
        largest_tumour=None,
        cutoff=1,
    )
    point = scores["crs_node_positive"]
    assert (point == 1).sum() == 4
    assert (point == 0).sum() == 73
    assert point.isna().sum() == 107
    assert (scores["crs_group"] == "high").sum() == 4  # one known point reaches cut-off 1


# ----------------------------------------------------------------------- integrated risk
@pytest.mark.parametrize(
    ("subtype", "score", "expected"),
    [
        ("canonical", 1, "low"),
        ("canonical", 2, "high"),
        ("immune", 0, "low"),
        ("immune", 2, "intermediate"),
        ("stromal", 1, "intermediate"),
        ("stromal", 4, "high"),
    ],
)
def test_integrated_risk_cells(subtype, score, expected):
    risk = integrated_risk(pd.Series([subtype], index=["P1"]), pd.Series([score], index=["P1"]))
    assert risk["P1"] == expected


def test_integrated_risk_with_cutoff_three_moves_score_two_to_low_side():
    subtype = pd.Series(["stromal", "canonical", "immune"], index=["a", "b", "c"])
    crs = pd.Series([2, 3, 2], index=["a", "b", "c"])
    assert integrated_risk(subtype, crs, cutoff=3).tolist() == ["intermediate", "high", "low"]


def test_integrated_risk_output_is_ordered_categorical_named_and_indexed():
    subtype = pd.Series([" Immune", "STROMAL"], index=pd.Index(["p2", "p1"], name="patient"))
    crs = pd.Series(["3", 0.0], index=["p1", "p2"])  # other order: aligned on the index
    risk = integrated_risk(subtype, crs)
    assert risk.name == "integrated_risk"
    assert list(risk.cat.categories) == ["low", "intermediate", "high"]
    assert risk.cat.ordered
    assert risk.index.tolist() == ["p2", "p1"]
    assert risk.tolist() == ["low", "high"]
    assert risk.sort_values().index.tolist() == ["p2", "p1"]  # low sorts before high


def test_integrated_risk_na_in_either_input_and_unmatched_patients():
    subtype = pd.Series(["canonical", None, "immune", "stromal"], index=["a", "b", "c", "d"])
    crs = pd.Series([3, 3, np.nan, 0, 1], index=["a", "b", "c", "e", "d"])
    risk = integrated_risk(subtype, crs)
    assert risk.index.tolist() == ["a", "b", "c", "d", "e"]  # union, subtype's patients first
    assert risk["a"] == "high"
    assert risk["d"] == "intermediate"
    assert risk[["b", "c", "e"]].isna().all()


def test_integrated_risk_from_fong_frame_uses_katipally_calls():
    clinical = table(
        {"node_positive": "N1", "cea_ng_ml": 400, "largest_tumour_cm": None},  # 2 known: high
        {"node_positive": "N1", "largest_tumour_cm": None},  # 1 known, 1 missing: unscorable
        {"largest_tumour_cm": None},  # 0 known, 1 missing: low only under "bounds"
        {"node_positive": "N1"},  # complete, 1 point: low
        ids=["a", "b", "c", "d"],
    )
    subtype = pd.Series(["immune", "canonical", "stromal", "stromal"], index=list("abcd"))
    katipally = integrated_risk(subtype, fong_crs(clinical, cutoff=2), cutoff=2)
    assert katipally["a"] == "intermediate"
    assert katipally[["b", "c"]].isna().all()
    assert katipally["d"] == "intermediate"
    bounds = integrated_risk(subtype, fong_crs(clinical, cutoff=2, missing="bounds"))
    assert bounds["c"] == "intermediate"
    assert pd.isna(bounds["b"])


def test_integrated_risk_checks_the_cutoff_of_a_fong_frame():
    scores = fong_crs(table({}), cutoff=3)
    with pytest.raises(InputError, match=r"cutoff=3.*cutoff=2"):
        integrated_risk(pd.Series(["immune"], index=["P1"]), scores, cutoff=2)
    assert integrated_risk(pd.Series(["immune"], index=["P1"]), scores, cutoff=3)["P1"] == "low"


def test_integrated_risk_rejects_frames_it_cannot_check():
    subtype = pd.Series(["immune"], index=["P1"])
    scores = fong_crs(table({}), cutoff=2)
    scores.attrs = {}
    with pytest.raises(InputError, match=r"attrs\['cutoff'\]"):
        integrated_risk(subtype, scores)
    with pytest.raises(InputError, match="crs_high"):
        integrated_risk(subtype, pd.DataFrame({"crs": [1]}, index=["P1"]))


def test_integrated_risk_unknown_subtypes_are_named_with_a_patient():
    subtype = pd.Series(["immune", "mesenchymal", "CMS4", "mesenchymal"], index=list("abcd"))
    with pytest.raises(InputError) as error:
        integrated_risk(subtype, pd.Series([1, 1, 1, 1], index=list("abcd")))
    message = str(error.value)
    assert "'b'" in message and "'mesenchymal'" in message and "'CMS4'" in message


@pytest.mark.parametrize("score", [2.5, 6, -1, "two"])
def test_integrated_risk_rejects_values_that_are_not_scores(score):
    with pytest.raises(InputError, match="'P1'"):
        integrated_risk(pd.Series(["immune"], index=["P1"]), pd.Series([score], index=["P1"]))


def test_integrated_risk_rejects_duplicates_and_bad_types():
    with pytest.raises(InputError, match="more than once"):
        integrated_risk(pd.Series(["immune", "immune"], index=["a", "a"]), pd.Series([1], ["a"]))
    with pytest.raises(InputError, match="Series"):
        integrated_risk(["immune"], pd.Series([1], index=[0]))
    with pytest.raises(InputError, match="cutoff"):
        integrated_risk(pd.Series(["immune"], ["a"]), pd.Series([1], ["a"]), cutoff=0)
