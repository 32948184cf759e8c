"""Settings of a reform evaluation (``policy.toml``), checked key by key before any data are read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.evaluation import DisclosureSettings
from altmeasures_eval.reform._gate import GateSettings

__all__ = ["DESIGNS", "DidSettings", "ItsSettings", "PolicySettings", "PolicySpec", "ReportInfo", "SynthSettings"]

#: Designs the ``policy`` command can run.
DESIGNS = ("did", "its", "synth")


def _typed(section: str, values: dict[str, Any], cls: type) -> Any:
    obj = cls()
    for f in fields(cls):
        if f.name not in values:
            continue
        v, default = values[f.name], getattr(obj, f.name)
        ok = (isinstance(v, bool) if isinstance(default, bool) else
              isinstance(v, (int, float)) and not isinstance(v, bool) if isinstance(default, float) else
              isinstance(v, int) and not isinstance(v, bool) if isinstance(default, int) else
              isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v) if isinstance(default, tuple) else
              isinstance(v, str) or v is None)
        if not ok:
            raise ConfigError(f"[{section}] {f.name} has the wrong type: got {v!r}, expected something like {default!r}")
        if isinstance(default, tuple):
            values[f.name] = tuple(v)
    return cls(**values)


def _choice(section: str, key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"[{section}] {key} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(frozen=True)
class ReportInfo:
    """``[report]``: title page and PDF."""

    title: str = "Evaluation of the reform on aggregate data"
    country: str = ""
    organisation: str = ""
    pdf: bool = True


@dataclass(frozen=True)
class PolicySettings:
    """``[policy]``: outcomes and designs."""

    outcomes: tuple[str, ...] = ()
    designs: tuple[str, ...] = DESIGNS
    panel_source: str = "table"
    panel_start: str = ""
    per_population: int = 0
    alpha: float = 0.05
    random_state: int = 2026


@dataclass(frozen=True)
class DidSettings:
    """``[did]``: staggered difference-in-differences."""

    control: str = "never"
    n_boot: int = 999


@dataclass(frozen=True)
class ItsSettings:
    """``[its]``: interrupted time series of one jurisdiction or of the sum over all."""

    jurisdiction: str = "all"
    adoption_month: str = ""
    errors: str = "arima"
    lags: int = 0
    seasonal: bool = True


@dataclass(frozen=True)
class SynthSettings:
    """``[synth]``: synthetic control for one adopting jurisdiction."""

    treated: str = ""
    v_method: str = "regression"
    outcome_lags: str = "all"


@dataclass(frozen=True)
class PolicySpec:
    """Every setting of a reform evaluation. Build with :meth:`from_sections` or directly.

    Attributes
    ----------
    report : ReportInfo
    policy : PolicySettings
    did : DidSettings
    its : ItsSettings
    synth : SynthSettings
    gate : GateSettings
    disclosure : DisclosureSettings
        ``[disclosure]``, the same section and rules as ``evaluation.toml`` (threshold, rounding
        base, marker): read through :class:`altmeasures_eval.privacy.DisclosurePolicy` by the
        policy report and the person-level panel.
    """

    report: ReportInfo = field(default_factory=ReportInfo)
    policy: PolicySettings = field(default_factory=PolicySettings)
    did: DidSettings = field(default_factory=DidSettings)
    its: ItsSettings = field(default_factory=ItsSettings)
    synth: SynthSettings = field(default_factory=SynthSettings)
    gate: GateSettings = field(default_factory=GateSettings)
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)

    @classmethod
    def config_schema(cls) -> dict[str, type | None]:
        """Section name -> settings class (``[data]`` is checked by :func:`altmeasures_eval.config.load_config`)."""
        return {"data": None, "report": ReportInfo, "policy": PolicySettings, "did": DidSettings,
                "its": ItsSettings, "synth": SynthSettings, "gate": GateSettings,
                "disclosure": DisclosureSettings}

    @classmethod
    def from_sections(cls, sections: Mapping[str, Any], source: str | None = None) -> PolicySpec:
        """Build from the config's sections (every section and key checked; ``[data]`` is read elsewhere).

        Parameters
        ----------
        sections : mapping
            Parsed TOML (the ``[data]`` section may be present).
        source : str, optional
            The config file, named in messages.

        Raises
        ------
        ConfigError
            Unknown section or key (with the nearest valid one), wrong type or value.
        """
        from altmeasures_eval._checker import check_config

        check_config(sections, cls.config_schema(), source=source, doc="docs/config.md (policy.toml)")
        parts = {}
        for name, kind in (("report", ReportInfo), ("policy", PolicySettings), ("did", DidSettings),
                           ("its", ItsSettings), ("synth", SynthSettings), ("gate", GateSettings),
                           ("disclosure", DisclosureSettings)):
            parts[name] = _typed(name, dict(sections.get(name, {})), kind)
        spec = cls(**parts)
        for d in spec.policy.designs:
            _choice("policy", "designs", d, DESIGNS)
        if not 0 < spec.policy.alpha < 0.5:
            raise ConfigError(f"[policy] alpha must be between 0 and 0.5, got {spec.policy.alpha}")
        _choice("policy", "panel_source", spec.policy.panel_source, ("table", "person_level"))
        _choice("did", "control", spec.did.control, ("never", "notyet"))
        _choice("its", "errors", spec.its.errors, ("newey-west", "arima"))
        _choice("synth", "v_method", spec.synth.v_method, ("equal", "regression", "nested"))
        _choice("synth", "outcome_lags", spec.synth.outcome_lags, ("all", "mean"))
        if spec.did.n_boot < 0 or spec.policy.per_population < 0:
            raise ConfigError("[did] n_boot and [policy] per_population must not be negative")
        return spec
