"""Run the shipped sample config on a scenario's tables, and scan what it publishes.

The config is ``data/sample/evaluation.toml`` unchanged apart from ``[data] path`` and the
``[cohort]`` period (a temporary copy). :func:`run_report` goes through the ``report`` command as a
user would; :func:`run_pipeline` calls :func:`~altmeasures_eval.evaluation.run_evaluation` in memory
(for the retained population and the truth that belongs to it).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from altmeasures_eval.io import write_dataset
from altmeasures_eval.schema import Dataset

SAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "data" / "sample" / "evaluation.toml"


def write_scenario(dataset: Dataset, folder: Path, period: tuple[str, str]) -> Path:
    """Write the tables to ``folder/data`` and the sample config (new data path and period) to
    ``folder/evaluation.toml``; return the config path."""
    data = folder / "data"
    write_dataset(dataset, data)
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text, n_path = re.subn(r'(?m)^path\s*=\s*"[^"]*"', f'path = "{data.as_posix()}"', text)
    text, n_start = re.subn(r"(?m)^period_start\s*=\s*\S+", f"period_start = {period[0]}", text)
    text, n_end = re.subn(r"(?m)^period_end\s*=\s*\S+", f"period_end = {period[1]}", text)
    assert (n_path, n_start, n_end) == (1, 1, 1), "the sample config changed shape: update tests/scenarios/_run.py"
    cfg = folder / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def run_pipeline(config: Path) -> Any:
    """The :class:`~altmeasures_eval.evaluation.Evaluation` of a config, as the report command builds it."""
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation
    from altmeasures_eval.io import ingest, quality_report

    cfg = load_config(config)
    spec = EvaluationSpec.from_config(cfg)
    ing = ingest(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
    return run_evaluation(ing.dataset, spec, progress=False, quality=quality_report(ing))


def run_report(config: Path, out: Path) -> tuple[int, dict | None, str]:
    """Run ``altmeasures-eval report`` (no PDF); return its exit status, results.json and messages."""
    from altmeasures_eval.cli import main

    buf_out, buf_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        status = main(["report", "--config", str(config), "--out", str(out), "--no-pdf", "--quiet"])
    res = out / "results.json"
    results = json.loads(res.read_text(encoding="utf-8")) if res.exists() else None
    return status, results, buf_out.getvalue() + buf_err.getvalue()


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def scan(results: dict) -> list[str]:
    """Every absurd number in a results.json, and any effect published from a failed design gate.

    Flags: a risk or rate difference interval outside [-1, 1]; a non-finite, inverted or zero-width
    interval; a p-value or a rate outside [0, 1]; estimates under ``recidivism`` while ``design.passed``
    is false.
    """
    out: list[str] = []

    def walk(o: Any, path: str) -> None:
        if isinstance(o, dict):
            lo, hi = o.get("ci_low"), o.get("ci_high")
            if _number(lo) and _number(hi):
                risky = "difference" in path and ("risk" in path or "rate" in path or "reoffend" in path)
                risky |= str(o.get("measure", "")).startswith("risk_difference")
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    out.append(f"{path}: non-finite interval [{lo}, {hi}]")
                elif risky and (lo < -1 or hi > 1):
                    out.append(f"{path}: interval [{lo:.4g}, {hi:.4g}] outside [-1, 1]")
                elif hi < lo:
                    out.append(f"{path}: inverted interval [{lo:.4g}, {hi:.4g}]")
                elif hi == lo and _number(o.get("estimate")):
                    out.append(f"{path}: zero-width interval at {lo:.4g}")
            for k, v in o.items():
                if k == "p_value" and _number(v) and not 0 <= v <= 1:
                    out.append(f"{path}/{k}: p-value {v} outside [0, 1]")
                if k.startswith("rate_") and _number(v) and not 0 <= v <= 1:
                    out.append(f"{path}/{k}: rate {v} outside [0, 1]")
                walk(v, f"{path}/{k}")
        elif isinstance(o, list):
            for i, v in enumerate(o):
                walk(v, f"{path}[{i}]")

    walk(results, "")
    design = results.get("design") or {}
    if design.get("passed") is False:
        published = json.dumps(results.get("recidivism") or {})
        if re.search(r'"estimate":\s*-?[0-9]', published):
            out.append("/recidivism: effect estimates published although the design gate failed")
    return out
