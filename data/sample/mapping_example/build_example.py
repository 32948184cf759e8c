"""Rebuild this mapping example: a contract data set written back in a ministry's own format.

Usage (from the repository root)::

    .venv/bin/python data/sample/mapping_example/build_example.py CONTRACT_FOLDER [--persons 40]

takes the first ``--persons`` persons of a contract data set (with all their cases, spells and
episodes), translates columns, codes and dates back into the local format described by
``mapping.toml`` (the first local code listed for each contract code), and writes the ``.csv``
files here in cp1252 with ``;`` as delimiter. The direct-identifier columns ``NOM`` and ``PRENOM``
hold fictitious placeholders; the mapping drops them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from altmeasures_eval.io import load_mapping, read_dataset
from altmeasures_eval.schema import Dataset

HERE = Path(__file__).resolve().parent


def slice_persons(dataset: Dataset, n: int) -> dict[str, pd.DataFrame]:
    """The first ``n`` persons and every row that belongs to them."""
    persons = dataset.persons.iloc[:n]
    ids = set(persons["person_id"])
    out = {"persons": persons}
    for name in ("cases", "custody_spells", "treatment_episodes"):
        table = getattr(dataset, name)
        out[name] = table[table["person_id"].isin(ids)]
    if dataset.prison_capacity is not None:
        out["prison_capacity"] = dataset.prison_capacity
    return out


def to_local(tables: dict[str, pd.DataFrame], mapping_path: Path) -> dict[str, pd.DataFrame]:
    """Translate contract tables into the local format of ``mapping_path``."""
    mapping = load_mapping(mapping_path)
    local = {}
    for name, table in tables.items():
        tm = mapping.table(name)
        out = table.copy()
        for col in out.columns:
            values = out[col]
            if pd.api.types.is_datetime64_any_dtype(values):
                out[col] = values.dt.strftime(tm.date_format or "%Y-%m-%d")
            elif pd.api.types.is_bool_dtype(values):
                out[col] = values.map({True: "true", False: "false"}, na_action="ignore")
            if col in tm.codes:
                inverse: dict[str, str] = {}
                for src, dst in tm.codes[col].items():
                    inverse.setdefault(dst, src)
                out[col] = out[col].map(inverse, na_action="ignore")
        out = out.rename(columns={v: k for k, v in tm.columns.items()})
        if name == "persons":
            fake = [f"Exemple{i}" for i in range(1, len(out) + 1)]
            out.insert(1, "NOM", fake)
            out.insert(2, "PRENOM", "Personne")
        local[tm.file or f"{name}.csv"] = out
    return local


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("contract_folder", type=Path)
    parser.add_argument("--persons", type=int, default=40)
    args = parser.parse_args()
    dataset = read_dataset(args.contract_folder)
    mapping_path = HERE / "mapping.toml"
    mapping = load_mapping(mapping_path)
    for file, frame in to_local(slice_persons(dataset, args.persons), mapping_path).items():
        frame.to_csv(HERE / file, sep=mapping.delimiter or ",", encoding=mapping.encoding or "utf-8", index=False)
        print(f"wrote {file}: {len(frame)} rows")


if __name__ == "__main__":
    main()
