"""Attacks on a run's outputs: for every suppressed cell, try to recover it from everything else the
run wrote (issue #13). Each attack is a function ``attack(folder, ctx) -> list[Recovery]``; a
recovery is a hidden value that the published numbers determine (one integer only).

The attacker reads only what a run writes (CSV tables, results.json, report.html, figures, the
UNODC files, the cohort command's published attrition) and knows the disclosure rules (threshold,
rounding base, marker, the SMD formulas of ``matching.balance``); not the data.

Published decimals are taken at face value: a number printed with ``d`` decimals is known to
within half a unit of its last digit, so a count is recovered only when exactly one integer is
consistent with every printed number (rounding consistency).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

MARK = "[c]"


@dataclass(frozen=True)
class Recovery:
    """A hidden value an attack determined."""

    method: str
    where: str
    value: float

    def __str__(self) -> str:
        return f"{self.method}: {self.where} = {self.value:g}"


@dataclass(frozen=True)
class Context:
    """What the attacker knows besides the files: the published rules."""

    threshold: int = 10
    rounding_base: int = 0
    rare_labels: tuple[str, ...] = ()
    #: for rounding attacks: the folder of the same run without rounding, to tell a true recovery of
    #: an unrounded count from a guess that happens to be consistent
    truth: Path | None = None


# --- reading ---------------------------------------------------------------------------------------
def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / "tables" / f"{name}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _val(s: str) -> tuple[float, float] | None:
    """A printed number as (value, half-width of its last digit); None for the marker or text."""
    s = str(s).strip()
    if s in ("", MARK, "-") or s.startswith("'"):
        return None
    try:
        v = float(s.replace(",", ""))
    except ValueError:
        return None
    if "e" in s.lower():
        return v, 0.0
    dec = len(s.split(".")[1]) if "." in s else 0
    return v, 0.5 * 10.0 ** (-dec)


def _results(folder: Path) -> dict[str, Any]:
    path = folder / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _integers(lo: float, hi: float) -> list[int]:
    return list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))


def _recovered_count(lo: float, hi: float, ctx: Context) -> int | None:
    """The count if exactly one integer lies in [lo, hi] (and rounding does not hide it)."""
    ints = _integers(lo, hi)
    if ctx.rounding_base:
        return None if len(ints) != 1 else ints[0]
    return ints[0] if len(ints) == 1 else None


# --- A. SMD inversion --------------------------------------------------------------------------------
def smd_inversion(folder: Path, ctx: Context) -> list[Recovery]:
    """cohort_description: a hidden percentage from the other group's percentage and the SMD
    (binary SMD = (p_t - p_c) / sd with sd = sqrt(p_t(1-p_t)) [ATT], sqrt(p_c(1-p_c)) [ATC] or the
    pooled form [ATE]); solved on a grid of p and kept when one integer count fits."""
    t, res = read_table(folder, "cohort_description"), _results(folder)
    n = res.get("cohort", {})
    if t is None or not n.get("n_treated") or not n.get("n_control"):
        return []
    sizes = {"alternative": n["n_treated"], "custody": n["n_control"]}
    out = []
    for _, row in t[t["characteristic"].str.contains(": ")].iterrows():
        smd = _val(row["smd_before"])
        for hidden, known in (("alternative", "custody"), ("custody", "alternative")):
            pk = _val(row[known])
            if row[hidden] != MARK or smd is None or pk is None:
                continue
            # every integer count of the hidden group, against the known share at both ends of
            # its printed precision: keep the counts whose SMD can print as the published one
            half = ctx.rounding_base // 2
            found: set[int] = set()
            for size in range(max(1, sizes[hidden] - half), sizes[hidden] + half + 1):  # n may be rounded
                p = np.arange(size + 1) / size
                fits = np.zeros(len(p), bool)
                for p_known in ((pk[0] - pk[1]) / 100, pk[0] / 100, (pk[0] + pk[1]) / 100):
                    pt, pc = (p, p_known) if hidden == "alternative" else (p_known, p)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        for sd in (np.sqrt(pt * (1 - pt)), np.sqrt(pc * (1 - pc)),
                                   np.sqrt((pt * (1 - pt) + pc * (1 - pc)) / 2)):
                            f = (pt - pc) / sd
                            fits |= np.abs(f - smd[0]) <= smd[1] + 1e-9 * max(1.0, abs(smd[0]))
                found |= set(np.flatnonzero(fits).tolist())
            cands = sorted(found)
            if len(cands) == 1:
                out.append(Recovery("SMD inversion", f"cohort_description {row['characteristic']} / {hidden}",
                                    float(cands[0])))
    return out


# --- B. linear programming over margins (category shares sum to the group size) -----------------------
def margin_lp(folder: Path, ctx: Context) -> list[Recovery]:
    """cohort_description (+ subgroups, the same cross-tabulation): for each categorical variable
    and group, the level counts (known to within the printed precision, or exactly from subgroups)
    sum to the published group size; integer bounds of every hidden level by MILP."""
    t, sub, res = read_table(folder, "cohort_description"), read_table(folder, "subgroups"), _results(folder)
    n = res.get("cohort", {})
    if t is None or not n.get("n_treated"):
        return []
    sizes = {"alternative": n["n_treated"], "custody": n["n_control"]}
    sub_col = {"alternative": "n_treated", "custody": "n_control"}
    cat = t[t["characteristic"].str.contains(": ")].copy()
    cat["var"] = cat["characteristic"].str.split(": ").str[0]
    cat["level"] = cat["characteristic"].str.split(": ", n=1).str[1]
    out = []
    for (var, grp) in [(v, g) for v in cat["var"].unique() for g in sizes]:
        rows = cat[cat["var"] == var]
        if not (rows[grp] == MARK).any():
            continue
        size = sizes[grp]
        k_n = len(rows)
        lo, hi = np.zeros(k_n), np.full(k_n, float(size))
        for i, v in enumerate(rows[grp]):
            pv = _val(v)
            if pv is not None:
                lo[i] = max(0.0, math.ceil((pv[0] - pv[1]) * size / 100 - 1e-9))
                hi[i] = min(float(size), math.floor((pv[0] + pv[1]) * size / 100 + 1e-9))
        if sub is not None:  # the same counts printed exactly in subgroups
            srows = sub[sub["variable"] == var]
            for i, lv in enumerate(rows["level"]):
                hit = srows[srows["level"] == lv.replace("_", " ")]
                if len(hit) and (pv := _val(hit[sub_col[grp]].iloc[0])) is not None and not ctx.rounding_base:
                    lo[i] = hi[i] = pv[0]
        # x_i in [lo_i, hi_i] integers, sum x = size
        a = np.ones((1, k_n))
        for i in np.flatnonzero((rows[grp] == MARK).to_numpy()):
            mn, mx = _bounded(a, size, lo, hi, i)
            if mn == mx:
                out.append(Recovery("LP over category margins", f"cohort_description {var}: "
                                    f"{rows['level'].iloc[i]} / {grp}", mn))
    return out


def _bounded(a: np.ndarray, total: float, lo: np.ndarray, hi: np.ndarray, k: int) -> tuple[float, float]:
    n = a.shape[1]
    res = []
    for sign in (1, -1):
        c = np.zeros(n)
        c[k] = sign
        r = milp(c, constraints=[LinearConstraint(a, [total], [total])], integrality=np.ones(n),
                 bounds=Bounds(lo, hi))
        if r.status != 0:
            return math.nan, math.inf
        res.append(sign * r.fun)
    return res[0], res[1]


# --- C. rate inversion -----------------------------------------------------------------------------------
def _count_from_rate(rate: tuple[float, float], n: tuple[float, float], ctx: Context) -> int | None:
    lo = (rate[0] - rate[1]) / 100 * (n[0] - n[1])
    hi = (rate[0] + rate[1]) / 100 * (n[0] + n[1])
    return _recovered_count(lo, hi, ctx)


def rate_inversion(folder: Path, ctx: Context) -> list[Recovery]:
    """recidivism / health: a hidden event count from a published rate (directly, from the
    adjusted difference plus the other rate, or from the unadjusted difference plus the other
    group's observed rate) times the published n."""
    out = []
    specs = [("recidivism", "horizon_days", [("reoffenders_alternative", "n_alternative", "rate_alternative"),
                                             ("reoffenders_custody", "n_custody", None)]),
             ("health", "outcome", [("events_alternative", "n_alternative", "alternative"),
                                     ("events_custody", "n_custody", None)])]
    for name, key, groups in specs:
        t = read_table(folder, name)
        if t is None:
            continue
        for _, row in t.iterrows():
            rates: dict[str, tuple[float, float]] = {}
            alt_ev, alt_n, alt_rate = groups[0]
            if (r := _val(row[alt_rate])) is not None:
                rates["alt"] = r
            elif (d := _val(row.get("difference_points", row.get("difference", "")))) is not None and \
                    (c := _val(row.get("rate_custody_adjusted", row.get("custody_adjusted", "")))) is not None:
                rates["alt"] = (d[0] + c[0], d[1] + c[1])
            if "alt" in rates and "unadjusted_difference" in row and (u := _val(row["unadjusted_difference"])):
                rates["cus"] = (rates["alt"][0] - u[0], rates["alt"][1] + u[1])
            for (ev_col, n_col, _), which in zip(groups, ("alt", "cus")):
                if row[ev_col] != MARK or which not in rates or (nv := _val(row[n_col])) is None:
                    continue
                got = _count_from_rate(rates[which], nv, ctx)
                if got is not None:
                    out.append(Recovery("rate inversion", f"{name} {row[key]} / {ev_col}", got))
    return out


# --- D. results.json against the CSV ----------------------------------------------------------------------
_JSON_OF_CSV = {"rate_alternative": "rate_treated", "rate_custody_adjusted": "rate_control",
                "difference_points": ("risk_difference", "estimate"), "unadjusted_difference": ("naive_risk_difference", "estimate"),
                "ci_low": ("risk_difference", "ci_low"), "ci_high": ("risk_difference", "ci_high")}


def results_json_vs_csv(folder: Path, ctx: Context) -> list[Recovery]:
    """results.json must not publish what recidivism.csv hides; a value it gives is fed back into
    the rate inversion (a hidden count it determines is a recovery). Also checks that every null
    of a hidden value is listed in ``suppressed``."""
    t, res = read_table(folder, "recidivism"), _results(folder)
    if t is None or not res:
        return []
    out = []
    listed = set(res.get("suppressed", []))
    for _, row in t.iterrows():
        rec = res.get("recidivism", {}).get(str(row["horizon_days"]))
        if rec is None:
            continue
        for col, path in _JSON_OF_CSV.items():
            if row[col] != MARK:
                continue
            val = rec[path] if isinstance(path, str) else rec[path[0]][path[1]]
            name = f"recidivism.{row['horizon_days']}." + (path if isinstance(path, str) else ".".join(path))
            if val is not None:
                out.append(Recovery("results.json publishes a value the CSV hides", name, float(val)))
            elif name not in listed:
                out.append(Recovery("results.json 'suppressed' omits a hidden value", name, math.nan))
    return out


# --- E. attrition chain -------------------------------------------------------------------------------------
def _chain_lp(removed: list[Any], remaining: list[Any], start: Any, where: str, ctx: Context) -> list[Recovery]:
    """remaining_k = remaining_{k-1} - removed_k; unknowns: hidden values; integer bounds by MILP."""
    k = len(removed)
    # variables: start, removed_1..k (remaining are sums); hidden ones free in [0, big]
    vals = [start, *removed]
    big = 10 ** 7
    lo = np.array([0.0] * (k + 1))
    hi = np.array([float(big)] * (k + 1))
    for i, v in enumerate(vals):
        if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            half = ctx.rounding_base / 2 if ctx.rounding_base else 0
            lo[i], hi[i] = max(0, v - half), v + half
    rows, b_lo, b_hi = [], [], []
    for j, v in enumerate(remaining):
        if isinstance(v, (int, float)):
            a = np.zeros(k + 1)
            a[0] = 1
            a[1:j + 2] = -1
            half = ctx.rounding_base / 2 if ctx.rounding_base else 0
            rows.append(a)
            b_lo.append(v - half)
            b_hi.append(v + half)
    out = []
    for i, v in enumerate(vals):
        if v != MARK:
            continue
        res = []
        for sign in (1, -1):
            c = np.zeros(k + 1)
            c[i] = sign
            r = milp(c, constraints=[LinearConstraint(np.array(rows), b_lo, b_hi)] if rows else [],
                     integrality=np.ones(k + 1), bounds=Bounds(lo, hi))
            res.append(sign * r.fun if r.status == 0 else math.nan)
        if res[0] == res[1]:
            out.append(Recovery("LP over the attrition chain", f"{where} {'start' if i == 0 else f'removed at step {i}'}", res[0]))
    return out


def attrition_chain(folder: Path, ctx: Context) -> list[Recovery]:
    """The attrition flow (tables/attrition.csv, results.json, the cohort command's published
    attrition): consecutive steps with totals before and after."""
    out = []
    sources = []
    t = read_table(folder, "attrition")
    if t is not None:
        sources.append(("attrition.csv", t))
    for p in folder.glob("*attrition*published*.csv"):
        sources.append((p.name, pd.read_csv(p, dtype=str, keep_default_na=False)))
    for where, frame in sources:
        conv = lambda s: MARK if s == MARK else (int(float(s)) if _val(s) is not None else MARK)  # noqa: E731
        steps = frame[frame["step"].astype(int) > 0]
        start = conv(frame.loc[frame["step"].astype(int) == 0, "persons_remaining"].iloc[0])
        out += _chain_lp([conv(v) for v in steps["persons_removed"]], [conv(v) for v in steps["persons_remaining"]],
                         start, where, ctx)
    res = _results(folder)
    att = res.get("cohort", {}).get("attrition")
    if att:
        conv = lambda v: MARK if v is None else v  # noqa: E731
        out += _chain_lp([conv(r["persons_removed"]) for r in att[1:]], [conv(r["persons_remaining"]) for r in att[1:]],
                         conv(att[0]["persons_remaining"]), "results.json attrition", ctx)
    return out


# --- F. records read = kept + rejected ------------------------------------------------------------------------
def quality_totals(folder: Path, ctx: Context) -> list[Recovery]:
    t = read_table(folder, "data_quality")
    out = []
    if t is None:
        return out
    for _, row in t.iterrows():
        vals = {c: _val(row[c]) for c in ("records_read", "kept_rows", "rejected_rows")}
        hidden = [c for c, v in vals.items() if v is None]
        if len(hidden) == 1 and not ctx.rounding_base:
            known = {c: v[0] for c, v in vals.items() if v is not None}
            val = known["records_read"] - sum(v for c, v in known.items() if c != "records_read") \
                if hidden[0] != "records_read" else sum(known.values())
            out.append(Recovery("total minus published cells", f"data_quality {row['table']} / {hidden[0]}", val))
    return out


# --- G. text: notes, rare labels -------------------------------------------------------------------------------
_SMALL = re.compile(r"(?<![\w.,\-])(?<!about )(?<!around )([1-9])(?:\s+of\b|\s+(?:persons?|people|rows?|cases?|spells?|records?|deaths?|"
                    r"reoffenders?|individuals?)\b)")
_PAIR = re.compile(r"(?<![\w.,\-])(\d[\d,]*) of (\d[\d,]*)\b(?!%)")


def text_leaks(folder: Path, ctx: Context) -> list[Recovery]:
    """Every text the run wrote (HTML, JSON, CSV, SVG, notes): small counts in words ("3 people"),
    "N of M" whose complement is small ("4999 of 5001 read"), and rare labels held by fewer than
    the threshold (they must have been pooled)."""
    out = []
    files = [p for p in folder.rglob("*") if p.suffix in (".html", ".json", ".csv", ".svg", ".txt", ".md")]
    for p in files:
        text = p.read_text(errors="replace")
        plain = re.sub(r"<[^>]+>", " ", text) if p.suffix in (".html", ".svg") else text
        for m in _SMALL.finditer(plain):
            if int(m.group(1)) < ctx.threshold:
                out.append(Recovery("small count in words", f"{p.name}: ...{plain[max(0, m.start() - 40):m.end() + 20]!r}",
                                    float(m.group(1))))
        for m in _PAIR.finditer(plain):
            a, b = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))
            if 0 < b - a < ctx.threshold and a < b:
                out.append(Recovery("complement of 'N of M'", f"{p.name}: {m.group(0)!r}", float(b - a)))
        for label in ctx.rare_labels:
            if label in text:
                out.append(Recovery("rare label printed", f"{p.name}: {label!r}", math.nan))
    return out


