"""Published results on the Rossi et al. (1980) recidivism experiment.

Source: Fox J, Weisberg S (2018). "Cox Proportional-Hazards Regression for Survival Data in R",
online appendix to An R Companion to Applied Regression, 3rd ed., Sage. The Cox table is
``coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)`` (Efron):
printed to 5 decimals, "Likelihood ratio test=33.27 on 7 df". Kaplan-Meier 52-week arrest
proportions and the log-rank chi-square 3.8 (p = 0.05) for financial aid: same source, section 2 /
R ``survdiff`` print.
"""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval.survival import cox_ph, kaplan_meier, logrank_test

# term: (coef, se(coef)) as printed in the appendix (5 decimals); compared to 4 decimals
FOX_WEISBERG = {
    "fin": (-0.37942, 0.19138),
    "age": (-0.05744, 0.02200),
    "race": (0.31390, 0.30799),
    "wexp": (-0.14980, 0.21222),
    "mar": (-0.43370, 0.38187),
    "paro": (-0.08487, 0.19576),
    "prio": (0.09150, 0.02865),
}


def test_cox_rossi_reproduces_fox_weisberg_table(rossi):
    res = cox_ph(rossi, "week", "arrest", list(FOX_WEISBERG))
    got = res.summary.set_index("term")
    for term, (coef, se) in FOX_WEISBERG.items():
        assert got.loc[term, "estimate"] == pytest.approx(coef, abs=5e-5), term
        assert got.loc[term, "se"] == pytest.approx(se, abs=5e-5), term
        assert got.loc[term, "hazard_ratio"] == pytest.approx(np.exp(coef), abs=1e-4)
    lr = res.tests.set_index("test").loc["likelihood ratio"]
    assert round(lr["statistic"], 2) == 33.27
    assert lr["df"] == 7
    assert res.variance.startswith("model-based")


def test_km_52_week_arrest_and_logrank(rossi):
    km = kaplan_meier(rossi, "week", "arrest", "fin", times=[52])
    risk = km.summary.set_index("group")["estimate"]
    # 66/216 and 48/216 arrested with no censoring before week 52 -> exact fractions
    assert risk[0] == pytest.approx(66 / 216, abs=1e-12)
    assert risk[1] == pytest.approx(48 / 216, abs=1e-12)
    lr = logrank_test(rossi, "week", "arrest", "fin").summary.iloc[0]
    assert lr["statistic"] == pytest.approx(3.8376, abs=5e-5)
    assert lr["p_value"] == pytest.approx(0.0501, abs=5e-5)
