"""Parallel map over replications with deterministic per-task random streams.

Each replication ``i`` gets its own generator from ``numpy.random.SeedSequence(random_state).spawn``,
so results are identical whatever the number of workers or the backend. Replications are sent to
workers in contiguous batches to keep scheduling overhead low.

Backends: ``"joblib"`` (processes via loky, default when ``n_jobs != 1``) and ``"serial"``. A Dask
backend (``scheduler="tcp://..."``) belongs to issue #9: pass ``scheduler`` and it is routed to
:func:`_dask_map`, which raises until that issue provides it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from altmeasures_eval._errors import ConfigError

__all__ = ["parallel_map", "spawn_generators"]

T = TypeVar("T")


def spawn_generators(random_state: int | np.random.SeedSequence | None, n: int) -> list[np.random.Generator]:
    """``n`` independent generators, one per replication, from one seed."""
    ss = random_state if isinstance(random_state, np.random.SeedSequence) else np.random.SeedSequence(random_state)
    return [np.random.default_rng(s) for s in ss.spawn(n)]


def _run_batch(fn: Callable[[int, np.random.Generator], T], items: Sequence[tuple[int, np.random.SeedSequence]]) -> list[T]:
    return [fn(i, np.random.default_rng(s)) for i, s in items]


def _dask_map(fn, batches, scheduler):  # pragma: no cover - seam for issue #9
    raise ConfigError(
        f"a Dask scheduler ({scheduler!r}) was given, but the Dask backend is not available yet (issue #9); "
        "omit `scheduler` to run on local cores"
    )


def parallel_map(
    fn: Callable[[int, np.random.Generator], T],
    n_tasks: int,
    *,
    random_state: int | np.random.SeedSequence | None = None,
    n_jobs: int = 1,
    batch_size: int | None = None,
    scheduler: str | None = None,
) -> list[T]:
    """Evaluate ``fn(i, rng_i)`` for ``i = 0 .. n_tasks-1`` and return the results in order.

    Parameters
    ----------
    fn : callable
        ``fn(task_index, generator) -> result``; must be picklable for ``n_jobs != 1``.
    n_tasks : int
        Number of replications.
    random_state : int or SeedSequence, optional
        Root seed; replication ``i`` always receives the ``i``-th spawned stream.
    n_jobs : int
        Worker processes (joblib semantics: -1 = all cores). 1 runs in this process.
    batch_size : int, optional
        Replications per dispatched batch (default: about four batches per worker).
    scheduler : str, optional
        Address of a Dask scheduler (issue #9's backend).
    """
    if n_tasks < 0:
        raise ConfigError(f"n_tasks must be >= 0, got {n_tasks}")
    ss = random_state if isinstance(random_state, np.random.SeedSequence) else np.random.SeedSequence(random_state)
    items = list(enumerate(ss.spawn(n_tasks)))
    if n_jobs == 1 and scheduler is None:
        return _run_batch(fn, items)
    import joblib

    workers = joblib.cpu_count() if n_jobs in (-1, None) else max(1, int(n_jobs))
    size = batch_size or max(1, int(np.ceil(n_tasks / (4 * workers))))
    batches = [items[k : k + size] for k in range(0, n_tasks, size)]
    if scheduler is not None:
        return _dask_map(fn, batches, scheduler)
    out = joblib.Parallel(n_jobs=workers)(joblib.delayed(_run_batch)(fn, b) for b in batches)
    return [r for batch in out for r in batch]
