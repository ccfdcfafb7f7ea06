"""The executor seam: results in task order, shared data, one progress callback, clear errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from oligomet import InputError
from oligomet.parallel import (
    LazyExecutor,
    LocalExecutor,
    default_n_jobs,
    make_executor,
    threads_per_worker,
)


def _slow_square(x, *, offset, delays):
    import time

    time.sleep(delays[x])
    return x * x + offset


def _blas_threads(_, **shared):
    from threadpoolctl import threadpool_info

    return max((pool["num_threads"] for pool in threadpool_info()), default=1)


def _warns(x):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(f"task {x} did not converge", ConvergenceWarning, stacklevel=1)
    return x


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_warnings_of_worker_processes_are_issued_in_the_caller(n_jobs):
    """So that the command line's filters count and summarise them, as in-process ones."""
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning) as caught:
        assert LocalExecutor(n_jobs).map(_warns, range(3)) == [0, 1, 2]
    assert sorted(str(w.message) for w in caught) == [
        f"task {x} did not converge" for x in range(3)
    ]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_results_come_back_in_task_order_with_progress(n_jobs):
    # The first task is the slowest: a worker finishes the others first.
    delays = np.array([0.3, 0.0, 0.05, 0.0, 0.1])
    seen = []
    results = LocalExecutor(n_jobs).map(
        _slow_square,
        range(5),
        shared={"offset": 1, "delays": delays},
        progress=lambda done, total: seen.append((done, total)),
    )
    assert results == [1, 2, 5, 10, 17]
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_worker_threads_are_capped_to_share_the_cores():
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(1, cores=8) == 8
    assert threads_per_worker(16, cores=2) == 1
    assert LocalExecutor(2).map(_blas_threads, range(2)) == [1, 1]


def test_n_jobs_from_argument_environment_or_cores(monkeypatch):
    monkeypatch.setenv("OLIGOMET_N_JOBS", "3")
    assert default_n_jobs() == 3
    assert default_n_jobs(2) == 2
    monkeypatch.delenv("OLIGOMET_N_JOBS")
    assert default_n_jobs() >= 1
    assert default_n_jobs(-1) == default_n_jobs()
    monkeypatch.setenv("OLIGOMET_N_JOBS", "many")
    with pytest.raises(InputError, match="OLIGOMET_N_JOBS"):
        default_n_jobs()
    with pytest.raises(InputError, match="n_jobs"):
        default_n_jobs(0)


def test_backend_mistakes_are_input_errors(monkeypatch):
    with pytest.raises(InputError, match="--scheduler needs --backend dask"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="'local' or 'dask'"):
        make_executor("ray")
    # Without dask installed, the error says what to install.
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(InputError, match=r"oligomet\[dask\]"):
        make_executor("dask")


def test_a_lazy_executor_starts_nothing_until_used():
    made = []

    def make():
        made.append(1)
        return LocalExecutor(1)

    with LazyExecutor(make) as lazy:
        assert made == []
        assert lazy.map(_slow_square, [2], shared={"offset": 0, "delays": [0, 0, 0]}) == [4]
        assert made == [1]