# --- H. rounding consistency ---------------------------------------------------------------------------------
def rounding_consistency(folder: Path, ctx: Context) -> list[Recovery]:
    """With a rounding base: every published count is a multiple of the base, and the same count
    printed in several places is printed the same (results.json against the tables)."""
    if not ctx.rounding_base:
        return []
    out = []
    for name, cols in (("recidivism", ("n_alternative", "reoffenders_alternative", "n_custody", "reoffenders_custody")),
                       ("health", ("n_alternative", "n_custody", "events_alternative", "events_custody")),
                       ("attrition", ("persons_removed", "persons_remaining")),
                       ("data_quality", ("records_read", "kept_rows", "rejected_rows"))):
        t = read_table(folder, name)
        if t is None:
            continue
        for col in cols:
            for v in t[col]:
                pv = _val(v)
                if pv is not None and pv[0] % ctx.rounding_base:
                    out.append(Recovery("unrounded count", f"{name}.{col}", pv[0]))
    res = _results(folder)
    for key in ("n_treated", "n_control"):
        v = res.get("cohort", {}).get(key)
        if v is not None and v % ctx.rounding_base:
            out.append(Recovery("unrounded count", f"results.json cohort.{key}", v))
    return out


# --- I. UNODC indicator file ------------------------------------------------------------------------------
_UNODC_TOTALS = ("_T", "total", "all")
_UNODC_FIELDS = {"indicator", "kind", "value", "unit", "se", "ci_low", "ci_high", "n", "estimand", "suppressed",
                 "flags", "group"}


