"""Parallel map over replications with deterministic per-task random streams.

Each replication ``i`` gets its own generator from ``numpy.random.SeedSequence(random_state).spawn``,
so results are identical whatever the number of workers or the backend. Replications are sent to
workers in contiguous batches to keep scheduling overhead low.

Backends
--------
``serial``
    ``n_jobs=1`` and no scheduler: everything runs in this process.
``joblib``
    ``n_jobs != 1``: local worker processes (loky); ``-1`` uses every core.
``dask``
    A Dask distributed scheduler is named, either by ``parallel_map(..., scheduler=...)`` or for a
    whole block by ``with compute_backend(scheduler=...)`` (what a config's ``[compute]`` section
    sets, see :func:`compute_settings`). Batches are submitted with ``Client.map`` and gathered in
    order; the per-replication seeds are the same as locally, so the results equal the local run
    bit for bit (up to the floating-point determinism of ``fn`` itself).

A scheduler given explicitly is used whatever ``n_jobs`` says: naming a cluster is the request to
use it. Code running inside a Dask task does not see the block's scheduler (context variables are
not carried to worker threads or processes), so nested ``parallel_map`` calls run serially there.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from altmeasures_eval._errors import ComputeError, ConfigError

__all__ = ["CONNECT_TIMEOUT", "ComputeSettings", "check_scheduler", "compute_backend", "compute_settings", "parallel_map",
           "spawn_generators"]

T = TypeVar("T")

#: Scheduler for ``parallel_map`` calls that do not name one (set by :func:`compute_backend`).
_SCHEDULER: contextvars.ContextVar[Any] = contextvars.ContextVar("altmeasures_eval_scheduler", default=None)

_SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")


@dataclass(frozen=True)
class ComputeSettings:
    """The ``[compute]`` config section: where parallel replications run.

    Attributes
    ----------
    scheduler : str or None
        Address of a running Dask distributed scheduler (``"tcp://host:8786"``); ``None`` runs on
        local cores (the number of local processes is ``[run] n_jobs``).
    """

    scheduler: str | None = None


def compute_settings(section: Mapping[str, Any] | None) -> ComputeSettings:
    """Parse and check a config's ``[compute]`` section.

    Parameters
    ----------
    section : mapping or None
        The section as read from TOML (``config.section("compute")``); empty or ``None`` means
        local computation.

    Returns
    -------
    ComputeSettings

    Raises
    ------
    ConfigError
        On an unknown key or a scheduler that is not a Dask address.

    Examples
    --------
    >>> compute_settings({"scheduler": "tcp://10.0.0.5:8786"})
    ComputeSettings(scheduler='tcp://10.0.0.5:8786')
    >>> compute_settings({})
    ComputeSettings(scheduler=None)
    """
    raw = dict(section or {})
    unknown = sorted(set(raw) - {"scheduler"})
    if unknown:
        raise ConfigError(f"[compute] unknown key(s) {unknown}: the only key is 'scheduler' "
                          "(local worker processes are [run] n_jobs)")
    scheduler = raw.get("scheduler")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise ConfigError(f"[compute] scheduler must be a Dask scheduler address string, got {scheduler!r}")
        scheduler = scheduler.strip()
        if not scheduler.startswith(_SCHEMES):
            raise ConfigError(
                f"[compute] scheduler {scheduler!r} is not a Dask scheduler address: write it as "
                f"'tcp://HOST:PORT' (schemes: {', '.join(_SCHEMES)}), as printed by `dask scheduler`")
    return ComputeSettings(scheduler=scheduler)


@contextlib.contextmanager
def compute_backend(scheduler: Any = None) -> Iterator[None]:
    """Run every :func:`parallel_map` in the block on a Dask scheduler.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        A scheduler address (``"tcp://..."``), a connected ``distributed.Client`` (e.g. on a
        ``LocalCluster``) or a :class:`ComputeSettings`; ``None`` keeps local computation.

    Examples
    --------
    >>> with compute_backend(None):
    ...     parallel_map(lambda i, rng: i, 3)
    [0, 1, 2]
    """
    if isinstance(scheduler, ComputeSettings):
        scheduler = scheduler.scheduler
    token = _SCHEDULER.set(scheduler)
    try:
        yield
    finally:
        _SCHEDULER.reset(token)


def spawn_generators(random_state: int | np.random.SeedSequence | None, n: int) -> list[np.random.Generator]:
    """``n`` independent generators, one per replication, from one seed."""
    ss = random_state if isinstance(random_state, np.random.SeedSequence) else np.random.SeedSequence(random_state)
    return [np.random.default_rng(s) for s in ss.spawn(n)]


def _run_batch(fn: Callable[[int, np.random.Generator], T], items: Sequence[tuple[int, np.random.SeedSequence]]) -> list[T]:
    return [fn(i, np.random.default_rng(s)) for i, s in items]


@contextlib.contextmanager
def _dask_client(scheduler: Any) -> Iterator[Any]:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            f"a Dask scheduler ({scheduler!r}) was given but dask.distributed is not installed: "
            "`pip install altmeasures_eval[dask]`, or remove [compute] scheduler to run on local cores"
        ) from exc
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    try:
        client = distributed.Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ComputeError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({exc}): start it with `dask scheduler` "
            "and workers with `dask worker ADDRESS`, or remove [compute] scheduler to run on local cores"
        ) from exc
    try:
        yield client
    finally:
        client.close()


#: Seconds to wait for a Dask scheduler to answer before the run stops (instead of distributed's
#: default of 30 s per attempt, which made an unreachable scheduler fail after a minute).
CONNECT_TIMEOUT = 5


def check_scheduler(scheduler: str | None, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast, before any data are read, when the ``[compute]`` scheduler cannot be reached.

    Opens (and closes) a TCP connection to the scheduler's host and port.

    Raises
    ------
    ComputeError
        The address cannot be reached within ``timeout`` seconds (exit status 4).
    """
    if not scheduler or not str(scheduler).startswith("tcp://"):
        return  # other schemes (tls://, inproc://) are left to distributed itself
    import socket

    host, _, port = str(scheduler)[len("tcp://"):].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise ComputeError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s ({exc}): start it with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, check the address in [compute] "
            "scheduler, or remove that key to run on local cores") from None


