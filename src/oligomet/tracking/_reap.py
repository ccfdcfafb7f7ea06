"""Runs whose process was killed: found the next time the store is opened, and marked FAILED.

A run is opened only once its work has succeeded and is closed in a ``finally`` (FAILED on any
exception, SIGINT, SIGTERM or SIGHUP), but nothing runs after SIGKILL or a power cut: such a run
would stay RUNNING forever and look live. Every run records where it runs (host, process ID and
the process's start time, so that a recycled process ID is not taken for the same process); when
a process of this package opens a store, the RUNNING runs of this host whose process is gone are
marked FAILED, with the reason in ``oligomet.failure``.
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


def reap_killed_runs(client) -> list[str]:
    """Mark FAILED the RUNNING runs of this host whose process has ended; their IDs."""
    from mlflow.entities import RunStatus

    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    host = socket.gethostname()
    running = client.search_runs(
        experiments,
        filter_string=f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = '{host}'",
        max_results=1000,
    )
    reaped = []
    for run in running:
        tags = run.data.tags
        if not _gone(tags):
            continue
        reason = f"killed: process {tags[PID_TAG]} on {host} ended without closing the run"
        client.set_tag(run.info.run_id, FAILURE_TAG, reason)
        client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.FAILED))
        logger.warning("run %s marked FAILED (%s)", run.info.run_id, reason)
        reaped.append(run.info.run_id)
    return reaped
