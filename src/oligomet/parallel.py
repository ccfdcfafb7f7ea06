"""Where the work runs: one seam through which cross-validation, permutations and sweeps submit
their tasks, on this machine's cores or on a Dask cluster.

An *executor* maps a function over a list of tasks and returns the results **in the order of the
tasks**, whatever order the workers finish them in. Data every task needs (the expression matrix,
the unfitted pipeline) are passed once as ``shared`` keyword arguments: the local executor hands
them to its worker processes once per map (joblib memory-maps large arrays), the Dask executor
scatters them to every worker once. Each task carries its own seed, so the scores do not depend
on the backend or on the number of workers.

Both executors report progress through one callback, ``progress(done, total)``, called from the
process that submitted the work, so a progress bar looks the same on either.

Threads inside the workers (BLAS, OpenMP, numba) are capped so that the workers together use the
cores they were given and no more: with ``n`` local worker processes on ``c`` cores each gets
``max(1, c // n)`` threads; a Dask worker runs one single-threaded task at a time (start as many
workers as cores).

Examples
--------
>>> from oligomet.parallel import LocalExecutor
>>> def square(x, offset=0):
...     return x * x + offset
>>> LocalExecutor(n_jobs=1).map(square, [1, 2, 3], shared={"offset": 1})
[2, 5, 10]
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ._errors import InputError

__all__ = [
    "DaskExecutor",
    "Executor",
    "LazyExecutor",
    "LocalExecutor",
    "Progress",
    "available_cores",
    "default_n_jobs",
    "make_executor",
]

#: ``progress(done, total)``: called as tasks finish (from the submitting process).
Progress = Callable[[int, int], None]

#: Environment variables that cap the threads of the numerical libraries in a worker.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the system reports one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def default_n_jobs(n_jobs: int | None = None) -> int:
    """Worker processes: ``n_jobs`` if given, else the ``OLIGOMET_N_JOBS`` environment variable,
    else every core this process may use (-1 also means every core). Results never depend on it.
    """
    if n_jobs is None:
        from_env = os.environ.get("OLIGOMET_N_JOBS", "").strip()
        if from_env:
            try:
                n_jobs = int(from_env)
            except ValueError:
                raise InputError(
                    f"OLIGOMET_N_JOBS must be a whole number of processes, got {from_env!r}"
                ) from None
        else:
            n_jobs = available_cores()
    if n_jobs == 0 or n_jobs < -1:
        raise InputError(f"n_jobs must be a positive number of processes (or -1), got {n_jobs}")
    return available_cores() if n_jobs == -1 else int(n_jobs)


def threads_per_worker(n_workers: int, cores: int | None = None) -> int:
    """Threads each of ``n_workers`` processes may start so that together they fill ``cores``."""
    return max(1, (cores or available_cores()) // max(1, n_workers))


class Executor(Protocol):
    """What the evaluation engine and the pipelines need from a place to run work."""

    #: Worker processes (what a speed-up is measured against).
    n_workers: int

    def map(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        *,
        shared: dict[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> list[Any]:
        """``[fn(task, **shared) for task in tasks]``, computed by the workers, in task order."""
        ...


class _Capped:
    """``fn`` run with the worker's numerical thread pools capped at ``threads`` (a class, not a
    closure: it travels to worker processes)."""

    def __init__(self, fn, threads: int) -> None:
        self.fn = fn
        self.threads = threads

    def __call__(self, task, _bundle: _Bundle | None = None, **shared):
        _cap_this_worker(self.threads)
        if _bundle is not None:
            shared = _bundle.values
        # A worker's warnings go back with its result, to be issued in the calling process
        # (:func:`_relayed`): printed here, they would land on the terminal unfiltered, in the
        # middle of a progress bar, and no summary could count them.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = self.fn(task, **shared)
        return result, [_Warning.of(w) for w in caught]


@dataclass(frozen=True)
class _Warning:
    """A warning raised in a worker, as data that travels back to the calling process."""

    message: str
    category: type[Warning]
    filename: str
    lineno: int

    @classmethod
    def of(cls, record: warnings.WarningMessage) -> _Warning:
        category = record.category
        try:
            pickle.dumps(category)
        except Exception:  # a class defined where the caller cannot import it
            category = UserWarning
        return cls(str(record.message), category, record.filename, record.lineno)


def _relayed(output) -> Any:
    """A worker's result, its warnings issued here (the caller's filters and hooks apply)."""
    result, caught = output
    for found in caught:
        warnings.warn_explicit(found.message, found.category, found.filename, found.lineno)
    return result


class _Bundle:
    """The shared keyword arguments as one object: Dask scatters a dict or a list item by item
    (a dict's keys becoming the data's names, the same in every map)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values