def _unodc_frames(folder: Path) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """(file, count records, dimension columns) of every UNODC indicator file in ``folder``. The
    v1 layout has ``year`` and ``group`` ("total" = the year's total); later layouts one column per
    dimension with "_T" for a total."""
    out = []
    for f in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(f.read_text())
        except ValueError:
            continue
        recs = pd.DataFrame(doc.get("records", [])) if isinstance(doc, dict) else pd.DataFrame()
        if recs.empty or "unit" not in recs:
            continue
        counts = recs[recs["unit"] == "persons"].copy()
        dims = [c for c in counts.columns if c not in _UNODC_FIELDS or c == "group"]
        dims = [d for d in dims if d != "indicator"]
        out.append((f.name, counts, dims))
    return out


def unodc_year_totals(folder: Path, ctx: Context) -> list[Recovery]:
    """Every count indicator of the UNODC file as a hypercube: the inner cells (no dimension at
    its total) and every published margin (some dimensions at their total) are linear sums of the
    inner cells; integer bounds of every hidden inner cell by MILP subject to all published
    records of the indicator (the audit of tau-Argus / sdcTable patterns)."""
    out = []
    half = ctx.rounding_base / 2 if ctx.rounding_base else 0
    for fname, counts, dims in _unodc_frames(folder):
        for ind, block in counts.groupby("indicator"):
            block = block.reset_index(drop=True)
            vary = [d for d in dims if block[d].astype(str).nunique() > 1]
            if not vary:
                continue
            is_tot = block[vary].astype(str).isin(_UNODC_TOTALS)
            inner = block[~is_tot.any(axis=1)].reset_index(drop=True)
            hidden = np.flatnonzero(inner["value"].isna().to_numpy())
            if not len(hidden) or len(inner) > 400:
                continue
            rows, lo_b, hi_b = [], [], []
            for _, r in block.iterrows():
                if pd.isna(r["value"]):
                    continue
                member = np.ones(len(inner), bool)
                for d in vary:
                    if str(r[d]) not in _UNODC_TOTALS:
                        member &= (inner[d].astype(str) == str(r[d])).to_numpy()
                rows.append(member.astype(float))
                lo_b.append(float(r["value"]) - half)
                hi_b.append(float(r["value"]) + half)
            if not rows:
                continue
            a = np.array(rows)
            ub = np.full(len(inner), float(max(hi_b)))
            for i in hidden:
                res = []
                for sign in (1, -1):
                    c = np.zeros(len(inner))
                    c[i] = sign
                    r = milp(c, constraints=[LinearConstraint(a, lo_b, hi_b)], integrality=np.ones(len(inner)),
                             bounds=Bounds(np.zeros(len(inner)), ub))
                    res.append(sign * r.fun if r.status == 0 else math.nan)
                if res[0] == res[1]:
                    cell = ", ".join(f"{d}={inner.loc[i, d]}" for d in vary)
                    out.append(Recovery("MILP over a UNODC count hypercube", f"{fname} {ind} {cell}", res[0]))
    return out


