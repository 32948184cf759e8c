"""The missing-data part of the report (issue #17): how much was missing, how it was handled, the
balance of each imputed data set and pooled over them (as cobalt's ``bal.tab`` shows balance for
multiply imputed data), and the complete-case sensitivity result.

Wording only: every number comes from ``Evaluation.missing_data``
(:class:`altmeasures_eval.design.MissingDataAnalysis`) and ``Evaluation.design``; counts go
through the run's disclosure policy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._i18n import _, fmt_int, fmt_num, fmt_pct, fmt_signed
from altmeasures_eval.privacy import DisclosurePolicy

__all__ = ["MISSING_TABLES", "missing_paragraph", "missing_table_fields"]


def _covariate_words(name: str) -> str:
    """``substance=cannabis`` -> "Substance: cannabis" in the active language (the vocabulary's names)."""
    from altmeasures_eval._vocabulary import display_level, display_name

    var, _sep, level = str(name).partition("=")
    if not level:
        return display_name(var)
    return _("{characteristic}: {level}").format(characteristic=display_name(var), level=display_level(var, level))


def _shown(policy: DisclosurePolicy, n: int) -> str:
    shown = policy.count(int(n))
    return fmt_int(shown) if shown is not None else _("fewer than {n}").format(n=fmt_int(policy.threshold))


def missing_paragraph(ev: Any) -> str | None:
    """How missing design covariates were handled, in words: share missing per covariate (counts
    through disclosure control), the method, m, the fraction of missing information of the headline
    estimate and the complete-case sensitivity result."""
    md = getattr(ev, "missing_data", None)
    if md is None:
        return None
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    gaps = []
    for r in md.missing.itertuples():
        if r.n_missing:
            from altmeasures_eval._vocabulary import display_name

            shown = policy.count(int(r.n_missing))
            gaps.append(_("{covariate} ({share} missing)").format(covariate=display_name(str(r.column)),
                                                                 share=fmt_pct(r.share_missing, 1))
                        if shown is not None else
                        _("{covariate} (fewer than {n} people)").format(covariate=display_name(str(r.column)),
                                                                       n=fmt_int(policy.threshold)))
    if not gaps:
        return _("No design covariate had missing values.")
    text = _("Some characteristics were not recorded: {gaps}.").format(gaps=", ".join(gaps)) + " "
    if md.method == "impute" and md.m:
        text += _("They were filled in by multiple imputation by chained equations ({m} imputations, with the "
                  "sentence and the reoffending outcomes in the imputation model), so nobody was left out because "
                  "of a missing value. The comparison was built in each completed data set and every result (rates, "
                  "numbers of reoffences, time to reoffending, health, subgroups, custody bed-days, prison "
                  "population and costs) was estimated in each and combined by Rubin's rules; the design checks "
                  "use the balance pooled over the imputations.").format(m=fmt_int(md.m)) + " "
        if np.isfinite(md.fmi):
            text += _("Fraction of missing information of the headline estimate: {fmi}.").format(
                fmi=fmt_num(md.fmi, 2)) + " "
    else:
        text += {"indicator": _("A missing category was treated as its own level ('unknown') and a missing number "
                                "as the mean with a missing-value indicator."),
                 "complete_case": _("People with a missing characteristic were left out (complete cases; see the "
                                    "cohort flow), so the estimate describes people with complete records only."),
                 }.get(md.method, "") + " "
    cc = md.complete_case
    if cc is not None:
        r = cc.summary.loc["risk_difference"]
        text += _("Sensitivity: among people with every characteristic recorded the difference is {d} percentage "
                  "points ({level}% confidence interval {lo} to {hi}).").format(
            d=fmt_signed(100 * r["estimate"], 1), level=fmt_int(round(100 * (1 - cc.alpha))),
            lo=fmt_signed(100 * r["ci_low"], 1), hi=fmt_signed(100 * r["ci_high"], 1))
    return text.strip()


def _level_counts(ev: Any) -> dict[str, int]:
    """The smallest number of people, in either group and any completed data set, holding each
    level of a categorical covariate (for disclosure control of the balance rows)."""
    imputed = getattr(ev.design, "imputed", None)
    rows = ev.design.data.index
    sets = [imputed.complete(i).loc[lambda d: d.index.isin(rows)] for i in range(imputed.m)] if imputed else [
        ev.design.data]
    out: dict[str, int] = {}
    for d in sets:
        known = d["treatment"].notna().to_numpy()  # the people a cross-table of level by group counts
        group, groups = pd.factorize(d["treatment"][known])
        for c in ev.design.covariates:
            if c not in d.columns or pd.api.types.is_numeric_dtype(d[c]):
                continue
            level, levels = pd.factorize(d[c].astype(str).to_numpy()[known], sort=True)
            # people per level and group (the cross-table, as a count per cell)
            tab = np.bincount(level * len(groups) + group, minlength=len(levels) * len(groups))
            fewest = tab.reshape(len(levels), -1).min(axis=1) if len(groups) == 2 else np.zeros(len(levels), int)
            for name, n in zip(levels, fewest.tolist()):
                key = f"{c}={name}"
                out[key] = min(out.get(key, n), n)
    return out


def missing_table_fields(ev: Any) -> dict[str, dict[str, Any]]:
    """The fields (``PublishedTable``'s keyword arguments) of the missing-data tables of the report,
    which ``published_tables`` publishes (empty unless the covariates were imputed):
    ``balance_imputations`` (balance pooled over the imputations: mean SMD before and after, and
    the smallest and largest SMD after adjustment in any imputation), ``imputations`` (each
    imputed data set: largest absolute SMD after adjustment, effective sample size of the custody
    group, its own design checks) and ``missing_sensitivity`` (the headline effect by
    multiple imputation beside the complete-case analysis)."""
    md = getattr(ev, "missing_data", None)
    if md is None or md.method != "impute" or not md.m or md.balance is None:
        return {}
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    marker = policy.marker
    small = {k for k, n in _level_counts(ev).items() if policy.count(n) is None}
    tables: dict[str, Any] = {}
    bal = md.balance.drop(index="distance", errors="ignore")
    rows = []
    for name, r in bal.iterrows():
        hide = str(name) in small
        cell = (lambda v: marker if hide else round(float(v), 3))  # noqa: E731
        rows.append({"covariate": _covariate_words(str(name)), "smd_before_mean": cell(r["smd_before_mean"]),
                     "smd_after_mean": cell(r["smd_after_mean"]),
                     "smd_after_min": cell(r.get("smd_after_min", r["smd_after_mean"])),
                     "smd_after_max": cell(r.get("smd_after_max", r["smd_after_mean"]))})
    thr = fmt_num(ev.spec.design.balance_threshold, 2)
    tables["balance_imputations"] = dict(
        name="balance_imputations",
        title=_("Balance over the {m} imputed data sets: standardised mean differences before and after adjustment").format(m=fmt_int(md.m)),
        frame=pd.DataFrame(rows),
        formats={c: "{:.3f}" for c in ("smd_before_mean", "smd_after_mean", "smd_after_min", "smd_after_max")},
        labels={"covariate": _("Characteristic"), "smd_before_mean": _("Before, mean"),
                "smd_after_mean": _("After, mean"), "smd_after_min": _("After, smallest"),
                "smd_after_max": _("After, largest")},
        note=_("Standardised mean differences between the groups, computed in each imputed data set and summarised "
               "over them: the mean, and the smallest and largest value after adjustment. The design checks use "
               "the mean, which should be within {thr} either way. Levels held by fewer than {n} people in a group "
               "are not shown ({marker}).").format(thr=thr, n=fmt_int(policy.threshold), marker=marker))
    per = getattr(md, "balance_by_imputation", None)
    if per is not None and len(per):
        rows = []
        for r in per.itertuples():
            # no group sizes: they differ by a few people between imputations (common support), and
            # differences of published counts must not give small numbers back
            rows.append({"imputation": int(r.imputation),
                         "max_abs_smd_after": (marker if str(r.covariate) in small else
                                               round(float(r.max_abs_smd_after), 3)),
                         "covariate": _covariate_words(str(r.covariate)) if r.covariate else "",
                         "ess_control": (fmt_int(round(r.ess_control)) if np.isfinite(r.ess_control) else ""),
                         "gate_passed": _("yes") if r.gate_passed else _("no")})
        tables["imputations"] = dict(
            name="imputations", title=_("The comparison in each imputed data set"), frame=pd.DataFrame(rows),
            formats={"max_abs_smd_after": "{:.3f}"},
            labels={"imputation": _("Imputation"), "max_abs_smd_after": _("Largest standardised difference after adjustment"),
                    "covariate": _("Characteristic"), "ess_control": _("Effective size of the custody group"),
                    "gate_passed": _("Design checks passed on their own")},
            note=_("Each imputed data set has its own comparison; none is left out of the pooled results, whatever "
                   "its own checks say, because choosing imputations by their result would bias the estimate."))
    rows = []
    for r in md.summary.itertuples():
        mi = str(r.analysis).startswith("multiple")
        rows.append({"analysis": (_("Multiple imputation ({m} imputed data sets)").format(m=fmt_int(md.m)) if mi
                                  else _("Complete cases only (sensitivity)")),
                     "n": _shown(policy, r.n), "estimate": round(100 * float(r.estimate), 1),
                     "ci": _("{lo} to {hi}").format(lo=fmt_signed(100 * r.ci_low, 1), hi=fmt_signed(100 * r.ci_high, 1)),
                     "fmi": fmt_num(r.fmi, 2) if mi and np.isfinite(r.fmi) else ""})
    if rows:
        h = ev.spec.report.headline_horizon
        tables["missing_sensitivity"] = dict(
            name="missing_sensitivity",
            title=_("Headline difference with and without the people whose records are incomplete"),
            frame=pd.DataFrame(rows), formats={"estimate": "{:+.1f}"},
            labels={"analysis": _("Analysis"), "n": _("People compared"),
                    "estimate": _("Difference (percentage points)"), "ci": _("Confidence interval"),
                    "fmi": _("Fraction of missing information")},
            note=_("Difference in proven reoffending within {days} days, alternative measure minus custody. The "
                   "complete-case analysis leaves out everyone with a missing characteristic: it describes a "
                   "different population and is biased unless values are missing completely at random.").format(
                days=fmt_int(h)))
    return tables


#: The tables of :func:`missing_table_fields`, in the order the report shows them.
MISSING_TABLES = ("balance_imputations", "imputations", "missing_sensitivity")
