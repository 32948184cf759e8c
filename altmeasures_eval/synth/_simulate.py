"""Public entry points: :func:`simulate`, :func:`population_truth` and :func:`write_synthetic`."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS, IDENTIFIER_COLUMNS, STAGES, Dataset
from altmeasures_eval.synth import _params as P
from altmeasures_eval.synth._engine import EPOCH, run_engine
from altmeasures_eval.synth._outcomes import potential_outcomes
from altmeasures_eval.synth._random import seed_key
from altmeasures_eval.synth._tables import build_tables
from altmeasures_eval.synth._truth import DEFINITIONS, cohort_definition, summarise

GENERATOR_VERSION = "1"
GROUND_TRUTH_FILE = "ground_truth.json"


@dataclass(frozen=True)
class SyntheticData:
    """A synthetic extract with its known truth.

    Attributes
    ----------
    dataset : Dataset
        The observed contract tables (canonical dtypes), cut at the extract date.
    truth : dict
        JSON-able ground truth of the evaluation cohort (no identifiers): the generator settings,
        the cohort definition, the definitions of every number, and per horizon the mean potential
        outcomes, ATE, ATT, ATC and the naive difference for reoffending, reoffence counts and
        custody bed-days, with Monte Carlo standard errors; under ``time_to_event`` the cumulative
        incidence of proven reoffence (death competing) and the event-free RMST per horizon, with
        the event definition of the cohort's ``time_reoffend``.
    potential_outcomes : pandas.DataFrame
        One row per index person of the evaluation cohort: ``person_id``, ``index_case_id``,
        ``treatment`` (1 alternative, 0 custody), ``disposition``, ``alternative_if_treated``,
        ``stage``, ``propensity_true`` (the generator's probability of an alternative at the index
        decision: 1 at the police stage), ``index_date``, ``start_date``, ``y1_start_date``,
        ``y0_start_date``, and per
        horizon *h* and measure *m* in ``reoffend``, ``reoffences``, ``bed_days``, ``death``,
        ``overdose_death``: ``y1_m_h`` and ``y0_m_h`` (both potential outcomes, complete) and
        ``m_h`` (observed, NaN when not observable at the extract date, as in the cohort);
        ``y1_time_reoffend``, ``y1_event_type``, ``y0_time_reoffend``, ``y0_event_type``: time to
        the first proven reoffence with the cohort's ``time_reoffend`` rule at complete follow-up
        (1 event, 2 death first, 0 event-free at the longest horizon), behind the truth's
        ``time_to_event`` block. Holds identifiers: keep it in memory.
    """

    dataset: Dataset
    truth: dict[str, Any]
    potential_outcomes: pd.DataFrame


def _check(n_persons: int, seed: int, confounding: float, period: tuple[Any, Any] | None
           ) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(n_persons, bool) or not isinstance(n_persons, int | np.integer) or n_persons < 1:
        raise ConfigError(f"n_persons must be a positive whole number, got {n_persons!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative whole number, got {seed!r}")
    if not np.isfinite(confounding) or confounding < 0:
        raise ConfigError(f"confounding must be a number >= 0, got {confounding!r}")
    if period is None:
        return P.PERIOD
    try:
        lo, hi = (pd.Timestamp(x) for x in period)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"period must be two dates (YYYY-MM-DD), got {period!r}") from exc
    if not (lo <= hi <= P.EXTRACT_DATE):
        raise ConfigError(
            f"period must run forwards and end by the extract date {P.EXTRACT_DATE.date()}, got {period!r}"
        )
    return lo, hi


def _settings(n_persons: int, seed: int, effects: float | Mapping[str, float] | None,
              confounding: float, period: tuple[Any, Any] | None) -> P.SynthSettings:
    period_ = _check(n_persons, seed, confounding, period)
    return P.SynthSettings(effects=P.resolve_effects(effects), confounding=float(confounding), period=period_)


def simulate(
    n_persons: int = 20_000,
    seed: int = 0,
    *,
    effects: float | Mapping[str, float] | None = None,
    confounding: float = 1.0,
    period: tuple[Any, Any] | None = None,
    country: str = P.COUNTRY,
    missingness: Mapping[str, float] | None = None,
) -> SyntheticData:
    """Simulate a complete extract whose causal effects are known.

    Persons (five jurisdictions with different custody practice) start their recorded careers
    between 2016 and 2025; each career is a sequence of cases (personal-use drug offences mixed
    with trafficking, property and violent offences, sometimes two decided together) with remand,
    sentences, breach or recall spells, treatment episodes and deaths, cut at the extract date
    2025-12-31 (country ``XSY``). The custody decision depends on prior proven cases, prior
    custody, remand, age, sex, substance and jurisdiction, which also drive the reoffending hazard
    (confounding); given those observed covariates it is random (no unmeasured confounding), but
    custody never happens at the police stage (a positivity violation, reported separately).

    Parameters
    ----------
    n_persons : int
        Number of persons.
    seed : int
        Seed; the same seed, size and settings give the same data on every machine.
    effects : float or mapping, optional
        True hazard ratio of the next reoffence after an alternative versus after custody, a
        number for every alternative or a mapping ``{disposition: HR}`` overriding the defaults
        (:data:`DEFAULT_EFFECTS`, from 0.65 for treatment orders to 0.95 for fines).
    confounding : float
        Multiplier of the covariate coefficients of the custody decision (0 = custody at random
        with the same base rate; 1 = default).
    period : (date, date), optional
        Decision-date period of the evaluation cohort whose truth is computed (default
        2021-01-01 to 2021-12-31, so that one- and two-year outcomes are complete at the extract).
    country : str, default "XSY"
        Country code written in the extract (``extract.toml``) and the truth: three capital
        letters, e.g. a user-assigned ISO 3166-1 code ``XAA``-``XZZ`` for a fictitious country. Only
        the label changes; with ``effects`` it makes several generated countries, each with its
        own true effect.
    missingness : mapping, optional
        Extra gaps missing at random given observed columns, for missing-data studies (#17):
        ``{"substance": share, "birth_year": share}``, each the expected share blanked among the
        values still recorded. ``substance`` gaps are more frequent before 2019, at the police and
        pre-trial stages and in one jurisdiction; ``birth_year`` gaps for men and in that
        jurisdiction. Default ``None``: the tables are exactly those without the option. The truth
        is unchanged (it is computed from the simulated careers, not from the recorded fields).

    Returns
    -------
    SyntheticData

    Notes
    -----
    The truth is computed from both potential careers of every index person: at the index
    decision the engine forks a counterfactual career that receives the other arm and then uses
    the same uniforms (common random numbers). Outcomes are measured exactly as the cohort builder
    measures them (see ``DEFINITIONS`` in ``ground_truth.json``); the careers are simulated beyond
    the extract date, so the truth is complete even where the observed outcome is not.

    Examples
    --------
    >>> from altmeasures_eval.synth import simulate
    >>> data = simulate(2_000, seed=1)
    >>> sorted(data.truth["reoffend"])
    ['1095', '365', '730']
    """
    if not isinstance(country, str) or not re.fullmatch("[A-Z]{3}", country):
        raise ConfigError(f"country must be three capital letters (ISO 3166-1 alpha-3), got {country!r}")
    settings = _settings(n_persons, seed, effects, confounding, period)
    career = run_engine(int(n_persons), int(seed), settings)
    dataset, person_ids, record_case_ids = build_tables(career, seed_key(int(seed)))
    if country != P.COUNTRY:
        dataset = dataclasses.replace(dataset, extract=dataclasses.replace(dataset.extract, country=country))
    if missingness:
        from altmeasures_eval.synth._missing import add_missingness

        dataset = add_missingness(dataset, missingness, int(seed))
    po = potential_outcomes(career, P.HORIZONS, P.WAITING_PERIOD)
    truth = {
        "generator": {
            "name": "altmeasures_eval.synth", "version": GENERATOR_VERSION, "seed": int(seed),
            "n_persons": int(n_persons), "effects_hazard_ratio": settings.effects,
            "confounding": settings.confounding,
        },
        "country": country,
        "extract_date": P.EXTRACT_DATE.date().isoformat(),
        "cohort_definition": cohort_definition(settings.period),
        "definitions": DEFINITIONS,
        **summarise(po),
        "start_decision": _from_decision(career),
    }
    return SyntheticData(dataset=dataset, truth=truth,
                         potential_outcomes=_public_po(po, person_ids, record_case_ids, career.records))


def _public_po(po: pd.DataFrame, person_ids: np.ndarray, case_ids: np.ndarray,
               rec: dict[str, np.ndarray]) -> pd.DataFrame:
    def to_date(days: pd.Series) -> pd.Series:
        return EPOCH + pd.to_timedelta(days.to_numpy(), unit="D")

    alts = np.asarray(ALTERNATIVE_DISPOSITIONS, dtype=object)
    head = pd.DataFrame({
        "person_id": person_ids[po["person"].to_numpy()],
        "index_case_id": case_ids[po["record"].to_numpy()],
        "treatment": po["treatment"].astype("int8"),
        "disposition": np.where(po["treatment"] == 1, alts[po["alternative_if_treated"]], "custody"),
        "alternative_if_treated": alts[po["alternative_if_treated"]],
        "stage": np.asarray(STAGES, dtype=object)[po["stage"]],
        "index_date": to_date(po["index_day"]),
        "start_date": to_date(po["start_day"]),
        "y1_start_date": to_date(po["y1_start_day"]),
        "y0_start_date": to_date(po["y0_start_day"]),
    })
    rest = po.drop(columns=["person", "record", "cf_record", "treatment", "alternative_if_treated",
                            "stage", "index_day", "start_day", "y1_start_day", "y0_start_day"])
    return pd.concat([head, rest.reset_index(drop=True)], axis=1)


def population_truth(
    n_persons: int = 1_000_000,
    seed: int = 1,
    *,
    effects: float | Mapping[str, float] | None = None,
    confounding: float = 1.0,
    period: tuple[Any, Any] | None = None,
) -> dict[str, Any]:
    """The truth of a large simulation: the population value the sample truth estimates.

    Same settings as :func:`simulate`; use a seed different from the sample's. The returned dict
    has the layout of ``SyntheticData.truth`` (without the data); its ``*_se`` entries are the
    Monte Carlo standard errors.
    """
    settings = _settings(n_persons, seed, effects, confounding, period)
    career = run_engine(int(n_persons), int(seed), settings)
    po = potential_outcomes(career, P.HORIZONS, P.WAITING_PERIOD)
    return {"n_persons": int(n_persons), "seed": int(seed), **summarise(po),
            "start_decision": _from_decision(career)}


def _from_decision(career: Any) -> dict[str, Any]:
    """Reoffending and bed-day contrasts with time at risk from the index decision for both arms."""
    full = summarise(potential_outcomes(career, P.HORIZONS, P.WAITING_PERIOD, start="decision"))
    return {"reoffend": full["reoffend"], "bed_days": full["bed_days"]}


def write_synthetic(
    data: SyntheticData,
    folder: str | Path,
    format: Literal["csv", "parquet"] = "csv",
    *,
    population: Mapping[str, Any] | None = None,
) -> Path:
    """Write the data set (contract folder) and ``ground_truth.json`` into ``folder``.

    The truth file holds no identifier (the potential-outcomes table is not written). A
    ``population`` block from :func:`population_truth` is added when given.
    """
    from altmeasures_eval.io import write_dataset

    folder = write_dataset(data.dataset, folder, format)
    truth = dict(data.truth)
    if population is not None:
        truth["population"] = dict(population)
    text = json.dumps(truth, indent=2, sort_keys=False)
    found = [c for c in IDENTIFIER_COLUMNS if f'"{c}"' in text]
    if found:  # pragma: no cover - guards a future change of the truth layout
        raise AssertionError(f"ground truth would contain identifier fields {found}")
    (folder / GROUND_TRUTH_FILE).write_text(text + "\n", encoding="utf-8")
    return folder
