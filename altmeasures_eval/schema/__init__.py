"""The data contract: controlled vocabularies, canonical tables and their pandera models."""

from altmeasures_eval.schema import _vocab as vocab
from altmeasures_eval.schema._aggregate import (
    AGGREGATE_COLUMNS,
    AGGREGATE_MODELS,
    AGGREGATE_TABLES,
    PANEL_OUTCOMES,
    TABLE_PANEL,
    TABLE_POLICY,
    PanelModel,
    PolicyModel,
)
from altmeasures_eval.schema._dataset import Dataset, ExtractInfo
from altmeasures_eval.schema._models import (
    TABLE_MODELS,
    CasesModel,
    CustodySpellsModel,
    PersonsModel,
    PrisonCapacityModel,
    TreatmentEpisodesModel,
)
from altmeasures_eval.schema._vocab import *  # noqa: F403  (the vocabulary is the public surface)

__all__ = ["Dataset", "ExtractInfo", "vocab", *vocab.__all__]
__all__ += [
    "TABLE_MODELS",
    "CasesModel",
    "CustodySpellsModel",
    "PersonsModel",
    "PrisonCapacityModel",
    "TreatmentEpisodesModel",
]
__all__ += [
    "AGGREGATE_COLUMNS",
    "AGGREGATE_MODELS",
    "AGGREGATE_TABLES",
    "PANEL_OUTCOMES",
    "TABLE_PANEL",
    "TABLE_POLICY",
    "PanelModel",
    "PolicyModel",
]
