"""make_survival: parsing of time and event columns, exclusions, errors, reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.labels import SurvivalTarget, make_survival


def _clinical(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(
        columns, index=[f"p{i}" for i in range(1, len(next(iter(columns.values()))) + 1)]
    )
    return frame.rename_axis("patient")


def test_indicator_event_in_several_spellings():
    clinical = _clinical(
        months=["2", 4.0, 6, "8.5", 10],
        status=[1, "0", True, "dead", "Alive"],
    )
    target = make_survival(clinical, time="months", event="status")
    assert isinstance(target, SurvivalTarget)
    assert target.time.tolist() == [2.0, 4.0, 6.0, 8.5, 10.0]
    assert target.event.tolist() == [True, False, True, True, False]
    assert target.event.dtype == bool
    assert target.time.index.name == "patient"
    assert (target.n_samples, target.n_events, target.n_censored) == (5, 3, 2)
    assert target.excluded.empty


def test_structured_array_for_scikit_survival():
    clinical = _clinical(t=[3, 1, 2], e=[0, 1, 1])
    y = make_survival(clinical, time="t", event="e").y
    assert y.dtype.names == ("event", "time")
    assert y["event"].tolist() == [False, True, True]
    assert y["time"].tolist() == [3.0, 1.0, 2.0]


def test_missing_values_are_excluded_with_reasons():
    clinical = _clinical(
        t=[1, None, 3, "NA", 5, 6],
        e=[1, 1, None, "", 0, 1],
    )
    target = make_survival(clinical, time="t", event="e")
    assert target.time.index.tolist() == ["p1", "p5", "p6"]
    assert target.excluded.to_dict() == {
        "p2": "missing time",
        "p3": "missing event",
        "p4": "missing time and event",
    }
    assert target.excluded_reasons() == {
        "missing event": 1,
        "missing time": 1,
        "missing time and event": 1,
    }


def test_median_follow_up_by_reverse_kaplan_meier_and_report():
    # Censoring as the "event": censored at 4 and 8. Reverse KM: 1 -> 3/4 at t=4 (4 at risk),
    # -> 3/4 * 1/2 = 3/8 at t=8 (2 at risk), so the median follow-up is 8 (not the median
    # observed time 6).
    clinical = _clinical(days=[2, 4, 6, 8, 10, None], death=[1, 0, 1, 0, 1, 1])
    target = make_survival(clinical, time="days", event="death", event_name="death")
    assert target.median_follow_up == 8.0
    assert target.report() == (
        "5 patients, 3 with death, 2 censored; median follow-up 8 (reverse Kaplan–Meier, unit "
        "of 'days'); 1 excluded: 1 missing time"
    )
    summary = target.summary["value"]
    assert summary["patients"] == 5
    assert summary["events"] == 3
    assert summary["censored"] == 2
    assert summary["median_follow_up"] == 8
    assert summary["excluded: missing time"] == 1


def test_progression_endpoint_from_categories():
    # Time to polymetastatic progression: death without progression is censored (cause-specific).
    clinical = _clinical(
        months=[5, 12, 7, 30, 18],
        outcome=[
            "Polymetastatic progression",
            "death",
            " polymetastatic progression ",
            "no progression",
            "death",
        ],
    )
    target = make_survival(
        clinical, time="months", event="outcome", event_values=["polymetastatic progression"]
    )
    assert target.event.tolist() == [True, False, True, False, False]
    assert target.event_name == "polymetastatic progression"
    assert target.rule["event_values"] == ["polymetastatic progression"]
    assert target.rule["censor_values"] is None


def test_censor_values_alone_make_everything_else_an_event():
    clinical = _clinical(t=[1, 2, 3, 4], status=["Alive", "Dead", "dead of disease", "alive"])
    target = make_survival(clinical, time="t", event="status", censor_values=["alive"])
    assert target.event.tolist() == [False, True, True, False]


def test_value_in_neither_list_names_the_patient():
    clinical = _clinical(t=[1, 2, 3], outcome=["progression", "none", "lost"])
    with pytest.raises(InputError, match=r"'outcome' of patient 'p3' is 'lost'"):
        make_survival(
            clinical,
            time="t",
            event="outcome",
            event_values=["progression"],
            censor_values=["none"],
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"event_values": ["progresion"]}, r"event value 'progresion' never occurs in 'outcome'"),
        (
            {"event_values": ["progression"], "censor_values": ["progression"]},
            r"listed as both an event and censoring",
        ),
        ({"event_values": []}, r"event_values must list at least one value"),
    ],
)
def test_category_lists_are_checked(options, message):
    clinical = _clinical(t=[1, 2, 3], outcome=["progression", "none", "none"])
    with pytest.raises(InputError, match=message):
        make_survival(clinical, time="t", event="outcome", **options)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-3, "-3"), ("soon", "'soon'"), (np.inf, "inf")],
)
def test_bad_time_names_column_patient_and_value(value, shown):
    clinical = _clinical(t=[1.0, 2.0, 3.0], e=[1, 0, 1])
    clinical["t"] = clinical["t"].astype(object)
    clinical.loc["p2", "t"] = value
    with pytest.raises(InputError, match=rf"time 't' of patient 'p2' is {shown}"):
        make_survival(clinical, time="t", event="e")


def test_unrecognised_indicator_suggests_event_values():
    clinical = _clinical(t=[1, 2, 3], e=[1, "progressed", 0])
    with pytest.raises(InputError, match=r"'e' of patient 'p2' is 'progressed'.*event_values"):
        make_survival(clinical, time="t", event="e")


def test_no_events_and_all_events_are_errors():
    with pytest.raises(InputError, match="none of the 3 included patients has an event"):
        make_survival(_clinical(t=[1, 2, 3], e=[0, 0, 0]), time="t", event="e")
    # The censored patient is excluded (no time), so every included patient had the event.
    with pytest.raises(InputError, match="all 2 included patients have an event"):
        make_survival(_clinical(t=[1, 2, None], e=[1, 1, 0]), time="t", event="e")


def test_unknown_column_and_duplicate_patients():
    clinical = _clinical(time_days=[1, 2], status=[1, 0])
    with pytest.raises(InputError, match=r"no column 'time_dys'.*available: time_days"):
        make_survival(clinical, time="time_dys", event="status")
    duplicated = clinical.set_axis(["p1", "p1"])
    with pytest.raises(InputError, match="patient ID 'p1' occurs more than once"):
        make_survival(duplicated, time="time_days", event="status")


def test_to_dict_is_json_safe_and_patient_data_optional():
    clinical = _clinical(t=[1, 2, None], e=[1, 0, 1])
    target = make_survival(clinical, time="t", event="e")
    aggregate = target.to_dict(include_samples=False)
    assert aggregate["n_samples"] == 2
    assert aggregate["excluded_reasons"] == {"missing time": 1}
    assert not {"time", "event", "excluded"} & set(aggregate)
    full = json.loads(json.dumps(target.to_dict()))
    assert full["time"] == {"p1": 1.0, "p2": 2.0}
    assert full["event"] == {"p1": True, "p2": False}
    assert full["excluded"] == {"p3": "missing time"}


@pytest.mark.realdata
def test_real_cohort_overall_survival(shared_data):
    clinical = pd.read_csv(shared_data / "tcga_gbm_mrna_mirna" / "survival.csv", index_col=0)
    target = make_survival(clinical, time="time_days", event="status", event_name="death")
    # The data README: 100 patients, 96 deaths.
    assert (target.n_samples, target.n_events) == (100, 96)
    assert np.isfinite(target.median_follow_up)
