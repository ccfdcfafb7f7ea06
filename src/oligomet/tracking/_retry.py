"""Store writes that survive other processes writing the same row at the same moment.

MLflow's SQL stores write some rows by looking them up first and inserting them when absent: a
dataset logged to a run (one row per experiment, name and digest), a registered model's alias or
tag, an experiment's tag (``session.merge``). Two processes doing so at once both insert, and the
second one breaks the table's primary key; CI saw it on PostgreSQL with eight trainings at once.
The store rolls that attempt back whole; the next one finds the other process's row and links or
updates it, so these writes are simply made again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["retry_on_duplicate_row"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How a store says that a row exists already (PostgreSQL, MySQL, sqlite; direct or by server).
_DUPLICATE_ROW = ("duplicate key", "uniqueviolation", "unique constraint failed", "duplicate entry")


def is_duplicate_row(error: BaseException) -> bool:
    """Whether ``error`` is a store refusing a row because another one has its key."""
    text = str(error).lower()
    return any(marker in text for marker in _DUPLICATE_ROW)


def retry_on_duplicate_row(call: Callable[..., T], *args, attempts: int = 4, **kwargs) -> T:
    """``call(*args, **kwargs)``, made again (at most ``attempts`` times in all, a little later
    each time) while the store refuses it for a row another process has just written.

    Only for writes that are the same whether the row exists or not (log a dataset input, set an
    alias or a tag); any other error is raised at once.
    """
    from mlflow.exceptions import MlflowException

    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except MlflowException as error:
            if attempt == attempts - 1 or not is_duplicate_row(error):
                raise
            logger.debug("row written meanwhile by another process; again: %s", error)
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover
