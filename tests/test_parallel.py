"""The parallel backends give the same numbers as the serial run for the same seed.

Reference: the serial run itself (``n_jobs=1``), which draws replication ``i`` from the ``i``-th
``SeedSequence`` spawn; joblib and Dask must reproduce it exactly because the seeds travel with
the tasks, not with the workers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval._parallel import (
    ComputeSettings,
    compute_backend,
    compute_settings,
    parallel_map,
    spawn_generators,
)


def _draw(i: int, rng: np.random.Generator) -> tuple[int, float]:
    return i, float(rng.normal())


def _matched_sample(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, object]:
    from altmeasures_eval.matching import estimate_propensity, match_nearest

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.binomial(1, 0.4, size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.8 * x + 0.5 * z))))
    y = rng.binomial(1, 1 / (1 + np.exp(-(-0.3 + 0.6 * x - 0.4 * t))))
    data = pd.DataFrame({"x": x, "z": z, "t": t, "y": y})
    m = match_nearest(data, "t", estimate_propensity(data, "t", ["x", "z"]), caliper=0.2, replace=False)
    return data, m


def test_serial_map_uses_spawned_streams_in_order():
    out = parallel_map(_draw, 5, random_state=11)
    ref = [float(g.normal()) for g in spawn_generators(11, 5)]
    assert [i for i, _ in out] == list(range(5))
    assert [v for _, v in out] == ref


def test_joblib_equals_serial_for_any_batch_size():
    serial = parallel_map(_draw, 37, random_state=5)
    assert parallel_map(_draw, 37, random_state=5, n_jobs=2) == serial
    assert parallel_map(_draw, 37, random_state=5, n_jobs=2, batch_size=1) == serial
    assert parallel_map(_draw, 0, random_state=5, n_jobs=2) == []
    # a batch size that does not divide the count, and every replication its own stream (moved from
    # tests/effects/test_aipw_subgroups.py, so that the worker pool starts in one xdist worker only)
    serial = parallel_map(_draw, 50, random_state=123)
    assert parallel_map(_draw, 50, random_state=123, n_jobs=2, batch_size=7) == serial
    assert len({v for _, v in serial}) == 50


def test_weighting_bootstrap_on_two_workers_equals_serial():
    """The bootstrap of an IPW (ATT) risk difference: the same replicates on two local workers as
    serially, for the same seed (moved from tests/effects/test_contrast.py, whose own test keeps the
    serial run; the matched pair bootstrap is below)."""
    from altmeasures_eval.effects import estimate_effect
    from altmeasures_eval.matching import estimate_propensity, weight_ipw
    from tests.effects.test_contrast import _binary_data

    data = _binary_data(n=600, seed=4)
    w = weight_ipw(data, "t", estimate_propensity(data, "t", ["x", "z"]), estimand="ATT")
    a = estimate_effect(data, "y", "t", w, variance="bootstrap", n_boot=200, random_state=7)
    b = estimate_effect(data, "y", "t", w, variance="bootstrap", n_boot=200, random_state=7, n_jobs=2)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_compute_settings_parses_and_rejects():
    assert compute_settings(None) == ComputeSettings()
    assert compute_settings({"scheduler": " tcp://10.1.2.3:8786 "}) == ComputeSettings("tcp://10.1.2.3:8786")
    with pytest.raises(ConfigError, match="tcp://HOST:PORT"):
        compute_settings({"scheduler": "10.1.2.3:8786"})
    with pytest.raises(ConfigError, match="address string"):
        compute_settings({"scheduler": 8786})
    with pytest.raises(ConfigError, match="unknown key.*run\\] n_jobs"):
        compute_settings({"n_jobs": 2})


def test_unreachable_scheduler_is_a_config_error(monkeypatch):
    pytest.importorskip("distributed")
    from altmeasures_eval import _parallel

    # port 9 (discard) on localhost: nothing listens there. The client waits CONNECT_TIMEOUT (5 s)
    # before it gives up; 0.3 s keeps the test fast and still lets distributed retry its connection
    # (refused at once, it retries after a random wait of at most 0.01 s, 0.02 s, 0.04 s, ...).
    monkeypatch.setattr(_parallel, "CONNECT_TIMEOUT", 0.3)
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        parallel_map(_draw, 3, random_state=1, scheduler="tcp://127.0.0.1:9")


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def test_dask_map_equals_serial(dask_client):
    serial = parallel_map(_draw, 23, random_state=9)
    assert parallel_map(_draw, 23, random_state=9, scheduler=dask_client) == serial
    with compute_backend(dask_client):
        assert parallel_map(_draw, 23, random_state=9) == serial
    # the block ends: back to local computation
    assert parallel_map(_draw, 23, random_state=9, n_jobs=1) == serial


def test_dask_by_address_equals_serial(dask_client):
    """A scheduler named by its address (what `[compute] scheduler` holds) connects its own client."""
    address = dask_client.scheduler.address
    assert address.startswith("inproc://")
    serial = parallel_map(_draw, 9, random_state=2)
    with compute_backend(compute_settings({"scheduler": address})):
        assert parallel_map(_draw, 9, random_state=2) == serial


def test_matched_bootstrap_on_local_cluster_equals_local_run(dask_client):
    """Pair bootstrap of the matched risk difference: the LocalCluster gives the local numbers exactly."""
    from altmeasures_eval.effects import estimate_effect

    data, m = _matched_sample()
    kw = dict(variance="bootstrap", n_boot=200, random_state=2026)
    local = estimate_effect(data, "y", "t", m, **kw).summary
    two_cores = estimate_effect(data, "y", "t", m, n_jobs=2, **kw).summary
    with compute_backend(dask_client):
        on_dask = estimate_effect(data, "y", "t", m, **kw).summary
    pd.testing.assert_frame_equal(on_dask, local, check_exact=True)
    pd.testing.assert_frame_equal(two_cores, local, check_exact=True)
    rd = local.loc[local.index[0]]
    assert rd["se"] > 0 and rd["ci_low"] < rd["estimate"] < rd["ci_high"]


def test_matched_bootstrap_on_worker_processes_equals_local_run(dask_worker_processes):
    """Two worker processes: the replicate function and the seeds cross a process boundary (pickled)."""
    distributed = pytest.importorskip("distributed")
    from altmeasures_eval.effects import estimate_effect

    data, m = _matched_sample(n=400, seed=8)
    kw = dict(variance="bootstrap", n_boot=100, random_state=77)
    local = estimate_effect(data, "y", "t", m, **kw).summary
    cluster = dask_worker_processes  # the session's (tests/conftest.py), reached by its tcp:// address
    with distributed.Client(cluster, set_as_default=False) as client:
        assert len(client.nthreads()) == 2
        assert all(not w.startswith("inproc://") for w in client.nthreads())  # worker processes
        with compute_backend(cluster.scheduler_address):
            remote = estimate_effect(data, "y", "t", m, **kw).summary
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
