"""Reference numbers for the staggered difference-in-differences tests (castle-doctrine laws).

Run (NOT part of the test suite; needs the reference-only packages, kept out of the project venv):

    python -m venv /tmp/reform-ref-venv
    /tmp/reform-ref-venv/bin/pip install causaldata==0.1.5 csdid==0.4.3 differences==0.3.0 pysyncon==1.7.0
    /tmp/reform-ref-venv/bin/python tests/reform/reference/castle_reference.py

Data: ``castle`` from the PyPI package ``causaldata`` 0.1.5 (Cheng & Hoekstra, 2013, as distributed
with Cunningham's *Causal Inference: The Mixtape*; shipped in the package as castle.dta, no network).
The adoption year ``effyear`` is the year with ``lag0 == 1`` (the Mixtape's ``effyear``: 2005 for
Florida ...); never-adopting states have none. The extract used by the tests (state id, year,
l_homicide, effyear) is written to ``castle.csv`` beside this script.

Independent implementation: ``csdid`` 0.4.3 (Python port of the R package ``did`` by Callaway and
Sant'Anna), outcome-regression estimator without covariates (identical to the doubly robust one
without covariates), analytic standard errors (``bstrap=False``). Its numbers go to
``castle_csdid.json``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent


def main() -> None:
    from causaldata import castle
    from csdid.att_gt import ATTgt

    c = castle.load_pandas().data
    eff = c[c.lag0 == 1].groupby("sid").year.min()
    c["effyear"] = c.sid.map(eff)
    extract = c[["sid", "year", "l_homicide", "effyear"]].sort_values(["sid", "year"])
    extract.to_csv(HERE / "castle.csv", index=False, float_format="%.10g")
    d = extract.assign(effyear=extract.effyear.fillna(0).astype(int))
    out: dict[str, object] = {
        "source": "csdid 0.4.3 ATTgt(...).fit(est_method='reg', bstrap=False) on causaldata 0.1.5 castle, "
                  "effyear = year with lag0 == 1; see castle_reference.py",
    }
    for control, name in (("nevertreated", "never"), ("notyettreated", "notyet")):
        res = ATTgt(yname="l_homicide", gname="effyear", idname="sid", tname="year", data=d,
                    control_group=[control]).fit(est_method="reg", bstrap=False)
        s = res.results  # full precision (the printed summary rounds to 4 decimals)
        gt = [{"g": int(g), "t": int(t), "att": float(a), "se": float(e)}
              for g, t, a, e in zip(s["group"], s["year"], s["att"], s["se"])]
        agg = {}
        for typ in ("simple", "dynamic", "group"):
            a = res.aggte(typec=typ, bstrap=False)
            key = a.atte if hasattr(a, "atte") else a
            agg[typ] = {"att": float(np.asarray(key["overall_att"]).ravel()[0]),
                        "se": float(np.asarray(key["overall_se"]).ravel()[0])}
            if typ == "dynamic":
                agg["event_time"] = [{"e": int(e), "att": float(v), "se": float(se)} for e, v, se in
                                     zip(key["egt"], key["att_egt"], np.asarray(key["se_egt"]).ravel())]
        out[name] = {"att_gt": gt, **agg}
    (HERE / "castle_csdid.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: (v if k == "source" else {kk: vv for kk, vv in v.items() if kk in ("simple", "dynamic", "group")})
                      for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()