# The cap this worker process has (capping costs a scan of the loaded libraries, ~1 ms: it is
# done once per process, not once per task).
_CAPPED: dict[str, int] = {}


def _cap_this_worker(threads: int) -> None:
    """Cap the BLAS/OpenMP pools of this worker process (left in place: a worker only ever runs
    oligomet's tasks; in-process work is never capped). numba's parallel kernels (SNF) do not run
    in the folds; its threads are capped by ``NUMBA_NUM_THREADS`` where a cluster is started."""
    if _CAPPED.get("threads") == threads:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    _CAPPED["threads"] = threads


class LocalExecutor:
    """Worker processes on this machine (joblib's loky backend); ``n_jobs=1`` runs in-process.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Worker processes; None: ``OLIGOMET_N_JOBS``, else every core (:func:`default_n_jobs`).
    """

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_workers = default_n_jobs(n_jobs)

    def __repr__(self) -> str:
        return f"LocalExecutor(n_jobs={self.n_workers})"

    def map(self, fn, tasks, *, shared=None, progress=None) -> list[Any]:
        tasks = list(tasks)
        shared = shared or {}
        total = len(tasks)
        if progress is not None:
            progress(0, total)
        if self.n_workers == 1 or total <= 1:
            results = []
            for done, task in enumerate(tasks, start=1):
                results.append(fn(task, **shared))
                if progress is not None:
                    progress(done, total)
            return results
        from joblib import Parallel, delayed

        worker = _Capped(fn, threads_per_worker(self.n_workers))
        parallel = Parallel(n_jobs=min(self.n_workers, total), return_as="generator")
        results = []
        # Results come back in task order as they are ready; progress follows them.
        for done, output in enumerate(
            parallel(delayed(worker)(task, **shared) for task in tasks), start=1
        ):
            results.append(_relayed(output))
            if progress is not None:
                progress(done, total)
        return results


