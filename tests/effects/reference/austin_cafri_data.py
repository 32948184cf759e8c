"""Writes austin_cafri_long.csv: the expanded matched data (one row per matched set and member)
that austin_cafri_reference.R reads. Run from the repository root:
``.venv/bin/python tests/effects/reference/austin_cafri_data.py``. Seeded; no identifiers beyond
row positions of a simulated data set."""

from pathlib import Path

import numpy as np
import pandas as pd

from altmeasures_eval.matching import estimate_propensity, match_nearest

HERE = Path(__file__).parent


def simulated(n: int = 400, seed: int = 2020) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n).astype(float)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-0.4 + 0.9 * x1 + 0.5 * x2)))).astype(np.int8)
    rate = 0.002 * np.exp(0.5 * x1 + 0.3 * x2 - 0.4 * t)
    time = np.ceil(rng.exponential(1 / rate))  # whole days: tied event times, so Efron's rule matters
    cens = np.ceil(rng.uniform(200, 900, n))
    return pd.DataFrame({"treatment": t, "x1": x1, "x2": x2, "time": np.minimum(time, cens),
                         "event": (time <= cens).astype(int)})


def long_rows(d: pd.DataFrame, ratio: int) -> pd.DataFrame:
    ps = estimate_propensity(d, "treatment", ["x1", "x2"])
    m = match_nearest(d, "treatment", ps, replace=True, caliper=None, ratio=ratio)
    rows = []
    for s_id, (label, row) in enumerate(zip(m.match_matrix.index, m.match_matrix.to_numpy()), start=1):
        got = [c for c in row if c is not pd.NA]
        rows.append((s_id, label, 1.0))
        rows += [(s_id, c, 1.0 / len(got)) for c in got]
    out = pd.DataFrame(rows, columns=["subclass", "id", "weights"])
    return out.join(d[["time", "event", "treatment"]], on="id").assign(ratio=ratio)


if __name__ == "__main__":
    d = simulated()
    d.to_csv(HERE / "austin_cafri_data.csv", index=False)
    pd.concat([long_rows(d, 1), long_rows(d, 2)]).to_csv(HERE / "austin_cafri_long.csv", index=False)
