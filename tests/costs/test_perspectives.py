"""Benefits and costs by perspective (WSIPP's layout) and the break-even series, against hand
calculations and WSIPP's published benefit-cost results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.costs import break_even, compare_costs, cost_quantities, perspective_account, wsipp_totals
from tests.costs.test_costs import H, _table, fixture  # noqa: F401  (the four-person fixture and its unit costs)


@pytest.fixture
def comparison(fixture):
    """The quantities of test_costs.py's four-person fixture (A1, A2 alternative; C1, C2 custody)."""
    cohort, beds = fixture
    return cost_quantities(cohort, beds, horizons=H)


def test_wsipp_drug_courts_summary():
    # WSIPP, "Drug courts", benefit-cost estimates updated May 2017, 2016 dollars,
    # https://www.wsipp.wa.gov/BenefitCost/Program/14: taxpayers $4,888, participants $0,
    # others $9,054, indirect ($16); total benefits $13,926; net program cost ($4,924);
    # benefits minus cost $9,002; benefit to cost ratio $2.83.
    b = pd.DataFrame({"taxpayers": [4888.0], "participants": [0.0], "others": [9054.0], "indirect": [-16.0]})
    t = wsipp_totals(b, -4924.0)
    assert t["total_benefits"] == 13926.0  # 4,888 + 0 + 9,054 - 16 (WSIPP: $13,926)
    assert t["benefits_minus_costs"] == 9002.0  # 13,926 - 4,924 (WSIPP: $9,002)
    assert t["ratio"] == pytest.approx(2.83, abs=0.005)  # 13,926 / 4,924 = 2.828 (WSIPP: 2.83)
    assert t["verdict"] == "ratio"


def test_wsipp_detailed_rows_add_up():
    # WSIPP, program 192 (https://wsipp.wa.gov/BenefitCost/Program/192, 2016 dollars), "Detailed
    # Monetary Benefit Estimates Per Participant", rows crime / labour market / health care /
    # deadweight adjustment, columns taxpayers, participants, others, indirect; totals row
    # $3,074, $735, $4,968, $840, $9,617; net program cost ($3,784); benefits minus costs $5,833;
    # ratio $2.54. WSIPP prints each cell rounded to the dollar, so a column sum of three rounded
    # cells can differ from its printed total by up to 1.5: taxpayers 2,466 + 307 + 300 = 3,073.
    b = pd.DataFrame({"taxpayers": [2466.0, 307.0, 300.0, 0.0], "participants": [0.0, 676.0, 59.0, 0.0],
                      "others": [4674.0, 0.0, 295.0, 0.0], "indirect": [1240.0, 1345.0, 150.0, -1895.0]})
    t = wsipp_totals(b, -3784.0)
    for key, printed in (("taxpayers", 3074), ("participants", 735), ("others", 4968), ("indirect", 840)):
        assert abs(t[key] - printed) <= 1.5, key
    assert abs(t["total_benefits"] - 9617) <= 3  # 9,617 printed; sum of the rounded rows: 9,617
    assert abs(t["benefits_minus_costs"] - 5833) <= 3  # printed $5,833
    assert t["ratio"] == pytest.approx(2.54, abs=0.005)  # 9,617 / 3,784 = 2.541 (WSIPP: 2.54)
    # WSIPP's deadweight adjustment for the programme, ($1,895), is its rate of 0.5 times the net
    # programme cost, $3,784 -> 1,892 (a Monte Carlo mean, so within 0.2% of the hand value).
    assert abs(0.5 * 3784 - 1895) / 1895 < 0.002


