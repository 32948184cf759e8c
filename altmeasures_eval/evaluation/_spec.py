"""The settings of one evaluation run, read and validated from the config file.

Every section and key is checked here, before any data are read, so that a typing mistake in the
config fails in a second with the list of valid keys instead of after the cohort is built.
``docs/config.md`` documents every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from altmeasures_eval._checker import (  # the one config checker, below every layer
    Config,
    check_choice,
    check_config,
    check_finite,
    check_keys,
    check_number,
    check_strings,
)
from altmeasures_eval._country import check_country_code
from altmeasures_eval._errors import ConfigError
from altmeasures_eval._parallel import ComputeSettings, compute_settings
from altmeasures_eval.cohort import CohortSpec
from altmeasures_eval.design import DEFAULT_COVARIATES, DesignSettings

__all__ = [
    "CostSettings",
    "DecisionRules",
    "DisclosureSettings",
    "EvaluationSpec",
    "OutcomeSettings",
    "PopulationSettings",
    "ReportSettings",
    "RunSettings",
]

#: Statistical status of a report (``[report] status``), as national statistical offices name them.
STATUSES = ("official statistics", "accredited official statistics", "official statistics in development",
            "experimental statistics", "management information", "research")


def _check_keys(section: str, raw: Mapping[str, Any], cls: type) -> dict[str, Any]:
    # the one key checker of every config (altmeasures_eval.config): unknown or misplaced keys
    # name the nearest valid key; the known keys are the dataclass's fields
    return check_keys(section, raw, cls, elsewhere=EvaluationSpec.config_schema())


def _num(section: str, key: str, value: Any, lo: float | None = None, hi: float | None = None,
         integer: bool = False) -> Any:
    return check_number(f"[{section}] {key}", value, lo, hi, integer=integer)


def _choice(section: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    return check_choice(f"[{section}] {key}", value, choices)


def _strs(section: str, key: str, value: Any) -> tuple[str, ...]:
    return check_strings(f"[{section}] {key}", value)


@dataclass(frozen=True)
class ReportSettings:
    """``[report]``: what the title page says.

    Attributes
    ----------
    title : str
        Report title.
    country : str
        ISO 3166-1 alpha-3 code of the country (``KEN``; user-assigned ``XAA``-``XZZ`` accepted);
        empty: the extract's ``country``. Anything else is a config error naming the nearest code.
    country_name : str
        Name to print for the country (title pages, UNODC summary); empty: the ISO short name.
    organisation : str
        Publishing organisation (title page); may be empty.
    headline_horizon : int
        Follow-up (days) of the headline measure; must be one of the cohort horizons.
    pdf : bool
        Render ``report.pdf`` with Typst (the HTML report is always written).
    language : {"en", "fr", "es"}
        Language of the report's text, tables, figures and Word version (English, French,
        Spanish); numbers, dates and percentages follow that language's conventions.
    publication_date : str
        Date of publication (``2026-12-06``, a TOML date or an ISO string); empty: the day the
        report is written.
    contact : str
        Who answers questions on the report (name, e-mail or telephone of the statistician or
        unit), printed on the title page; empty: not printed.
    licence : str
        Terms of reuse printed on the title page (``"Open Government Licence v3.0"``,
        ``"CC BY 4.0"``); empty: not printed.
    status : str
        Statistical status, one of (``"official statistics"``, ``"accredited
        official statistics"``, ``"official statistics in development"``, ``"experimental
        statistics"``, ``"management information"``, ``"research"``); the report says what it
        means for the reader.
    version : str
        Version of this publication (``"1.0"``; a corrected release is ``"1.1"``).
    """

    title: str = "Alternatives to custody for minor drug offences: evaluation report"
    country: str = ""
    organisation: str = ""
    headline_horizon: int = 365
    pdf: bool = True
    country_name: str = ""
    language: str = "en"
    publication_date: Any = ""
    contact: str = ""
    licence: str = ""
    status: str = "official statistics in development"
    version: str = "1.0"

    def __post_init__(self) -> None:
        import datetime

        from altmeasures_eval._i18n import check_language

        check_language(self.language)
        pub = self.publication_date
        if isinstance(pub, datetime.datetime):
            pub = pub.date()
        if isinstance(pub, datetime.date):
            pub = pub.isoformat()
        if not isinstance(pub, str):
            raise ConfigError(f"[report] publication_date must be a date such as 2026-12-06, got {pub!r}")
        if pub:
            try:
                datetime.date.fromisoformat(pub)
            except ValueError:
                raise ConfigError(f"[report] publication_date = {pub!r} is not a date; write it as "
                                  "YYYY-MM-DD, e.g. publication_date = 2026-12-06") from None
        object.__setattr__(self, "publication_date", pub)
        for key in ("contact", "licence", "version"):
            if not isinstance(getattr(self, key), str):
                raise ConfigError(f"[report] {key} must be a string, got {getattr(self, key)!r}")
        _choice("report", "status", self.status, STATUSES)
        if not isinstance(self.title, str) or not self.title.strip():
            raise ConfigError("[report] title must be a non-empty string")
        if self.country != "":
            check_country_code(self.country, "[report] country")
        if not isinstance(self.country_name, str):
            raise ConfigError(f"[report] country_name must be a string, got {self.country_name!r}")
        _num("report", "headline_horizon", self.headline_horizon, 1, None, integer=True)
        if not isinstance(self.pdf, bool):
            raise ConfigError(f"[report] pdf must be true or false, got {self.pdf!r}")


@dataclass(frozen=True)
class OutcomeSettings:
    """``[outcomes]``: outcome analyses.

    Attributes
    ----------
    alpha : float
        1 - confidence level of every interval.
    subgroups : tuple of str
        Subgroup analyses: ``disposition`` (each alternative type against custody) and/or cohort
        columns (``substance``, ``sex``, ``jurisdiction``, ``stage``).
    min_subgroup : int
        Subgroup levels with fewer people than this in either group are not estimated.
    health : tuple of str
        Health outcomes (cohort columns, 0/1); ``{h}`` is replaced by the headline horizon.
    """

    alpha: float = 0.05
    subgroups: tuple[str, ...] = ("disposition", "substance")
    min_subgroup: int = 30
    health: tuple[str, ...] = ("treatment_entry_90", "treatment_completed", "death_{h}", "overdose_death_{h}")

    def __post_init__(self) -> None:
        _num("outcomes", "alpha", self.alpha, 0.001, 0.5)
        object.__setattr__(self, "subgroups", _strs("outcomes", "subgroups", self.subgroups))
        object.__setattr__(self, "health", _strs("outcomes", "health", self.health))
        _num("outcomes", "min_subgroup", self.min_subgroup, 1, None, integer=True)


@dataclass(frozen=True)
class DecisionRules:
    """``[decision_rules]``: when the report may state effects (Justice Data Lab rules).

    Attributes
    ----------
    min_treated : int
        Fewer people given an alternative than this: no effect estimates at all.
    min_control : int
        Fewer people in the comparison group than this: no effect estimates at all.
    min_expected : float
        Significance is stated for a binary outcome only where n*p and n*(1-p) are at least this
        in both groups (normal approximation).
    min_treated_reoffenders : int
        Time to reoffence (survival curves, hazard ratio, RMST) only with at least this many
        reoffenders in the treated group within the headline horizon.
    significance_level : float
        p-value at or below which a difference is called statistically significant.
    """

    min_treated: int = 60
    min_control: int = 60
    min_expected: float = 10.0
    min_treated_reoffenders: int = 30
    significance_level: float = 0.05

    def __post_init__(self) -> None:
        _num("decision_rules", "min_treated", self.min_treated, 1, None, integer=True)
        _num("decision_rules", "min_control", self.min_control, 1, None, integer=True)
        _num("decision_rules", "min_expected", self.min_expected, 0, None)
        _num("decision_rules", "min_treated_reoffenders", self.min_treated_reoffenders, 0, None, integer=True)
        _num("decision_rules", "significance_level", self.significance_level, 0.0001, 0.5)


@dataclass(frozen=True)
class DisclosureSettings:
    """``[disclosure]``: statistical disclosure control of every published table.

    Attributes
    ----------
    threshold : int
        Counts from 1 to ``threshold - 1`` are suppressed, with secondary suppression.
    rounding_base : int
        Round published counts to this base after suppression (0 = no rounding; e.g. 5).
    marker : str
        Text shown in place of a suppressed value (no digit).
    allow_unprotected : bool
        Explicit opt-out needed for ``threshold <= 1`` (suppression off; reported loudly).
    """

    threshold: int = 10
    rounding_base: int = 0
    marker: str = "[c]"
    allow_unprotected: bool = False

    def __post_init__(self) -> None:
        _num("disclosure", "threshold", self.threshold, 0, None, integer=True)
        _num("disclosure", "rounding_base", self.rounding_base, 0, 100, integer=True)
        if not isinstance(self.marker, str) or not self.marker:
            raise ConfigError("[disclosure] marker must be a non-empty string")
        from altmeasures_eval._errors import PrivacyError
        from altmeasures_eval.privacy import DisclosurePolicy

        try:  # the one validation of the disclosure rules (privacy/_policy.py)
            DisclosurePolicy.from_settings(self)
        except PrivacyError as exc:
            raise ConfigError(str(exc)) from exc


@dataclass(frozen=True)
class PopulationSettings:
    """``[population]``: prison population model (keys as the ``project`` command).

    Attributes
    ----------
    years, trend, fit_months
        Projection length, admissions trend (``flat`` or ``loglinear``), months of history fitted.
    shares : tuple of float
        Shares of eligible custody admissions diverted in the scenarios.
    headline_share : float
        The share whose steady-state change is the headline (must be one of ``shares``).
    horizon : int
        Re-admission horizon (days).
    n_boot : int
        Bootstrap replicates of the re-admission rates (projection bands).
    diversions_per_year : float
        Diversions a year for the steady state; 0: each share times the eligible custody
        admissions of the last 12 months.
    """

    years: int = 5
    trend: str = "flat"
    fit_months: int = 36
    shares: tuple[float, ...] = (0.10, 0.25, 0.50)
    headline_share: float = 0.25
    horizon: int = 365
    n_boot: int = 200
    diversions_per_year: float = 0.0

    def __post_init__(self) -> None:
        _num("population", "years", self.years, 1, 30, integer=True)
        _choice("population", "trend", self.trend, ("flat", "loglinear"))
        _num("population", "fit_months", self.fit_months, 6, None, integer=True)
        shares = tuple(float(_num("population", "shares", s, 0, 1)) for s in self.shares)
        object.__setattr__(self, "shares", shares)
        if float(self.headline_share) not in shares:
            raise ConfigError(f"[population] headline_share {self.headline_share} must be one of shares {list(shares)}")
        _num("population", "horizon", self.horizon, 1, None, integer=True)
        _num("population", "n_boot", self.n_boot, 20, 100_000, integer=True)
        _num("population", "diversions_per_year", self.diversions_per_year, 0, None)


@dataclass(frozen=True)
class CostSettings:
    """``[costs.analysis]``: cost analysis settings (unit costs are the rest of ``[costs]``).

    Attributes
    ----------
    horizon : int
        Cost horizon (days): the longest cohort horizon not beyond it; 0 = the longest.
    n_boot : int
        Bootstrap replicates of the quantity differences fed to the Monte Carlo.
    n_draws : int
        Monte Carlo draws of unit costs and effects.
    """

    horizon: int = 0
    n_boot: int = 200
    n_draws: int = 10_000

    def __post_init__(self) -> None:
        _num("costs.analysis", "horizon", self.horizon, 0, None, integer=True)
        _num("costs.analysis", "n_boot", self.n_boot, 20, 100_000, integer=True)
        _num("costs.analysis", "n_draws", self.n_draws, 1000, 10_000_000, integer=True)


@dataclass(frozen=True)
class RunSettings:
    """``[run]``: reproducibility and resources.

    Attributes
    ----------
    seed : int
        Seed of every random step (matching ties, bootstrap, Monte Carlo).
    n_jobs : int
        Local worker processes for the parallel steps of the run (the per-alternative subgroup
        designs, through :func:`altmeasures_eval._parallel.parallel_map`); 1 = serial, -1 = all
        cores. With ``[compute] scheduler`` the work goes to that Dask cluster instead.
    """

    seed: int = 20150317
    n_jobs: int = 1

    def __post_init__(self) -> None:
        _num("run", "seed", self.seed, 0, 2**32 - 1, integer=True)
        _num("run", "n_jobs", self.n_jobs, -1, 256, integer=True)
        if self.n_jobs == 0:
            raise ConfigError("[run] n_jobs must be a number of processes (1 = serial, -1 = all cores), got 0")


_SECTIONS: dict[str, type] = {
    "report": ReportSettings, "design": DesignSettings, "outcomes": OutcomeSettings,
    "decision_rules": DecisionRules, "disclosure": DisclosureSettings, "population": PopulationSettings,
    "run": RunSettings,
}
#: Every top-level section an evaluation config may hold (``[compute]`` is read by ``_parallel``).
KNOWN_SECTIONS = ("data", "cohort", "costs", "compute", *_SECTIONS)


def _build(cls: type, name: str, raw: Mapping[str, Any]) -> Any:
    values = _check_keys(name, raw, cls)
    try:
        return cls(**values)
    except TypeError as exc:  # a value of the wrong shape (e.g. a table where a list is expected)
        raise ConfigError(f"[{name}] {exc}") from exc


@dataclass(frozen=True)
class EvaluationSpec:
    """Everything one evaluation run needs besides the data.

    Build it with :meth:`from_config` (from a TOML config) or directly (in a notebook); every
    section has defaults, so ``EvaluationSpec()`` is a valid spec.

    Attributes
    ----------
    cohort : CohortSpec
    report, design, outcomes, decision_rules, disclosure, population, costs_analysis, run
        The sections' settings.
    unit_costs : dict
        The ``[costs]`` section without ``analysis`` (handed to
        :func:`altmeasures_eval.costs.unit_costs_from_config`); empty: placeholder unit costs.
    compute : ComputeSettings
        ``[compute]``: a Dask scheduler for the parallel steps, or local processes.
    config : dict
        The config as read (for the reproducibility appendix).
    """

    cohort: CohortSpec = field(default_factory=CohortSpec)
    report: ReportSettings = field(default_factory=ReportSettings)
    design: DesignSettings = field(default_factory=DesignSettings)
    outcomes: OutcomeSettings = field(default_factory=OutcomeSettings)
    decision_rules: DecisionRules = field(default_factory=DecisionRules)
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)
    population: PopulationSettings = field(default_factory=PopulationSettings)
    costs_analysis: CostSettings = field(default_factory=CostSettings)
    run: RunSettings = field(default_factory=RunSettings)
    unit_costs: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    compute: ComputeSettings = field(default_factory=ComputeSettings)

    def __post_init__(self) -> None:
        if self.report.headline_horizon not in self.cohort.horizons:
            raise ConfigError(
                f"[report] headline_horizon {self.report.headline_horizon} is not one of the cohort "
                f"horizons {list(self.cohort.horizons)}; set [cohort] horizons or [report] headline_horizon"
            )

    @staticmethod
    def config_schema() -> dict[str, Any]:
        """Every section of an evaluation config and its schema, for the key checker
        (:func:`altmeasures_eval.config.check_config`).

        Derived from the settings dataclasses, so that a field added to one (e.g. a ``[design]``
        key) is accepted at once; ``None`` for ``[costs]``, whose unit-cost keys the costs layer
        checks (``[costs.analysis]`` is checked against :class:`CostSettings`).
        """
        from altmeasures_eval._checker import DataConfig

        return {"data": DataConfig, "cohort": CohortSpec, "costs": None, "compute": ComputeSettings,
                **_SECTIONS}

    @classmethod
    def from_config(cls, config: Config | Mapping[str, Any]) -> EvaluationSpec:
        """Validate every section of an evaluation config.

        Parameters
        ----------
        config : Config or mapping
            A loaded config (:func:`altmeasures_eval.config.load_config`) or its sections as a dict.

        Raises
        ------
        ConfigError
            On an unknown section or key (listing the known ones) or an invalid value (naming
            section, key and value).
        """
        sections = dict(config.sections) if isinstance(config, Config) else {
            k: v for k, v in config.items() if k != "data"}
        source = config.source if isinstance(config, Config) else None
        # one checker for the top level and every section (altmeasures_eval.config.check_config):
        # misplaced keys ("seed = 5" above every header), unknown sections and keys, NaN/inf
        check_config(sections, EvaluationSpec.config_schema(), source=source)
        for name, value in sections.items():
            check_finite(f"[{name}]", value)
        built = {name: _build(klass, name, sections.get(name, {})) for name, klass in _SECTIONS.items()}
        costs = dict(sections.get("costs", {}))
        analysis = _build(CostSettings, "costs.analysis", costs.pop("analysis", {}))
        if costs:  # validate the unit costs now, not after the cohort is built
            from altmeasures_eval.costs import unit_costs_from_config

            unit_costs_from_config(costs)
        cohort = CohortSpec.from_config(dict(sections.get("cohort", {})))
        compute = compute_settings(sections.get("compute"))
        raw = {"data": _data_dict(config), **sections}
        return cls(cohort=cohort, costs_analysis=analysis, unit_costs=costs, config=raw, compute=compute, **built)


def _data_dict(config: Config | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(config, Config):
        d = config.data
        return {"path": d.path, "mapping": str(d.mapping) if d.mapping else "", "mode": d.mode}
    return dict(config.get("data", {}))