def _dask_workers(client: Any) -> int:
    return max(1, int(sum(client.nthreads().values())))


def parallel_map(
    fn: Callable[[int, np.random.Generator], T],
    n_tasks: int,
    *,
    random_state: int | np.random.SeedSequence | None = None,
    n_jobs: int = 1,
    batch_size: int | None = None,
    scheduler: Any = None,
) -> list[T]:
    """Evaluate ``fn(i, rng_i)`` for ``i = 0 .. n_tasks-1`` and return the results in order.

    Parameters
    ----------
    fn : callable
        ``fn(task_index, generator) -> result``; must be picklable for ``n_jobs != 1`` or Dask.
    n_tasks : int
        Number of replications.
    random_state : int or SeedSequence, optional
        Root seed; replication ``i`` always receives the ``i``-th spawned stream, whatever the
        backend, so results do not depend on ``n_jobs`` or on the cluster.
    n_jobs : int
        Local worker processes (joblib semantics: -1 = all cores). 1 runs in this process.
    batch_size : int, optional
        Replications per dispatched batch (default: about four batches per worker).
    scheduler : str or distributed.Client, optional
        Dask scheduler address or client; default: the one set by :func:`compute_backend`, if any.

    Returns
    -------
    list
        ``[fn(0, rng_0), fn(1, rng_1), ...]``.
    """
    if n_tasks < 0:
        raise ConfigError(f"n_tasks must be >= 0, got {n_tasks}")
    ss = random_state if isinstance(random_state, np.random.SeedSequence) else np.random.SeedSequence(random_state)
    items = list(enumerate(ss.spawn(n_tasks)))
    if scheduler is None:
        scheduler = _SCHEDULER.get()
    if n_jobs == 1 and scheduler is None:
        return _run_batch(fn, items)

    def batches(workers: int) -> list[Sequence[tuple[int, np.random.SeedSequence]]]:
        size = batch_size or max(1, int(np.ceil(n_tasks / (4 * workers))))
        return [items[k : k + size] for k in range(0, n_tasks, size)]

    if scheduler is not None:
        with _dask_client(scheduler) as client:
            parts = batches(_dask_workers(client))
            futures = client.map(_run_batch, [fn] * len(parts), parts, pure=False)
            out = client.gather(futures)
        return [r for batch in out for r in batch]
    import joblib

    workers = joblib.cpu_count() if n_jobs in (-1, None) else max(1, int(n_jobs))
    out = joblib.Parallel(n_jobs=workers)(joblib.delayed(_run_batch)(fn, b) for b in batches(workers))
    return [r for batch in out for r in batch]