def test_perspectives_by_hand(comparison):
    res = compare_costs(comparison, _table(0.0))
    acc = perspective_account(res)
    # By hand from the fixture (prices: custody day 100, probation day 20, fine day 10, reoffence
    # 1000, victim violent 5000, other tiers 500; means over two people a group):
    # programme: alternative (1000 + 2000 + 0) / 2 = 1500, custody (9000 + 25000) / 2 = 17000, so the
    #   programme costs saved are 17000 - 1500 = 15500 (index custody 17000 - 500 = 16500, the
    #   measure -(2000 / 2) = -1000);
    # later custody: alternative 0, custody (30 x 100) / 2 = 1500 -> taxpayers +1500;
    # reoffence processing: alternative 2 x 1000 / 2 = 1000, custody 2 x 1000 / 2 = 1000 -> 0;
    # victims: alternative 2 x 5000 / 2 = 5000, custody 2 x 500 / 2 = 500 -> others -4500.
    rows = acc.table.set_index("source")
    assert rows.loc["later_custody", "taxpayers"] == pytest.approx(1500)
    assert rows.loc["reoffence_processing", "taxpayers"] == pytest.approx(0)
    assert rows.loc["victims", "others"] == pytest.approx(-4500)
    assert rows["participants"].isna().all() and "participants" in acc.not_measured
    prog = acc.programme.set_index("source")["net_programme_cost"]
    assert prog["index_custody"] == pytest.approx(16500) and prog["alternative_measure"] == pytest.approx(-1000)
    t = acc.totals
    assert t["taxpayers"] == pytest.approx(1500) and t["others"] == pytest.approx(-4500)
    assert t["total_benefits"] == pytest.approx(-3000)  # 1500 - 4500
    assert t["net_programme_cost"] == pytest.approx(15500)
    assert t["benefits_minus_costs"] == pytest.approx(12500) == res.npv  # -3000 + 15500
    assert t["verdict"] == "cheaper, worse outcomes" and np.isnan(t["ratio"])
    assert "indirect" in acc.not_measured and t["indirect"] == 0


def test_deadweight_by_hand(comparison):
    res = compare_costs(comparison, _table(0.0))
    acc = perspective_account(res, deadweight_rate=0.5)
    # Indirect (WSIPP's deadweight cost of taxation at 0.5 of taxpayer money): 0.5 x taxpayer
    # benefits 1500 = 750 plus 0.5 x programme costs saved 15500 = 7750 -> 8500.
    assert acc.totals["indirect"] == pytest.approx(8500)
    assert acc.totals["total_benefits"] == pytest.approx(1500 - 4500 + 8500)  # 5500
    assert acc.totals["benefits_minus_costs"] == pytest.approx(5500 + 15500)  # 21000
    assert "indirect" not in acc.not_measured
    assert break_even(res, 0.5)["cumulative_pv"].iloc[-1] == pytest.approx(21000)


def test_break_even_by_hand(comparison):
    res = compare_costs(comparison, _table(0.10))
    be = break_even(res)
    # Year 1: alternative (A1 10 x 100 + 100 x 20 + 1000 + 5000 = 9000; A2 0) / 2 = 4500; custody
    #   (C1 9000 + 1000 + 500 = 10500; C2 200 x 100 = 20000) / 2 = 15250 -> 10750.
    # Year 2: alternative 0; custody (C1 30 x 100 + 1000 + 500 = 4500; C2 50 x 100 = 5000) / 2 = 4750.
    # Year 3: alternative (A1 1000 + 5000) / 2 = 3000; custody 0 -> -3000.
    np.testing.assert_allclose(be["net_benefit"], [10750, 4750, -3000])
    np.testing.assert_allclose(be["cumulative"], [10750, 15500, 12500])
    # present value at 10%, costs at the start of each year: 10750 + 4750 / 1.1 - 3000 / 1.21
    pv = 10750 + 4750 / 1.1 - 3000 / 1.21
    assert be["cumulative_pv"].iloc[-1] == pytest.approx(pv)
    assert be["cumulative_pv"].iloc[-1] == pytest.approx(res.npv)  # the same as the comparison's NPV
    assert perspective_account(res).totals["benefits_minus_costs"] == pytest.approx(pv)


def test_deadweight_rate_in_config():
    assert _table(deadweight_rate=0.5).deadweight_rate == 0.5
    assert _table().deadweight_rate == 0.0
    with pytest.raises(ConfigError, match="deadweight_rate"):
        _table(deadweight_rate=-0.1)