def report_and_unodc(report: Path, unodc: Path, ctx: Context) -> list[Recovery]:
    """Across files: the report's cohort description (level shares of each group) and the UNODC
    file (persons by the same level, by custody and in total, all years) describe the same people.
    Unknowns: the level x group counts; constraints: every published share (to its printed
    precision), the group sizes, and every published UNODC count of (level, custody) and
    (level, total); integer bounds of each cell hidden in either file by MILP."""
    t, res = read_table(report, "cohort_description"), _results(report)
    n = res.get("cohort", {})
    frames = _unodc_frames(unodc)
    if t is None or not frames or not n.get("n_treated"):
        return []
    recs = frames[0][1]
    dims = [d for d in ("year", "stage", "disposition", "sex", "age_group", "citizenship") if d in recs]
    if "disposition" not in dims:
        return []
    out = []
    half = ctx.rounding_base / 2 if ctx.rounding_base else 0
    for var in ("sex", "stage"):
        if var not in dims:
            continue
        others = [d for d in dims if d not in (var, "disposition")]
        block = recs[(recs[others].astype(str) == "_T").all(axis=1) & (recs[var].astype(str) != "_T")]
        rows = t[t["characteristic"].str.startswith(f"{var}: ")]
        levels = [c.split(": ", 1)[1] for c in rows["characteristic"]]
        if block.empty or not levels:
            continue
        k = len(levels)  # x = (alt_1..alt_k, cus_1..cus_k)
        size = {"alternative": n["n_treated"], "custody": n["n_control"]}
        lo, hi = np.zeros(2 * k), np.array([size["alternative"]] * k + [size["custody"]] * k, float)
        for g, off in (("alternative", 0), ("custody", k)):
            for i, v in enumerate(rows[g]):
                if (pv := _val(v)) is not None:
                    lo[off + i] = max(0.0, math.ceil((pv[0] - pv[1]) * size[g] / 100 - 1e-9 - half))
                    hi[off + i] = min(hi[off + i], math.floor((pv[0] + pv[1]) * size[g] / 100 + 1e-9 + half))
        a, blo, bhi = [np.r_[np.ones(k), np.zeros(k)], np.r_[np.zeros(k), np.ones(k)]], [size["alternative"]] * 2, []
        blo = [size["alternative"], size["custody"]]
        bhi = list(blo)
        hidden_u = []
        for _, r in block.iterrows():
            lv, disp = str(r[var]), str(r["disposition"])
            if lv not in levels or disp not in ("custody", "_T"):
                continue
            i = levels.index(lv)
            row = np.zeros(2 * k)
            row[k + i] = 1
            if disp == "_T":
                row[i] = 1
            if pd.isna(r["value"]):
                hidden_u.append((row, f"{unodc.name} {var}={lv} disposition={disp}"))
                continue
            a.append(row)
            blo.append(float(r["value"]) - half)
            bhi.append(float(r["value"]) + half)
        targets = [(np.eye(2 * k)[j], f"cohort_description {var}: {levels[j % k]} / "
                    f"{'alternative' if j < k else 'custody'}") for j in range(2 * k)
                   if rows[("alternative" if j < k else "custody")].iloc[j % k] == MARK] + hidden_u
        cons = [LinearConstraint(np.array(a), blo, bhi)]
        for vec, where in targets:
            vals = []
            for sign in (1, -1):
                r = milp(sign * vec, constraints=cons, integrality=np.ones(2 * k), bounds=Bounds(lo, hi))
                vals.append(sign * r.fun if r.status == 0 else math.nan)
            if vals[0] == vals[1]:
                out.append(Recovery("MILP across the report and the UNODC file", where, vals[0]))
    return out


