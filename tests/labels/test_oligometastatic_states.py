"""ESTRO/EORTC oligometastatic states: each of the nine from a hand-written patient."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.labels import OLIGOMETASTATIC_STATES, oligometastatic_state

COLUMNS = [
    "prior_polymetastatic",
    "prior_oligometastatic",
    "months_since_primary",
    "systemic_therapy",
    "progressing",
]

# (prior poly, prior oligo, months since primary, systemic therapy, progressing) -> state.
# Each row fills in only what a clinician would record; the rest is a decoy that must not matter.
NINE = [
    (("no", "no", 2, None, None), "synchronous oligometastatic disease"),
    (("no", "no", 30, "no", None), "metachronous oligorecurrence"),
    (("no", "no", 14, "yes", None), "metachronous oligoprogression"),
    (("no", "yes", 50, "no", "yes"), "repeat oligorecurrence"),
    (("no", "yes", 50, "yes", "yes"), "repeat oligoprogression"),
    (("no", "yes", 50, "yes", "no"), "repeat oligopersistence"),
    (("yes", "no", 3, "no", None), "induced oligorecurrence"),
    (("yes", None, None, "yes", "yes"), "induced oligoprogression"),
    (("yes", "yes", 80, "yes", "no"), "induced oligopersistence"),
]


def classify(*rows: tuple, **kwargs) -> pd.Series:
    index = [f"P{i + 1}" for i in range(len(rows))]
    clinical = pd.DataFrame(list(rows), columns=COLUMNS, index=index, dtype=object)
    return oligometastatic_state(clinical, **kwargs)


def state_of(row: tuple, **kwargs):
    state = classify(row, **kwargs).iloc[0]
    return None if pd.isna(state) else state


def test_the_nine_states_in_the_guideline_order():
    assert OLIGOMETASTATIC_STATES == (
        "synchronous oligometastatic disease",
        "metachronous oligorecurrence",
        "metachronous oligoprogression",
        "repeat oligorecurrence",
        "repeat oligoprogression",
        "repeat oligopersistence",
        "induced oligorecurrence",
        "induced oligoprogression",
        "induced oligopersistence",
    )


@pytest.mark.parametrize(("row", "expected"), NINE, ids=[state for _, state in NINE])
def test_each_state_from_a_hand_written_patient(row, expected):
    assert state_of(row) == expected


def test_all_nine_together_keep_index_order_and_categories():
    states = classify(*(row for row, _ in NINE))
    assert states.tolist() == [state for _, state in NINE]
    assert states.name == "oligometastatic_state"
    assert states.index.tolist() == [f"P{i + 1}" for i in range(9)]
    assert isinstance(states.dtype, pd.CategoricalDtype)
    assert tuple(states.cat.categories) == OLIGOMETASTATIC_STATES
    assert not states.cat.ordered


def test_categories_are_all_nine_even_when_few_occur():
    states = classify(("no", "no", 1, None, None))
    assert tuple(states.cat.categories) == OLIGOMETASTATIC_STATES


# --------------------------------------------------------------------- synchronous boundary
@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (0, "synchronous oligometastatic disease"),
        (6, "synchronous oligometastatic disease"),  # <= 6 months is synchronous
        (6.1, "metachronous oligorecurrence"),
        ("6", "synchronous oligometastatic disease"),
        ("7.0", "metachronous oligorecurrence"),
    ],
)
def test_synchronous_up_to_six_months_inclusive(months, expected):
    assert state_of(("no", "no", months, "no", None)) == expected


def test_synchronous_months_is_a_parameter():
    row = ("no", "no", 4, "no", None)
    assert state_of(row) == "synchronous oligometastatic disease"
    assert state_of(row, synchronous_months=3) == "metachronous oligorecurrence"
    assert state_of(row, synchronous_months=4) == "synchronous oligometastatic disease"


# --------------------------------------------------------------------------- missing inputs
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # inputs off the patient's branch may be missing
        ((False, False, 5, None, None), "synchronous oligometastatic disease"),
        ((False, False, 5, np.nan, ""), "synchronous oligometastatic disease"),
        ((False, False, 9, True, None), "metachronous oligoprogression"),
        ((False, True, None, False, None), "repeat oligorecurrence"),
        ((True, None, None, False, None), "induced oligorecurrence"),
        ((True, pd.NA, np.nan, True, False), "induced oligopersistence"),
        # inputs on the patient's branch may not
        ((None, False, 5, None, None), None),
        ((False, None, 5, None, None), None),
        ((False, False, None, False, None), None),
        ((False, False, 9, None, None), None),
        ((False, True, 9, None, True), None),
        ((False, True, 9, True, None), None),
        ((True, False, 9, None, None), None),
        ((True, False, 9, True, pd.NA), None),
    ],
)
def test_missing_inputs_matter_only_on_the_branch(row, expected):
    assert state_of(row) == expected


def test_unrecorded_columns_can_be_none():
    clinical = pd.DataFrame(
        {"poly": ["yes", "yes", "no"], "therapy": ["no", "yes", "no"]}, index=["a", "b", "c"]
    )
    states = oligometastatic_state(
        clinical,
        prior_polymetastatic="poly",
        prior_oligometastatic=None,
        months_since_primary=None,
        systemic_therapy="therapy",
        progressing=None,
    )
    assert states["a"] == "induced oligorecurrence"
    assert pd.isna(states["b"])  # on therapy, progression not recorded
    assert pd.isna(states["c"])  # genuine: needs the prior-oligometastatic history


# --------------------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    "yes", [True, 1, 1.0, "1", "yes", "YES", "True", "positive", np.True_, np.int64(1)]
)
def test_yes_spellings(yes):
    assert state_of((yes, "no", 1, "no", None)) == "induced oligorecurrence"


@pytest.mark.parametrize("no", [False, 0, 0.0, "0", "no", "No", "false", "negative", np.False_])
def test_no_spellings(no):
    assert state_of((no, no, 1, None, None)) == "synchronous oligometastatic disease"


@pytest.mark.parametrize(("column", "value"), [(0, "maybe"), (3, "N1"), (4, 2), (1, "pos?")])
def test_unparseable_yes_no_names_column_patient_and_value(column, value):
    row = ["no", "no", 12, "no", "no"]
    row[column] = value
    with pytest.raises(InputError) as error:
        classify(("no", "no", 1, None, None), tuple(row))
    message = str(error.value)
    assert f"'{COLUMNS[column]}'" in message
    assert "'P2'" in message
    assert repr(value) in message


@pytest.mark.parametrize(("value", "needle"), [(-2, "negative"), ("soon", "not a number")])
def test_bad_interval_names_column_and_patient(value, needle):
    with pytest.raises(InputError, match=needle) as error:
        classify(("no", "no", value, None, None))
    assert "'months_since_primary'" in str(error.value)
    assert "'P1'" in str(error.value)


def test_missing_column_lists_available_columns():
    clinical = pd.DataFrame({"prior_polymetastatic": ["no"], "other": [1]}, index=["P1"])
    with pytest.raises(InputError) as error:
        oligometastatic_state(clinical)
    message = str(error.value)
    assert "'prior_oligometastatic'" in message
    assert "'prior_polymetastatic'" in message and "'other'" in message
    assert "prior_oligometastatic=None" in message


@pytest.mark.parametrize("months", [-1, "6", None, True, np.nan])
def test_invalid_synchronous_months(months):
    with pytest.raises(InputError, match="synchronous_months"):
        classify(("no", "no", 1, None, None), synchronous_months=months)


def test_duplicate_patient_ids_are_rejected():
    clinical = pd.DataFrame([("no", "no", 1, None, None)] * 2, columns=COLUMNS, index=["a", "a"])
    with pytest.raises(InputError, match="'a' occurs more than once"):
        oligometastatic_state(clinical)
