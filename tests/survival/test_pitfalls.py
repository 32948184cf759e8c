"""The lifelines pitfalls named in issue #4, shown against R and against this package.

Each test computes the lifelines number, shows it differs from R's (stored output), and that ours
equals R's. If lifelines fixes one, its test fails and the workaround can be revisited.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from altmeasures_eval.survival import cox_ph, rmst

ROSSI_COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def test_lifelines_rmst_variance_is_not_the_sampling_variance(rossi, r_ref):
    # lifelines issues #1456 / #1682: return_variance gives Var(min(T, tau)), not Var(RMST-hat)
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    sub = rossi[rossi["fin"] == 0]
    km = KaplanMeierFitter().fit(sub["week"], sub["arrest"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy quad warns integrating lifelines' step function
        est, var = restricted_mean_survival_time(km, t=52, return_variance=True)
    r = r_ref("rmst", "rossi")
    r_se = r[(r["group"] == 0) & (r["tau"] == 52)]["se"].iloc[0]  # print(survfit, rmean = 52): 0.9177
    ours = rmst(rossi, "week", "arrest", "fin", times=[52]).by_group.iloc[0]
    assert est == pytest.approx(ours["estimate"])
    assert np.sqrt(var) > 10 * r_se  # ~14 weeks: the spread of min(T, 52) across people
    assert ours["se"] == pytest.approx(r_se, rel=1e-6)


def test_lifelines_robust_cox_ignores_ties(rossi, r_ref):
    from lifelines import CoxPHFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifelines_se = CoxPHFitter().fit(rossi[[*ROSSI_COVS, "week", "arrest"]], "week", "arrest",
                                         robust=True).standard_errors_["fin"]
    r_se = r_ref("cox", "rossi_robust").set_index("term").loc["fin", "robust_se"]  # 0.19554
    ours = cox_ph(rossi, "week", "arrest", ROSSI_COVS, robust=True).summary.set_index("term").loc["fin", "se"]
    assert abs(lifelines_se / r_se - 1) > 0.01
    assert ours == pytest.approx(r_se, rel=1e-6)
