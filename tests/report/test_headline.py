"""Headline numbers against an independent computation, and the Justice Data Lab wording."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from altmeasures_eval.report import headline_sentence


# stage=police has no custody cases (quasi-separation): statsmodels warns but the fitted scores agree
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_headline_rates_match_an_independent_ipw(sample_evaluation) -> None:
    """Treated rate = raw mean; custody rate = mean weighted by p/(1-p) from a statsmodels logit
    fitted here on the same covariates and the population the design retained (ATT odds weights,
    Hirano-Imbens-Ridder 2003)."""
    ev = sample_evaluation
    d = ev.design.data.copy()
    covs = list(ev.covariates)
    for c in covs:
        if d[c].dtype == object:
            d[c] = d[c].fillna("unknown")
    x = pd.get_dummies(d[covs], drop_first=True, dtype=float)
    fit = sm.Logit(d["treatment"].astype(float), sm.add_constant(x)).fit(disp=0, maxiter=200)
    p = fit.predict(sm.add_constant(x))
    y = d["reoffend_365"]
    t = d["treatment"] == 1
    obs = y.notna()
    rate_t = y[t & obs].mean()
    w = (p / (1 - p))[~t & obs]
    rate_c = np.average(y[~t & obs], weights=w)
    e = ev.recidivism[365]
    if hasattr(e, "results"):  # [design] missing = "impute" (#17): ev.design.data is the first completed
        # data set and results[0] its analysis; the headline is the mean over the m analyses (Rubin)
        rds = [r.summary.loc["risk_difference", "estimate"] for r in e.results]
        assert e.summary.loc["risk_difference", "estimate"] == pytest.approx(np.mean(rds), abs=1e-12)
        e = e.results[0]
    assert e.means.loc["treated", "mean"] == pytest.approx(rate_t, abs=1e-9)
    assert e.means.loc["control", "mean"] == pytest.approx(rate_c, abs=1e-6)
    assert e.summary.loc["risk_difference", "estimate"] == pytest.approx(rate_t - rate_c, abs=1e-6)
    n = ev.naive[365]
    if hasattr(n, "results"):  # pooled too (#17): the mean over the m unadjusted comparisons, the first on ev.design.data
        rds = [r.summary.loc["risk_difference", "estimate"] for r in n.results]
        assert n.summary.loc["risk_difference", "estimate"] == pytest.approx(np.mean(rds), abs=1e-12)
        n = n.results[0]
    naive = n.summary.loc["risk_difference", "estimate"]
    assert naive == pytest.approx(rate_t - y[~t & obs].mean(), abs=1e-9)
    # the attrition flow ends at the population compared
    assert ev.attrition["persons_remaining"].iloc[-1] == ev.n_treated + ev.n_control == len(ev.design.data)


def test_jdl_sentence_wording() -> None:
    """Hand-made numbers: 32.94% vs 39.36%, CI -10.98 to -1.91 points (rounded by hand to one decimal:
    32.9, 39.4, and a fall of between 1.9 and 11.0 people in every 100)."""
    e = SimpleNamespace(means=pd.DataFrame({"mean": [0.3294, 0.3936]}, index=["treated", "control"]),
                        summary=pd.DataFrame({"estimate": [-0.0642], "ci_low": [-0.1098], "ci_high": [-0.0191]},
                                             index=["risk_difference"]))
    ev = SimpleNamespace(recidivism={365: e, 730: e}, headline_horizon=365, design=SimpleNamespace(estimand="ATT"))
    assert headline_sentence(ev) == (
        "For every 100 people given an alternative measure, 32.9 reoffended within one year, compared with 39.4 "
        "of every 100 similar people sent to custody. With an alternative measure, between 1.9 and 11.0 fewer "
        "people in every 100 reoffend (95% confidence interval of the difference).")
    assert "within 2 years" in headline_sentence(ev, 730)
    assert headline_sentence(SimpleNamespace(recidivism={}, headline_horizon=365)) is None
    # the estimand is the one the design estimated (Design.estimand), not the config's
    atc = SimpleNamespace(recidivism={365: e}, headline_horizon=365, design=SimpleNamespace(estimand="ATC"),
                          spec=SimpleNamespace(design=SimpleNamespace(estimand="ATT")))
    assert headline_sentence(atc).startswith("For every 100 people sent to custody, 39.4 reoffended within one year, "
                                             "compared with 32.9 of every 100 similar people given an alternative")
    ato = SimpleNamespace(recidivism={365: e}, headline_horizon=365, design=SimpleNamespace(estimand="ATO"),
                          spec=SimpleNamespace(design=SimpleNamespace(estimand="ATE")))
    assert headline_sentence(ato).startswith("Among the people who could have received either sentence, 32.9 of "
                                             "every 100 would reoffend within one year if given an alternative")


def test_failing_stage_is_named(sample_dataset) -> None:
    from altmeasures_eval.evaluation import EvaluationError, EvaluationSpec, run_evaluation

    spec = EvaluationSpec.from_config({"design": {"covariates": ["age", "shoe_size"]}})
    with pytest.raises(EvaluationError, match=r"evaluation stage 'design' failed: .*shoe_size.*\n  fix: check \[design\]"):
        run_evaluation(sample_dataset, spec, progress=False)


def test_subgroups_identical_in_parallel(sample_evaluation) -> None:
    """[run] n_jobs only changes where the per-alternative designs run, not the numbers."""
    from dataclasses import replace

    from altmeasures_eval.evaluation._run import _subgroups

    ev = sample_evaluation
    spec = replace(ev.spec, run=replace(ev.spec.run, n_jobs=2),
                   outcomes=replace(ev.spec.outcomes, subgroups=("disposition",)))
    par, skipped = _subgroups(ev.design.data, ev.design.result, spec, None, ev.design.covariates)
    # ev.subgroups is pooled over imputations (#17): the serial run is on the same completed data set
    one = replace(spec, run=replace(spec.run, n_jobs=1))
    serial, _ = _subgroups(ev.design.data, ev.design.result, one, None, ev.design.covariates)
    pd.testing.assert_frame_equal(par.drop(columns="p_holm"), serial.drop(columns="p_holm"))
