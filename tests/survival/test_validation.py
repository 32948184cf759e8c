"""Bad input gets a clear error naming table, column, row and value, and what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval import ConfigError, DataContractError
from altmeasures_eval.survival import cox_ph, cumulative_incidence, kaplan_meier, logrank_test, risk_difference, rmst

DF = pd.DataFrame({"t": [5.0, 3.0, 7.0, 2.0], "e": [1, 0, 1, 1], "g": [0, 0, 1, 1], "w": [1.0, 2.0, 0.5, 1.5],
                   "x": [0.1, 0.2, 0.3, 0.5]}, index=[10, 11, 12, 13])


def test_negative_duration_names_table_column_row_value():
    bad = DF.assign(t=[5.0, -1.0, 7.0, np.nan])
    with pytest.raises(DataContractError) as err:
        kaplan_meier(bad, "t", "e", table="cohort")
    msg = str(err.value)
    assert "'cohort'" in msg and "'t'" in msg and "row 11: -1.0" in msg and "row 13: nan" in msg
    assert list(err.value.problems["row"]) == [11, 13]


def test_event_not_zero_one():
    with pytest.raises(DataContractError, match=r"column 'e'.*row 12: 2"):
        kaplan_meier(DF.assign(e=[1, 0, 2, 1]), "t", "e")


def test_missing_column_lists_available():
    with pytest.raises(DataContractError, match=r"\['nope'\] not found; available columns"):
        rmst(DF, "t", "e", "nope")


def test_bad_weights_and_missing_cluster():
    with pytest.raises(DataContractError, match=r"column 'w'.*row 10: -1.0"):
        risk_difference(DF.assign(w=[-1.0, 1, 1, 1]), "t", "e", "g", weights="w")
    with pytest.raises(DataContractError, match=r"column 'c'.*missing"):
        risk_difference(DF.assign(c=[1, None, 2, 2]), "t", "e", "g", cluster="c")


def test_group_with_zero_total_weight():
    with pytest.raises(DataContractError, match="every weight in group g = 1 is zero"):
        risk_difference(DF.assign(w=[1.0, 1.0, 0.0, 0.0]), "t", "e", "g", weights="w")


def test_greenwood_refused_for_non_integer_weights():
    with pytest.raises(ConfigError, match="Greenwood's variance is invalid"):
        kaplan_meier(DF, "t", "e", weights="w", variance="greenwood")


def test_single_group_contrast_and_logrank():
    with pytest.raises(DataContractError, match="only one group"):
        risk_difference(DF.assign(g=0), "t", "e", "g")
    with pytest.raises(DataContractError, match="only one group"):
        logrank_test(DF.assign(g=0), "t", "e", "g")


def test_cox_missing_covariate_and_no_events():
    with pytest.raises(DataContractError, match=r"column 'x'.*first at row 12"):
        cox_ph(DF.assign(x=[0.1, 0.2, None, 0.4]), "t", "e", ["x"])
    with pytest.raises(DataContractError, match=r"column 'x'.*first at row 11 \(inf\)"):
        cox_ph(DF.assign(x=[0.1, np.inf, 0.3, 0.4]), "t", "e", ["x"])
    with pytest.raises(DataContractError, match="no events"):
        cox_ph(DF.assign(e=0), "t", "e", ["x"])
    with pytest.raises(ConfigError, match="at least one covariate"):
        cox_ph(DF, "t", "e", [])
    with pytest.raises(ConfigError, match="unweighted fits only"):
        cox_ph(DF, "t", "e", ["x"], weights="w", ties="breslow")


def test_bad_horizons_alpha_and_causes():
    with pytest.raises(ConfigError, match="positive, finite days"):
        kaplan_meier(DF, "t", "e", times=[0])
    with pytest.raises(ConfigError, match="alpha"):
        kaplan_meier(DF, "t", "e", alpha=1.5)
    with pytest.raises(ConfigError, match="causes"):
        cumulative_incidence(DF, "t", "e", causes=[0])


def test_categorical_covariate_becomes_indicators(rossi):
    df = rossi.assign(level=np.where(rossi["prio"] > 3, "high", np.where(rossi["prio"] > 0, "mid", "none")))
    res = cox_ph(df, "week", "arrest", ["fin", "level"], ph_test=False)
    assert list(res.summary["term"]) == ["fin", "level[mid]", "level[none]"]


def test_multi_column_strata_equal_combined_column(syn):
    combined = syn.assign(sx=syn["stratum"].astype(str) + "/" + syn["x2"].astype(str))
    a = cox_ph(syn, "time", "event", ["group", "x1"], strata=["stratum", "x2"], ph_test=False).summary
    b = cox_ph(combined, "time", "event", ["group", "x1"], strata="sx", ph_test=False).summary
    np.testing.assert_allclose(a[["estimate", "se"]], b[["estimate", "se"]], rtol=1e-8)


def test_collinear_covariates_are_named():
    df = DF.assign(y=2 * DF["x"] + 1, z=[1.0, 0.0, 1.0, 0.0])
    with pytest.raises(DataContractError, match=r"covariates \['x', 'y'\] are linearly dependent"):
        cox_ph(df, "t", "e", ["x", "z", "y"])


def test_separation_is_noted():
    # every event has x = 1 and every censored row x = 0: the coefficient diverges
    df = pd.DataFrame({"t": np.arange(1.0, 9.0), "e": [1, 1, 1, 1, 0, 0, 0, 0], "x": [1, 1, 1, 1, 0, 0, 0, 0]})
    res = cox_ph(df, "t", "e", ["x"], ph_test=False)
    assert any("did not converge to finite values" in n and "'x'" in n for n in res.notes)
