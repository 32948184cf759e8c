"""Evaluation config files (TOML), and the one checker of every config key and option value.

The config is read once at the edge (CLI or notebook) and each section is handed to the layer that
owns it (``[cohort]`` to :class:`altmeasures_eval.cohort.CohortSpec`, ...). Paths in ``[data]`` are
relative to the config file. See ``docs/config.md`` for every key.

Strictness lives here, in one place: :func:`check_keys` (unknown or misplaced keys, with the
nearest valid key), :func:`check_number` (types and ranges; NaN and infinities never pass),
:func:`check_text`, :func:`check_encoding`, :func:`check_delimiter` and :func:`check_date_format`.
The evaluation's sections (:meth:`altmeasures_eval.evaluation.EvaluationSpec.from_config`), the
mapping files (:func:`altmeasures_eval.io.load_mapping`) and the command-line options
(:func:`option`) all call them, so a value is judged the same way wherever it is written.

The checker and the :class:`Config` and :class:`DataConfig` classes live in
``altmeasures_eval._checker``, below every layer that has settings (cohort, evaluation, io,
reform), and are exported here; this module reads config files and is the only one that asks the
evaluation for the schema of every section. So config -> evaluation -> cohort -> checker, with no
import cycle (issue #14).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from altmeasures_eval._checker import (
    DATA_MODES,
    Config,
    DataConfig,
    check_config,
    check_date_format,
    check_delimiter,
    check_encoding,
    check_finite,
    check_keys,
    check_number,
    check_text,
    known_keys,
    option,
)
from altmeasures_eval._errors import ConfigError

__all__ = [
    "Config",
    "DataConfig",
    "check_date_format",
    "check_config",
    "check_delimiter",
    "check_encoding",
    "check_finite",
    "check_keys",
    "check_number",
    "check_text",
    "known_keys",
    "load_config",
    "option",
]


# --- loading -------------------------------------------------------------------------------------
def _resolve(value: str, base: Path) -> str:
    if "://" in value:  # SQLAlchemy URL
        return value
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def config_from_dict(raw: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML; relative paths resolve against ``base``.

    Checks ``[data]`` and that no value anywhere is NaN or an infinity; the other sections and the
    top level are checked against their schema by :func:`check_config` (called by
    :meth:`altmeasures_eval.evaluation.EvaluationSpec.from_config`, which every command uses).
    """
    where = source or "config"
    if "data" in raw and isinstance(raw["data"], Mapping):  # first: a key above every header lands here
        from altmeasures_eval.evaluation import EvaluationSpec

        check_config({k: v for k, v in raw.items() if not isinstance(v, Mapping)},
                     EvaluationSpec.config_schema(), source=source)
    for key, value in raw.items():
        check_finite(f"{where}: [{key}]" if isinstance(value, Mapping) else f"{where}: {key}", value)
    data = raw.get("data")
    if not isinstance(data, dict) or "path" not in data:
        raise ConfigError(
            f"{where}: section [data] with key 'path' is required "
            "(a folder, a file or a SQLAlchemy URL), e.g.\n[data]\npath = \"data/sample\""
        )
    from altmeasures_eval.evaluation import EvaluationSpec  # the sections' schema, for "belongs in"

    check_keys("data", data, DataConfig, source=source, elsewhere=EvaluationSpec.config_schema())
    if not isinstance(data["path"], str) or not data["path"].strip():
        raise ConfigError(f"{where}: [data] path must name the data (a folder, a file or a SQLAlchemy URL), "
                          f"got {data['path']!r}")
    mode = data.get("mode", "strict")
    if mode not in DATA_MODES:
        raise ConfigError(f"{where}: [data] mode must be 'strict' or 'quarantine', got {mode!r}")
    mapping = data.get("mapping")
    if mapping is not None:
        check_text(f"{where}: [data] mapping", mapping)
    data_cfg = DataConfig(
        path=_resolve(str(data["path"]), base),
        mapping=Path(_resolve(str(mapping), base)) if mapping else None,
        mode=mode,
    )
    sections = {k: v for k, v in raw.items() if k != "data"}
    return Config(source=source, data=data_cfg, sections=sections)


def load_config(path: str | Path) -> Config:
    """Read a TOML evaluation config.

    Raises
    ------
    ConfigError
        When the file is missing, not UTF-8, not valid TOML, has a key outside any section, NaN or
        an infinity, or lacks ``[data] path`` (or ``[data]`` has an unknown key).
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "not found"
        raise ConfigError(f"config file {path} {what}; pass --config PATH to an evaluation TOML file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); save the "
            "config as UTF-8 in your editor") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. See docs/config.md for the syntax.") from None
    return config_from_dict(raw, base=path.resolve().parent, source=path)
