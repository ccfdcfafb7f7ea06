"""Processes writing the same row of a store at the same moment all get their write recorded.

MLflow's SQL stores write some rows by looking them up, then inserting them when absent: a
dataset logged to a run (one row per experiment, name and digest), a registered model's alias or
tag (``session.merge``). Two processes doing so at once both insert, and the second one breaks
the table's primary key (CI saw it on PostgreSQL with eight trainings at once). Here that race is
made to happen every time, on a real store (sqlite, and PostgreSQL where its server binaries are
found): right after one writer's look-up found nothing, another writer writes the same row.
"""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from sqlalchemy.orm import Query, Session

from oligomet.tracking import start_run
from oligomet.tracking._retry import retry_on_duplicate_row


@pytest.fixture
def frame():
    return pd.DataFrame({"miR-200c": [0.1, 0.5, 0.9], "label": [0, 1, 1]}, index=["a", "b", "c"])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mlflow.db'}"
    return request.getfixturevalue("postgres")


def _race_after_lookup(monkeypatch, entity: str, other_writer) -> list:
    """The first time a writer looks up a row of table ``entity`` (a dbmodels class name) and
    finds none, ``other_writer`` writes (and commits) it before the first writer inserts it."""
    raced: list = []

    def stage(found_nothing: bool) -> None:
        if found_nothing and not raced:
            raced.append(True)
            other_writer()

    real_all, real_merge = Query.all, Session.merge

    def all_(query):
        rows = real_all(query)
        named = any(getattr(d.get("entity"), "__name__", "") == entity
                    for d in query.column_descriptions)  # fmt: skip
        stage(named and not rows)
        return rows

    def merge(session, instance, **options):
        merged = real_merge(session, instance, **options)
        stage(type(instance).__name__ == entity and merged in session.new)
        return merged

    monkeypatch.setattr(Query, "all", all_)
    monkeypatch.setattr(Session, "merge", merge)
    return raced


def test_two_runs_logging_one_dataset_at_once_both_record_it(store, monkeypatch, frame):
    runs = {"tracking_uri": store, "experiment": "dataset-race"}
    with start_run(**runs) as first, start_run(**runs) as second:

        def other_run():
            second.log_dataset(frame, name="cohort", source="cohort.csv", targets="label")

        raced = _race_after_lookup(monkeypatch, "SqlDataset", other_run)
        digest = first.log_dataset(frame, name="cohort", source="cohort.csv", targets="label")
    assert raced, "the race was not staged"
    client = first.client
    for run in (first, second):
        (logged,) = client.get_run(run.run_id).inputs.dataset_inputs
        assert (logged.dataset.name, logged.dataset.digest) == ("cohort", digest)
        assert client.get_run(run.run_id).info.status == "FINISHED"


def _two_versions(store: str, name: str):
    """Registered model ``name`` with versions 1 and 2, each from a run of its own."""
    from mlflow.entities import LoggedModelStatus

    with start_run(tracking_uri=store, experiment="registry-race") as run:
        client = run.client
        client.create_registered_model(name)
        for _ in range(2):
            model = client.create_logged_model(run.experiment_id, source_run_id=run.run_id)
            client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
            client.create_model_version(name, source=model.artifact_location, run_id=run.run_id)
    return client


def _set_alias(client, name: str, version: str) -> None:
    client.set_registered_model_alias(name, "prod", version)


def _set_tag(client, name: str, version: str) -> None:
    client.set_registered_model_tag(name, "oligomet.model", version)


@pytest.mark.parametrize(
    ("entity", "write"),
    [("SqlRegisteredModelAlias", _set_alias), ("SqlRegisteredModelTag", _set_tag)],
    ids=["alias", "tag"],
)
def test_an_alias_or_tag_set_at_once_by_two_trainings_ends_as_the_last_one_set_it(
    store, monkeypatch, entity, write, tmp_path
):
    name = f"raced-{tmp_path.name}"  # the PostgreSQL store is shared by the module's tests
    client = _two_versions(store, name)
    raced = _race_after_lookup(monkeypatch, entity, lambda: write(client, name, "2"))
    retry_on_duplicate_row(write, client, name, "1")
    assert raced, "the race was not staged"
    model = client.get_registered_model(name)
    written = model.aliases["prod"] if write is _set_alias else model.tags["oligomet.model"]
    assert str(written) == "1"


def test_a_store_that_keeps_refusing_is_not_asked_forever():
    calls = []

    def refuse():
        calls.append(1)
        raise MlflowException('duplicate key value violates unique constraint "dataset_pk"')

    with pytest.raises(MlflowException, match="dataset_pk"):
        retry_on_duplicate_row(refuse, attempts=3)
    assert len(calls) == 3


def test_other_store_errors_are_raised_at_once(tmp_path, monkeypatch, frame):
    calls = []

    def refuse(self, run_id, datasets=None, models=None):
        calls.append(run_id)
        raise MlflowException("Run 'x' not found")

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(MlflowException, match="not found"):
        with start_run(tracking_uri=uri) as run:
            monkeypatch.setattr(type(run.client), "log_inputs", refuse)
            run.log_dataset(frame, name="cohort", source="cohort.csv")
    assert len(calls) == 1


def test_a_tracking_server_refusing_a_duplicate_row_is_asked_again():
    """Through a tracking server the store's refusal arrives as a REST error (CI's words)."""
    from mlflow.exceptions import RestException

    answers = [
        RestException(
            {
                "error_code": "BAD_REQUEST",
                "message": "(psycopg.errors.UniqueViolation) duplicate key value violates unique "
                'constraint "dataset_pk"\nDETAIL:  Key (experiment_id, name, digest)=(2, '
                "GSE7390 (embedded default), f1eb2d25) already exists.",
            }
        ),
        "logged",
    ]

    def log():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_on_duplicate_row(log) == "logged" and not answers
