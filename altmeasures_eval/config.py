"""Evaluation config files (TOML).

The config is read once at the edge (CLI or notebook) and each section is handed to the layer that
owns it (``[cohort]`` to :class:`altmeasures_eval.cohort.CohortSpec`, ...). Paths in ``[data]`` are
relative to the config file. See ``docs/config.md`` for every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from altmeasures_eval._errors import ConfigError

__all__ = ["Config", "DataConfig", "load_config"]


@dataclass(frozen=True)
class DataConfig:
    """The ``[data]`` section.

    Attributes
    ----------
    path : str
        A folder, a file, or a SQLAlchemy URL (``sqlite:///...``); file paths are absolute here.
    mapping : pathlib.Path or None
        Mapping file (TOML) translating local columns and codes to the contract.
    mode : str
        ``strict`` (default) or ``quarantine``.
    """

    path: str
    mapping: Path | None = None
    mode: str = "strict"


@dataclass(frozen=True)
class Config:
    """A loaded config: its file, the ``[data]`` section, and every other section as a dict."""

    source: Path | None
    data: DataConfig
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """The named section (empty dict when absent)."""
        return dict(self.sections.get(name, {}))


def _resolve(value: str, base: Path) -> str:
    if "://" in value:  # SQLAlchemy URL
        return value
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def config_from_dict(raw: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML; relative paths resolve against ``base``."""
    data = raw.get("data")
    if not isinstance(data, dict) or "path" not in data:
        where = source or "config"
        raise ConfigError(
            f"{where}: section [data] with key 'path' is required "
            "(a folder, a file or a SQLAlchemy URL), e.g.\n[data]\npath = \"data/sample\""
        )
    mode = data.get("mode", "strict")
    if mode not in ("strict", "quarantine"):
        raise ConfigError(f"{source or 'config'}: [data] mode must be 'strict' or 'quarantine', got {mode!r}")
    mapping = data.get("mapping")
    data_cfg = DataConfig(
        path=_resolve(str(data["path"]), base),
        mapping=Path(_resolve(str(mapping), base)) if mapping else None,
        mode=mode,
    )
    sections = {k: v for k, v in raw.items() if k != "data" and isinstance(v, dict)}
    return Config(source=source, data=data_cfg, sections=sections)


def load_config(path: str | Path) -> Config:
    """Read a TOML evaluation config.

    Raises
    ------
    ConfigError
        When the file is missing, not valid TOML, or lacks ``[data] path``.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found; pass --config PATH to an evaluation TOML file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(raw, base=path.resolve().parent, source=path)
