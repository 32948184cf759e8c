"""Analysis within each imputation, pooled: every effect type, balance across imputations, the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.imputation import (
    analyse_imputed,
    apply_missing_rule,
    impute_chained,
    pool_balance,
    pool_results,
    pool_scalar,
    tidy_estimates,
)
from altmeasures_eval.matching import balance_table, estimate_propensity, weight_ipw


def _cohort(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = np.where(rng.random(n) < 0.4, "urban", "rural")
    t = (rng.random(n) < expit(0.8 * x - 0.5 * (z == "urban"))).astype(int)
    p = expit(-0.5 + 0.6 * x - 0.4 * t)
    y = (rng.random(n) < p).astype(int)
    time = np.where(y == 1, rng.uniform(1, 365, n), 365.0)
    d = pd.DataFrame({"x": x, "z": z, "treatment": t, "y": y, "time": time, "event": y,
                      "etype": np.where(y == 1, np.where(rng.random(n) < 0.2, 2, 1), 0),
                      "bed_days": rng.poisson(3 + 2 * x.clip(0), n).astype(float),
                      "cost": rng.gamma(2, 500 + 200 * t, n)})
    miss = rng.random(n) < expit(-1.5 + 0.8 * y + 0.5 * (z == "urban"))
    return d.assign(x=d["x"].where(~miss))


@pytest.fixture(scope="module")
def imputed():
    d = _cohort()
    return impute_chained(d, ["x", "z"], auxiliary=["treatment", "y"], duration="time", event="event", m=5,
                          random_state=11)


def _design(c):
    ps = estimate_propensity(c, "treatment", ["x", "z"])
    return weight_ipw(c, "treatment", ps, estimand="ATT")


def test_risk_difference_and_ratio_pooled_by_hand(imputed):
    """The pooled risk ratio is exp(mean of the m log ratios); its SE that of Rubin's rules on the log
    scale (recomputed here with pool_scalar from the m completed-data results)."""
    res = analyse_imputed(imputed, lambda c: estimate_effect(c, "y", "treatment", _design(c)))
    logs = [np.log(r.summary.loc["risk_ratio", "estimate"]) for r in res.results]
    ses = [r.summary.loc["risk_ratio", "se"] for r in res.results]
    ref = pool_scalar(logs, np.square(ses))
    rr = res.summary.loc["risk_ratio"]
    assert rr["estimate"] == pytest.approx(np.exp(ref.estimate))
    assert rr["se"] == pytest.approx(ref.se) and rr["fmi"] == pytest.approx(ref.fmi)
    assert rr["ci_low"] == pytest.approx(np.exp(ref.ci_low))
    rd = res.summary.loc["risk_difference"]
    ref = pool_scalar([r.summary.loc["risk_difference", "estimate"] for r in res.results],
                      [r.summary.loc["risk_difference", "se"] ** 2 for r in res.results])
    assert rd["estimate"] == pytest.approx(ref.estimate) and rd["df"] == pytest.approx(ref.df)
    assert 0 < rd["fmi"] < 1 and res.m == 5 and len(res.per_imputation) == 10


def test_survival_measures_pooled(imputed):
    from altmeasures_eval import survival

    def tte(c):
        w = c.assign(w=_design(c).weights.reindex(c.index).to_numpy())
        return survival.time_to_event_effects(w, "time", "event", "treatment", weights="w", times=[180, 365])

    res = analyse_imputed(imputed, tte)
    assert {"risk_difference t=180", "rmst_difference t=365", "hazard_ratio"} <= set(res.summary.index)
    hr = res.summary.loc["hazard_ratio"]
    logs = [r.summary.set_index("measure").loc["log_hazard_ratio", "estimate"] for r in res.results]
    assert hr["scale"] == "log" and hr["estimate"] == pytest.approx(np.exp(np.mean(logs)))

    def cif(c):
        w = c.assign(w=_design(c).weights.reindex(c.index).to_numpy())
        return survival.cumulative_incidence_difference(w, "time", "etype", "treatment", weights="w", times=[365])

    res = analyse_imputed(imputed, cif)
    assert len(res.summary) == 1 and np.isfinite(res.summary["se"]).all()


def test_bed_days_and_costs_pooled(imputed):
    bed = analyse_imputed(imputed, lambda c: estimate_effect(c, "bed_days", "treatment", _design(c)))
    assert {"mean_difference", "rate_ratio"} <= set(bed.summary.index)

    def cost(c):  # a tidy table is accepted as well: weighted mean cost difference with a sandwich SE
        from altmeasures_eval.effects import weighted_mean_difference

        r = weighted_mean_difference(c["cost"].to_numpy(), c["treatment"].to_numpy(),
                                     _design(c).weights.reindex(c.index).to_numpy())
        return pd.DataFrame({"measure": ["cost_difference"], "estimate": [r["estimate"]], "se": [r["se"]]})

    res = analyse_imputed(imputed, cost)
    assert res.summary.index.tolist() == ["cost_difference"] and res.summary["scale"].iloc[0] == "identity"


def test_tidy_keys_ratios_and_hazard_ratio_rows():
    # worked by hand: a summary without key columns is one "estimate"; a ratio on the log scale (an
    # EffectResult's scale column) is pooled as its log; a TimeToEventEffects-like summary keeps the log hazard ratio (as "hazard_ratio") and drops
    # the hazard ratio row without SE; times are named t=<days>
    plain = tidy_estimates(pd.DataFrame({"estimate": [0.3], "se": [0.1]}))
    assert plain["key"].tolist() == ["estimate"] and plain["scale"].tolist() == ["identity"]
    ratio = tidy_estimates(pd.DataFrame({"estimate": [2.0], "se": [0.2], "n": [50], "scale": ["log"]},
                                        index=pd.Index(["risk_ratio"], name="measure")))
    assert ratio["estimate"].iloc[0] == pytest.approx(np.log(2.0)) and ratio["scale"].iloc[0] == "log"
    assert ratio["n"].tolist() == [50]
    tte = tidy_estimates(pd.DataFrame({"measure": ["risk_difference", "log_hazard_ratio", "hazard_ratio"],
                                       "time": [365.0, np.nan, np.nan], "estimate": [-0.05, -0.2, np.exp(-0.2)],
                                       "se": [0.01, 0.03, np.nan]}))
    assert tte["key"].tolist() == ["risk_difference t=365", "hazard_ratio"]
    assert tte["scale"].tolist() == ["identity", "log"] and tte["estimate"].tolist() == [-0.05, -0.2]


def test_tidy_rejects_what_it_cannot_pool():
    with pytest.raises(Exception, match="cannot pool"):
        tidy_estimates(42)


def test_measure_missing_in_one_imputation_is_named_not_pooled():
    a = pd.DataFrame({"measure": ["rd", "rr"], "estimate": [0.1, 1.2], "se": [0.05, 0.1]})
    b = pd.DataFrame({"measure": ["rd"], "estimate": [0.12], "se": [0.05]})
    res = pool_results([a, b])
    assert res.summary.index.tolist() == ["rd"] and "rr" in res.notes[0]


def test_balance_per_imputation_and_pooled(imputed):
    bals = []
    for i in range(imputed.m):
        c = imputed.complete(i)
        bals.append(balance_table(c, "treatment", ["x", "z"], _design(c)))
    pooled = pool_balance(bals)
    smds = np.array([b.table["smd_after"].to_numpy() for b in bals])
    np.testing.assert_allclose(pooled["smd_after_mean"].to_numpy(), smds.mean(axis=0))
    np.testing.assert_allclose(pooled["smd_after_max_abs"].to_numpy(), np.abs(smds).max(axis=0))
    assert (pooled["imputations"] == imputed.m).all()


def test_missing_rule():
    d = _cohort(n=200).assign(z=lambda f: f["z"].where(f.index % 10 != 0))
    n_x, n_z = int(d["x"].isna().sum()), int(d["z"].isna().sum())
    with pytest.raises(ConfigError, match=rf"x \({n_x} missing\), z \({n_z} missing\)"):
        apply_missing_rule(d, ["x", "z"], "stop")
    with pytest.raises(ConfigError, match="Impute first"):
        apply_missing_rule(d, ["x", "z"], "impute")
    cc, covs, notes, removed = apply_missing_rule(d, ["x", "z"], "complete_case")
    assert removed == int(d[["x", "z"]].isna().any(axis=1).sum()) and len(cc) == len(d) - removed
    ind, covs, notes, removed = apply_missing_rule(d, ["x", "z"], "indicator")
    assert covs == ("x", "z", "x_missing") and removed == 0 and len(ind) == len(d)
    assert (ind["z"] == "unknown").sum() == n_z and ind["x_missing"].sum() == n_x
    assert ind["x"].notna().all()
    full = d.dropna()
    assert apply_missing_rule(full, ["x"], "stop")[0] is full
    with pytest.raises(ConfigError, match="use one of"):
        apply_missing_rule(d, ["x"], "drop")