class DaskExecutor:
    """Tasks on a Dask cluster: an existing one (``scheduler`` address) or a ``LocalCluster``
    of ``n_workers`` single-threaded worker processes started here (and closed by
    :meth:`close`, or on leaving a ``with`` block).

    Parameters
    ----------
    scheduler : str or None, default=None
        Address of a running scheduler (``tcp://host:8786``); None starts a LocalCluster.
    n_workers : int or None, default=None
        Workers of the LocalCluster (default :func:`default_n_jobs`); ignored with
        ``scheduler``.
    on_start : callable or None
        Called with a line to show the user once connected: the cluster and its dashboard
        address.

    Notes
    -----
    Needs ``dask.distributed`` (``pip install "oligomet[dask]"``). The workers must be able to
    import oligomet (and the same versions of its dependencies) as the submitting process.
    """

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        n_workers: int | None = None,
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                'the Dask backend needs dask.distributed: pip install "oligomet[dask]"'
            ) from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s", set_as_default=False)
            except OSError as error:
                raise InputError(
                    f"cannot reach the Dask scheduler at {scheduler}: {error}"
                ) from None
        else:
            # One task at a time per worker process, each single-threaded: the parallelism is
            # the workers' (a fold's BLAS calls are too small to gain from threads).
            with _without_malloc_trim():
                self._cluster = LocalCluster(
                    n_workers=default_n_jobs(n_workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0" if _has_dashboard() else None,
                    env={name: "1" for name in _THREAD_VARIABLES},
                )
            self._client = Client(self._cluster, set_as_default=False)
        self.n_workers = max(1, len(self._client.scheduler_info(n_workers=-1)["workers"]))
        self.threads = 1
        if on_start is not None:
            where = "local Dask cluster" if self._cluster is not None else f"Dask at {scheduler}"
            dashboard = self._client.dashboard_link if _has_dashboard() or scheduler else None
            line = f"{where}: {self.n_workers} workers"
            on_start(line + (f"; dashboard {dashboard}" if dashboard else ""))

    def __repr__(self) -> str:
        return f"DaskExecutor({self._client.scheduler.address!r}, n_workers={self.n_workers})"

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect; a LocalCluster started here is shut down."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map(self, fn, tasks, *, shared=None, progress=None) -> list[Any]:
        from dask.distributed import as_completed

        tasks = list(tasks)
        total = len(tasks)
        if progress is not None:
            progress(0, total)
        if not tasks:
            return []
        # Scattered once, as one object: every task refers to the same copy on each worker.
        bundle = self._client.scatter(_Bundle(shared or {}), broadcast=True, hash=False)
        futures = self._client.map(_Capped(fn, self.threads), tasks, pure=False, _bundle=bundle)
        try:
            for done, _ in enumerate(as_completed(futures, loop=self._client.loop), start=1):
                if progress is not None:
                    progress(done, total)
            return [_relayed(output) for output in self._client.gather(futures)]
        finally:
            # Unfinished tasks (an error, an interrupt) are cancelled; the data are released
            # when the last reference to them goes.
            pending = [future for future in futures if not future.done()]
            if pending:
                self._client.cancel(pending)
            del futures, bundle


def _without_malloc_trim():
    """Dask's configuration for the worker processes it spawns, without its
    ``MALLOC_TRIM_THRESHOLD_=65536``: that setting makes glibc hand freed memory back at once,
    and the folds' many short-lived arrays then ran 60% slower in a worker than in-process
    (measured on van_t_veer_78, 2026-12-06)."""
    import dask

    key = "distributed.nanny.pre-spawn-environ"
    environ = {k: v for k, v in dask.config.get(key, {}).items() if k != "MALLOC_TRIM_THRESHOLD_"}
    return dask.config.set({key: environ})


def _has_dashboard() -> bool:
    """Whether Dask can serve its dashboard (it needs bokeh)."""
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


class LazyExecutor:
    """An executor made on first use: a pipeline whose folds are all reused from the stage cache
    never starts a cluster. :meth:`close` closes it if it was made."""

    def __init__(self, make: Callable[[], Executor]) -> None:
        self._make = make
        self._executor: Executor | None = None

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = self._make()
        return self._executor

    @property
    def n_workers(self) -> int:
        return self.executor.n_workers

    def map(self, fn, tasks, *, shared=None, progress=None) -> list[Any]:
        return self.executor.map(fn, tasks, shared=shared, progress=progress)

    def close(self) -> None:
        close = getattr(self._executor, "close", None)
        if close is not None:
            close()
        self._executor = None

    def __enter__(self) -> LazyExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_executor(
    backend: str = "local",
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[str], None] | None = None,
) -> LocalExecutor | DaskExecutor:
    """The executor a command line asks for: ``"local"`` (joblib processes) or ``"dask"`` (a
    running scheduler at ``scheduler``, else a LocalCluster of ``n_jobs`` workers)."""
    if backend == "local":
        if scheduler:
            raise InputError("--scheduler needs --backend dask")
        return LocalExecutor(n_jobs)
    if backend == "dask":
        return DaskExecutor(scheduler, n_workers=n_jobs, on_start=on_start)
    raise InputError(f"backend must be 'local' or 'dask', got {backend!r}")
