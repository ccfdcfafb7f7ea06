"""Runs whose process was killed: found the next time the store is opened, and marked FAILED.

A run is opened only once its work has succeeded and is closed in a ``finally`` (FAILED on any
exception, SIGINT, SIGTERM or SIGHUP), but nothing runs after SIGKILL or a power cut: such a run
would stay RUNNING forever and look live, and a run killed while its model was being registered
(after it ended FINISHED, see :mod:`oligomet.tracking._commit`) would keep half a registration.
Every run records where it runs (host, process ID and the process's start time, so that a
recycled process ID is not taken for the same process); when a process of this package opens a
store, the unfinished runs of this host whose process is gone are marked FAILED, with the reason
in ``oligomet.failure``, and what they began to register is undone.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

__all__ = ["PROCESS_TAGS", "process_tags", "reap_killed_runs"]

logger = logging.getLogger(__name__)


HOST_TAG, PID_TAG, STARTED_TAG = "oligomet.host", "oligomet.pid", "oligomet.process_start"
PROCESS_TAGS = (HOST_TAG, PID_TAG, STARTED_TAG)
FAILURE_TAG = "oligomet.failure"


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), None when unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[19] if len(fields) > 19 else None  # field 22 of stat: starttime


def process_tags() -> dict[str, str]:
    """The tags that say which process a run belongs to."""
    pid = os.getpid()
    return {
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        STARTED_TAG: _process_start(pid) or "",
    }


def _gone(tags: dict[str, Any]) -> bool:
    """Whether the process that opened a run of this host has ended."""
    try:
        pid = int(tags[PID_TAG])
    except (KeyError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    started = tags.get(STARTED_TAG)
    return bool(started) and _process_start(pid) not in (None, started)  # the ID was reused


def _unfinished(client, experiments: list[str], host: str) -> list:
    """This host's runs that are RUNNING, or FINISHED with their models' registration pending."""
    from ._commit import PENDING, REGISTRATION_TAG

    found = {}
    for condition in (
        "attributes.status = 'RUNNING'",
        f"tags.`{REGISTRATION_TAG}` = '{PENDING}'",
    ):
        for run in client.search_runs(
            experiments,
            filter_string=f"{condition} and tags.`{HOST_TAG}` = '{host}'",
            max_results=1000,
        ):
            found[run.info.run_id] = run
    return list(found.values())


def reap_killed_runs(client) -> list[str]:
    """Mark FAILED the unfinished runs of this host whose process has ended (and undo what they
    began to register: :func:`oligomet.tracking._commit.roll_back`); their IDs."""
    from mlflow.exceptions import MlflowException

    from ._commit import roll_back

    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    host = socket.gethostname()
    reaped = []
    for run in _unfinished(client, experiments, host):
        tags = run.data.tags
        if not _gone(tags):
            continue
        if run.info.status == "RUNNING":
            reason = f"killed: process {tags[PID_TAG]} on {host} ended without closing the run"
        else:
            reason = (
                f"killed: process {tags[PID_TAG]} on {host} ended while registering the run's "
                "model; the registration was undone"
            )
        try:
            roll_back(client, run.info.run_id, reason=reason)
        except MlflowException as error:  # not this command's run: say so, go on with its work
            logger.warning("could not mark killed run %s FAILED: %s", run.info.run_id, error)
            continue
        reaped.append(run.info.run_id)
    return reaped
