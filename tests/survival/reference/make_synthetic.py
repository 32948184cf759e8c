"""Regenerate synthetic.csv and rossi.csv, the inputs shared by survival_reference.R and the tests.

Run from the repository root: ``.venv/bin/python tests/survival/reference/make_synthetic.py``.
synthetic.csv: 400 rows, integer days (many ties), two groups, two covariates, three strata,
non-integer weights, clusters of two rows that may mix groups, event types 0/1/2 (2 = competing).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from lifelines.datasets import load_rossi

HERE = Path(__file__).resolve().parent

load_rossi().to_csv(HERE / "rossi.csv", index=False)
rng = np.random.default_rng(20261128)
n = 400
g = rng.integers(0, 2, n)
x1 = rng.normal(size=n)
x2 = rng.integers(0, 2, n)
st = rng.integers(0, 3, n)
lp = 0.5 * g - 0.3 * x1 + 0.4 * x2
t1 = rng.exponential(200 * np.exp(-lp))
t2 = rng.exponential(900, n)
c = rng.uniform(50, 400, n)
t = np.ceil(np.minimum.reduce([t1, t2, c]))
et = np.select([t1 <= np.minimum(t2, c), t2 <= np.minimum(t1, c)], [1, 2], 0)
w = np.round(rng.uniform(0.3, 3, n), 3)
cl = rng.permutation(n) // 2
pd.DataFrame(dict(time=t, etype=et, event=(et == 1).astype(int), group=g, x1=np.round(x1, 4), x2=x2,
                  stratum=st, w=w, cl=cl)).to_csv(HERE / "synthetic.csv", index=False)
