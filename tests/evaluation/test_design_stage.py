"""The design stage shared by ``run_evaluation``, ``project`` and ``costs`` (issue #14).

:func:`altmeasures_eval.evaluation.design_stage` is the one implementation of the design (with the m
imputed designs pooled under ``[design] missing = "impute"``), and it keeps its last result while
the process runs: a second call on a cohort with the same content and settings returns the same
designs, and any change of content or of what the design reads computes anew. Generated data:
1,200 persons, 10% of substances blanked, m = 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval.cohort import build_cohort
from altmeasures_eval.design import build_design
from altmeasures_eval.evaluation import DesignStage, EvaluationSpec, design_stage
from altmeasures_eval.synth import simulate


@pytest.fixture(scope="module")
def cohort():
    data = simulate(1200, seed=5, missingness={"substance": 0.10}).dataset
    return build_cohort(data).data


def _spec(**design) -> EvaluationSpec:
    return EvaluationSpec.from_config({"design": {"imputations": 2, **design}, "run": {"seed": 3}})


def test_design_stage_is_the_design_with_every_imputation(cohort) -> None:
    spec = _spec()
    staged = design_stage(cohort, spec)
    assert isinstance(staged, DesignStage) and len(staged.designs) == 2  # m = 2 completed data sets
    alone = build_design(cohort, spec.design, random_state=3, disclosure_threshold=spec.disclosure.threshold)
    first = staged.designs[0]
    assert first.estimand == alone.estimand == staged.design.estimand
    np.testing.assert_array_equal(first.weights, alone.weights)  # the first imputation is build_design's
    assert first.data.index.equals(alone.data.index)
    assert staged.design.gate.checks is not first.gate.checks  # the gate is pooled over the imputations
    assert any("pooled over the m = 2 imputations" in n for n in staged.design.balance.notes)


def test_same_cohort_and_settings_reuse_the_last_design(cohort) -> None:
    from altmeasures_eval.evaluation._stages import _LAST_DESIGN

    first = design_stage(cohort, _spec())
    assert design_stage(cohort.copy(), _spec()) is first  # equal content, another frame: reused
    assert len(_LAST_DESIGN) == 1  # only the last design is kept


def test_a_cohort_whose_attrs_cannot_be_compared_in_full_is_not_reused(cohort) -> None:
    import pandas as pd

    from altmeasures_eval.evaluation._stages import _design_key

    assert _design_key(cohort, _spec()) is not None
    data = cohort.copy()
    data.attrs["lookup"] = pd.DataFrame({"x": range(100)})  # its repr is truncated: not a key
    assert _design_key(data, _spec()) is None


@pytest.mark.parametrize("change", ["seed", "design", "threshold", "content"])
def test_anything_the_design_reads_computes_it_anew(cohort, change) -> None:
    base = design_stage(cohort, _spec())
    data, spec = cohort, _spec()
    if change == "seed":
        spec = EvaluationSpec.from_config({"design": {"imputations": 2}, "run": {"seed": 4}})
    elif change == "design":
        spec = _spec(balance_threshold=0.2)
    elif change == "threshold":
        spec = EvaluationSpec.from_config({"design": {"imputations": 2}, "run": {"seed": 3},
                                           "disclosure": {"threshold": 11}})
    else:
        data = cohort.copy()
        data.loc[data.index[0], "prior_proven"] += 1
    assert design_stage(data, spec) is not base
