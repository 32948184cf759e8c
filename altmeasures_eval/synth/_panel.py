"""Generated jurisdiction x month panels with a known reform effect (reform evaluation).

Two generators:

* :func:`simulate_panel`: staggered adoption across jurisdictions, effects that grow with time since
  adoption and differ between cohorts, Poisson counts around an additive mean (so that parallel
  trends hold in levels), seasonality, and a common trend; with the exact average effect on the
  adopting jurisdictions (the estimand of the staggered difference-in-differences) in ``truth``.
* :func:`simulate_single_adopter`: one adopting jurisdiction whose path is a mixture of donors'
  (interactive fixed effects), for the synthetic control and the interrupted time series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SyntheticPanel", "simulate_panel", "simulate_single_adopter"]


@dataclass(frozen=True)
class SyntheticPanel:
    """A generated panel and its truth.

    Attributes
    ----------
    panel : pandas.DataFrame
        Contract ``panel`` table: ``jurisdiction``, ``month``, outcome columns, ``population``.
    policy : pandas.DataFrame
        Contract ``policy`` table: ``jurisdiction``, ``adoption_month`` (``None`` = never).
    truth : dict
        Per outcome: ``att`` (average effect over adopting jurisdiction-months, cohort-size
        weighted as the staggered DiD's overall estimate), ``by_event_time`` (dict), and for a
        single adopter ``single_att`` (its average post-reform effect).
    effects : pandas.DataFrame
        The effect in every jurisdiction-month (0 before adoption), per outcome.
    """

    panel: pd.DataFrame
    policy: pd.DataFrame
    truth: dict[str, dict[str, object]]
    effects: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def _months(start: str, n: int) -> tuple[np.ndarray, list[str]]:
    y, m = int(start[:4]), int(start[5:7])
    p0 = 12 * y + m - 1
    periods = np.arange(p0, p0 + n)
    return periods, [f"{p // 12:04d}-{p % 12 + 1:02d}" for p in periods]


def _truth(effect: np.ndarray, adoption: np.ndarray, periods: np.ndarray) -> dict[str, object]:
    """Cohort-size weighted average over post (cohort, month) cells, and by event time."""
    cells, weights, by_e = [], [], {}
    for g in np.unique(adoption[np.isfinite(adoption)]):
        rows = adoption == g
        for j, t in enumerate(periods):
            if t >= g:
                v = float(effect[rows, j].mean())
                cells.append(v)
                weights.append(rows.sum())
                by_e.setdefault(int(t - g), []).append((v, rows.sum()))
    att = float(np.average(cells, weights=weights)) if cells else 0.0
    return {"att": att, "by_event_time": {e: float(np.average([v for v, _ in x], weights=[w for _, w in x]))
                                          for e, x in sorted(by_e.items())}}


def simulate_panel(
    n_jurisdictions: int = 24,
    *,
    start: str = "2014-01",
    n_months: int = 120,
    cohorts: Mapping[str, int] | None = None,
    effect: float = -0.35,
    ramp_months: int = 12,
    cohort_gradient: float = 0.5,
    level: float = 60.0,
    seed: int = 2026,
) -> SyntheticPanel:
    """Staggered rollout of a reform with a known effect on drug-possession custody admissions.

    ``drug_possession_admissions`` has mean ``a_j + c_t`` before the reform (jurisdiction level,
    common trend and seasonality) and ``a_j + c_t + tau_jt`` after it, with
    ``tau_jt = effect * a_j * min(1, (e + 1) / ramp_months) * (1 + cohort_gradient * k)``: the
    reduction grows over the first ``ramp_months`` months and is larger in later cohorts (``k`` = 0,
    1/2, 1 for the first, middle and last cohort). Counts are Poisson around that mean.
    ``drug_possession_cases`` and ``overdose_deaths`` have no effect (true effect 0).

    Parameters
    ----------
    n_jurisdictions : int
    start : str
        First month ``YYYY-MM``.
    n_months : int
    cohorts : mapping of str to int, optional
        Adoption month -> number of jurisdictions; the rest never adopt. Default: 2018-01: 5,
        2019-07: 5, 2021-01: 4 (10 never adopt out of 24).
    effect : float
        Relative size of the full reduction in admissions (-0.35 = 35 % fewer).
    ramp_months, cohort_gradient : float
        See above.
    level : float
        Mean monthly admissions of a typical jurisdiction.
    seed : int

    Returns
    -------
    SyntheticPanel
    """
    rng = np.random.default_rng(seed)
    cohorts = dict(cohorts or {"2018-01": 5, "2019-07": 5, "2021-01": 4})
    periods, months = _months(start, n_months)
    J = n_jurisdictions
    names = [f"district_{j + 1:02d}" for j in range(J)]
    a = level * np.exp(rng.normal(0, 0.35, J))
    pop = np.round(a / level * 400_000 * np.exp(rng.normal(0, 0.1, J))).astype(int)
    adoption = np.full(J, np.inf)
    order = rng.permutation(J)
    k, gidx = 0, {}
    for i, (m, n) in enumerate(sorted(cohorts.items())):
        p = 12 * int(m[:4]) + int(m[5:7]) - 1
        adoption[order[k:k + n]] = p
        gidx[p] = i / max(1, len(cohorts) - 1)
        k += n
    t = (periods - periods[0]) / 12.0
    season = np.sin(2 * np.pi * (periods % 12) / 12)
    common = 1.0 + 0.03 * t + 0.08 * season  # multiplies the typical level, added to every jurisdiction
    e = periods[None, :] - adoption[:, None]
    treated = e >= 0
    grad = np.array([gidx.get(g, 0.0) for g in adoption])
    tau = np.where(treated, effect * a[:, None] * np.minimum(1.0, (e + 1) / ramp_months) * (1 + cohort_gradient * grad[:, None]), 0.0)
    mu_adm = a[:, None] + level * (common - 1)[None, :] * 0.8 + tau
    mu_cases = 2.5 * a[:, None] + level * 2.5 * (common - 1)[None, :] * 0.8
    mu_od = 0.12 * a[:, None] * (1 + 0.05 * t)[None, :]
    adm = rng.poisson(np.maximum(mu_adm, 0.1))
    cases = rng.poisson(np.maximum(mu_cases, 0.1))
    od = rng.poisson(np.maximum(mu_od, 0.05))
    panel = pd.DataFrame({
        "jurisdiction": np.repeat(names, n_months),
        "month": np.tile(months, J),
        "drug_possession_admissions": adm.ravel(),
        "drug_possession_cases": cases.ravel(),
        "overdose_deaths": od.ravel(),
        "population": np.repeat(pop, n_months),
    })
    policy = pd.DataFrame({"jurisdiction": names,
                           "adoption_month": [None if not np.isfinite(g) else f"{int(g) // 12:04d}-{int(g) % 12 + 1:02d}" for g in adoption]})
    zero = {"att": 0.0, "by_event_time": {}}
    truth = {"drug_possession_admissions": _truth(tau, adoption, periods),
             "drug_possession_cases": zero, "overdose_deaths": zero}
    # the single-adopter truths (ITS, synthetic control) of every adopter, for any choice of treated unit
    truth["drug_possession_admissions"]["single_att"] = {
        names[j]: float(tau[j, treated[j]].mean()) for j in range(J) if np.isfinite(adoption[j])}
    effects = pd.DataFrame({"jurisdiction": np.repeat(names, n_months), "month": np.tile(months, J),
                            "drug_possession_admissions": tau.ravel()})
    return SyntheticPanel(panel=panel, policy=policy, truth=truth, effects=effects)


def simulate_single_adopter(
    n_donors: int = 30,
    *,
    n_pre: int = 60,
    n_post: int = 24,
    effect: float = -8.0,
    slope: float = 0.0,
    noise: float = 2.0,
    ar: float = 0.3,
    n_factors: int = 2,
    trend: float = 0.0,
    seasonality: float = 3.0,
    seed: int = 1,
) -> SyntheticPanel:
    """One adopting jurisdiction (``treated``) and ``n_donors`` that never adopt, monthly.

    ``y_jt = 50 + a_j + lambda_j' f_t + trend * t + seasonality * sin(2 pi month / 12) + e_jt`` with
    AR(1) errors (random-walk
    factors ``f_t``; ``n_factors = 0`` gives a linear trend and seasonality only); the treated unit's
    ``a`` and loadings are a convex combination of three donors', so a synthetic control exists. The
    reform adds ``effect + slope * e`` in post-month ``e`` (``e`` = 0, 1, ...).

    Returns
    -------
    SyntheticPanel
        ``truth["y"]["single_att"]["treated"]`` is the average effect over the post-period.
    """
    rng = np.random.default_rng(seed)
    T = n_pre + n_post
    periods, months = _months("2015-01", T)
    J = n_donors
    f = np.cumsum(rng.normal(0, 1, (T, n_factors)), axis=0) * 0.6 if n_factors else np.zeros((T, 1))
    n_factors = max(n_factors, 1)
    lam = rng.normal(1, 0.5, (J, n_factors))
    a = rng.normal(0, 6, J)
    mix = rng.dirichlet(np.ones(3))
    pick = rng.choice(J, 3, replace=False)
    lam1, a1 = mix @ lam[pick], mix @ a[pick]
    season = seasonality * np.sin(2 * np.pi * (periods % 12) / 12) + trend * np.arange(T)

    def ar1(n: int) -> np.ndarray:
        e = rng.normal(0, noise, (n, T))
        for t in range(1, T):
            e[:, t] += ar * e[:, t - 1]
        return e * np.sqrt(1 - ar**2)

    y0 = 50 + a[:, None] + lam @ f.T + season[None, :] + ar1(J)
    tau = np.r_[np.zeros(n_pre), effect + slope * np.arange(n_post)]
    y1 = 50 + a1 + f @ lam1 + season + ar1(1)[0] + tau
    names = ["treated"] + [f"donor_{j + 1:02d}" for j in range(J)]
    y = np.vstack([y1, y0])
    panel = pd.DataFrame({"jurisdiction": np.repeat(names, T), "month": np.tile(months, J + 1), "y": y.ravel()})
    adopt = periods[n_pre]
    policy = pd.DataFrame({"jurisdiction": names, "adoption_month": [f"{adopt // 12:04d}-{adopt % 12 + 1:02d}"] + [None] * J})
    truth = {"y": {"att": float(tau[n_pre:].mean()), "single_att": {"treated": float(tau[n_pre:].mean())},
                   "by_event_time": {i: float(tau[n_pre + i]) for i in range(n_post)}}}
    return SyntheticPanel(panel=panel, policy=policy, truth=truth)
