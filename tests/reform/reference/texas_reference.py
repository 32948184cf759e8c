"""Reference numbers for the synthetic-control tests (Texas prison expansion, 1993).

Run (NOT part of the test suite; reference-only packages, kept out of the project venv):

    /tmp/reform-ref-venv/bin/pip install causaldata==0.1.5 pysyncon==1.7.0
    /tmp/reform-ref-venv/bin/python tests/reform/reference/texas_reference.py

Data: ``texas`` from the PyPI package ``causaldata`` 0.1.5 (Cunningham, *Causal Inference: The
Mixtape*, chapter 10, the Texas prison-capacity expansion of 1993; shipped as texas.dta, no
network); the extract used by the tests is written to ``texas.csv`` beside this script.

Specification (the Mixtape's Stata ``synth`` call): outcome ``bmprison`` (Black male prisoners);
treated Texas from 1993; donors the other 50 states; predictors bmprison in 1988, 1990, 1991, 1992,
alcohol 1990, aidscapita 1990 and 1991, income, ur and poverty averaged over 1985-1992, black 1990,
1991, 1992, perc1519 1990. Outcome loss over 1985-1992.

Independent implementation: ``pysyncon`` 1.7.0 (``Synth``), predictors standardised by their
standard deviation across units as in R's ``synth``:

* ``ols_v``: V fixed at pysyncon's ``optim_initial="ols"`` start (diag(beta beta') of the regression
  of pre-period outcomes on the standardised predictors), weights by its QP (SLSQP);
* ``nested``: pysyncon's nested optimisation (Nelder-Mead over V from the OLS start, at most 300
  iterations; slow: ``--skip-nested`` writes ``ols_v`` only, and a later full run adds ``nested``).

Output: ``texas_pysyncon.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PRE = list(range(1985, 1993))


def main() -> None:
    from causaldata import texas
    from pysyncon import Dataprep, Synth

    t = texas.load_pandas().data
    t[["state", "year", "bmprison", "alcohol", "aidscapita", "income", "ur", "poverty", "black", "perc1519"]].sort_values(
        ["state", "year"]).to_csv(HERE / "texas.csv", index=False, float_format="%.10g")
    controls = sorted(s for s in t.state.unique() if s != "Texas")
    dp = Dataprep(
        foo=t, predictors=["income", "ur", "poverty"], predictors_op="mean", time_predictors_prior=PRE,
        special_predictors=[("bmprison", [1988], "mean"), ("bmprison", [1990], "mean"), ("bmprison", [1991], "mean"),
                            ("bmprison", [1992], "mean"), ("alcohol", [1990], "mean"), ("aidscapita", [1990], "mean"),
                            ("aidscapita", [1991], "mean"), ("black", [1990], "mean"), ("black", [1991], "mean"),
                            ("black", [1992], "mean"), ("perc1519", [1990], "mean")],
        dependent="bmprison", unit_variable="state", time_variable="year", treatment_identifier="Texas",
        controls_identifier=controls, time_optimize_ssr=PRE)
    out: dict[str, object] = {"source": "pysyncon 1.7.0 Synth on causaldata 0.1.5 texas; see texas_reference.py",
                              "predictor_order": list(dp.make_covariate_mats()[1].index)}
    # the OLS start itself: refit with that V held fixed
    X0, X1 = dp.make_covariate_mats()
    Z0, Z1 = dp.make_outcome_mats()
    Xs = np.hstack([X0.to_numpy(), X1.to_numpy()[:, None]])
    Xs = Xs / Xs.std(axis=1, ddof=1)[:, None]
    Xc = np.hstack([np.ones((Xs.shape[1], 1)), Xs.T])
    Zc = np.hstack([Z0.to_numpy(), Z1.to_numpy()[:, None]])
    beta = np.linalg.inv(Xc.T @ Xc) @ Xc.T @ Zc.T
    v0 = np.diag(beta[1:] @ beta[1:].T)
    v0 = v0 / v0.sum()
    s1 = Synth()
    s1.fit(dataprep=dp, custom_V=v0)
    fits = [("ols_v", s1)]
    if "--skip-nested" not in sys.argv:
        s2 = Synth()
        s2.fit(dataprep=dp, optim_initial="ols", optim_options={"maxiter": 300})
        fits.append(("nested", s2))
    for name, s in fits:
        w = dict(zip(controls, map(float, s.W)))
        gaps = s._gaps(Z0=dp.foo.pivot(index="year", columns="state", values="bmprison")[controls],
                       Z1=dp.foo.pivot(index="year", columns="state", values="bmprison")["Texas"]) if hasattr(s, "_gaps") else None
        pivot = t.pivot(index="year", columns="state", values="bmprison")
        synth = pivot[controls].to_numpy() @ s.W
        gap = pivot["Texas"].to_numpy() - synth
        years = pivot.index.to_numpy()
        out[name] = {"v": [float(x) for x in s.V], "weights": {k: v for k, v in w.items() if v > 1e-4},
                     "loss_v": float(s.loss_V),
                     "pre_rmspe": float(np.sqrt(np.mean(gap[years < 1993] ** 2))),
                     "att_post_mean": float(gap[years >= 1993].mean())}
        del gaps
    old = json.loads((HERE / "texas_pysyncon.json").read_text()) if (HERE / "texas_pysyncon.json").exists() else {}
    old.update(out)
    (HERE / "texas_pysyncon.json").write_text(json.dumps(old, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