# --- J. unrounding a count from its rate ---------------------------------------------------------------------
def rate_unrounding(folder: Path, ctx: Context) -> list[Recovery]:
    """With a rounding base: the published (rounded) events and n bound the true ones to
    +- base/2; a rate printed with more precision than the rounded counts carry (34.04255% is
    exactly 448/1316), or the adjusted difference plus the custody rate (for the ATT, the
    alternative group's observed rate), leaves one pair (events, n). A recovery is a unique pair
    whose events equal the true (unrounded) count of the same run without rounding."""
    if not ctx.rounding_base or ctx.truth is None:
        return []
    b = ctx.rounding_base
    out = []
    specs = [("recidivism", "horizon_days", (("reoffenders_alternative", "n_alternative", "rate_alternative"),)),
             ("health", "outcome", (("events_alternative", "n_alternative", "alternative"),))]
    for name, key, cols in specs:
        t, truth = read_table(folder, name), read_table(ctx.truth, name)
        if t is None or truth is None:
            continue
        truth = truth.set_index(key)
        for _, row in t.iterrows():
            for ev_col, n_col, rate_col in cols:
                e, n = _val(row[ev_col]), _val(row[n_col])
                if e is None or n is None or row[key] not in truth.index:
                    continue
                # the rate as printed, and as the adjusted difference plus the custody rate (ATT)
                rates = [_val(row[rate_col])]
                d = _val(row.get("difference_points", row.get("difference", "")))
                c = _val(row.get("rate_custody_adjusted", row.get("custody_adjusted", "")))
                if d is not None and c is not None:
                    rates.append((d[0] + c[0], d[1] + c[1]))
                es = np.arange(max(0, math.ceil(e[0] - b / 2)), math.ceil(e[0] + b / 2))
                ns = np.arange(max(1, math.ceil(n[0] - b / 2)), math.ceil(n[0] + b / 2))
                ee, nn = np.meshgrid(es, ns)
                true = _val(truth.loc[row[key], ev_col])
                for r in rates:
                    if r is None:
                        continue
                    cands = np.unique(ee[np.abs(100 * ee / nn - r[0]) <= r[1] + 1e-9])
                    if len(cands) == 1 and true is not None and cands[0] == true[0] and cands[0] != e[0]:
                        out.append(Recovery("rate against rounded counts", f"{name} {row[key]} / {ev_col}",
                                            float(cands[0])))
    return out


# --- K. statistics beside hidden counts ------------------------------------------------------------------
_BESIDE = {"subgroups": (("n_treated", "n_control"), ("estimate", "ci_low", "ci_high", "p_value", "p_holm")),
           "recidivism": (("reoffenders_alternative", "reoffenders_custody"),
                          ("difference_points", "ci_low", "ci_high", "p_value", "unadjusted_difference")),
           "health": (("events_alternative", "events_custody"), ("difference", "ci_low", "ci_high", "p_value")),
           "bed_days": (("n_alternative", "n_custody"), ("averted", "averted_ci_low", "averted_ci_high")),
           "cohort_description": (("alternative", "custody"), ("smd_before", "smd_after"))}


def statistics_beside_hidden(folder: Path, ctx: Context) -> list[Recovery]:
    """A p-value, difference, interval or SMD printed on a row whose count is hidden carries
    information about that count (a p-value of a 2x2 table pins its cells): every such statistic
    must be hidden too."""
    out = []
    for name, (counts, stats) in _BESIDE.items():
        t = read_table(folder, name)
        if t is None:
            continue
        for i, row in t.iterrows():
            if not any(row.get(c) == MARK for c in counts if c in t):
                continue
            for c in stats:
                if c in t and _val(row[c]) is not None:
                    out.append(Recovery("statistic beside a hidden count", f"{name} row {i} / {c}", _val(row[c])[0]))
    return out


ATTACKS = {f.__name__: f for f in (smd_inversion, margin_lp, rate_inversion, results_json_vs_csv,
                                   attrition_chain, quality_totals, text_leaks, rounding_consistency,
                                   rate_unrounding, statistics_beside_hidden)}


def run_all(folder: Path, ctx: Context) -> dict[str, list[Recovery]]:
    """Every attack on one output folder."""
    return {name: f(Path(folder), ctx) for name, f in ATTACKS.items()}
