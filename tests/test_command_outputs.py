"""Disclosure control on every command's output (issue #7).

Each command runs once on the sample (``data/sample/``, config ``data/sample/evaluation.toml``)
into a temporary folder (module-scoped fixtures), and then

(a) every file it wrote is scanned for every identifier of the sample (person, case, spell and
    episode ids) with :func:`altmeasures_eval.privacy.scan_outputs_for_identifiers`; and
(b) no published count (CSV/XLSX columns and JSON keys named as counts, see ``_COUNT_NAME``)
    holds a value from 1 to ``threshold - 1``.

Exempt by design, and tested for saying so: ``cohort.csv`` (an analysis file, one row per person;
with ``--with-ids`` it holds the ids), ``attrition.csv`` of ``cohort`` (exact counts for the
analyst), the ``validate`` quality report (for the data holder) and ``pseudonymise`` (a whole
pseudonymised data set: scanned for the raw ids, which must be gone). ``synth`` writes a
synthetic data set, no real person, and is not run here.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval.cli import main
from altmeasures_eval.privacy import scan_outputs_for_identifiers
from altmeasures_eval.schema import IDENTIFIER_COLUMNS

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
CONFIG = SAMPLE / "evaluation.toml"
THRESHOLD = 10  # [disclosure] threshold of data/sample/evaluation.toml

#: Column or key names that hold counts of persons, cases, spells or records.
_COUNT_NAME = re.compile(
    r"^(n|n_(?!boot$|draws$|jobs$).+|.+_n|events(_.+)?|reoffenders(_.+)?|persons(_.+)?|records_read|"
    r"kept_rows|rejected_rows|released|still_held|observed|n_at_risk|n_rows)$"
)


# --- helpers -------------------------------------------------------------------------------------
def _run(args: list[str]) -> None:
    assert main(args) == 0, f"altmeasures-eval {' '.join(args)} failed"


def _small(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return values[(numbers > 0) & (numbers < THRESHOLD)]


def _json_counts(node: object, path: str = "") -> Iterator[tuple[str, object]]:
    """(key path, value) of every number under a count-named key, recursively; UNODC records
    count their ``value`` when their unit is persons."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if _COUNT_NAME.match(str(key)) and isinstance(value, int | float) and not isinstance(value, bool):
                yield where, value
            elif _COUNT_NAME.match(str(key)) and isinstance(value, dict):  # {"5": 253, ...}
                yield from ((f"{where}.{k}", v) for k, v in value.items() if isinstance(v, int | float))
            else:
                yield from _json_counts(value, where)
        if node.get("unit") == "persons" and isinstance(node.get("value"), int | float):
            yield f"{path}.value", node["value"]
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _json_counts(item, f"{path}[{i}]")


def small_published_counts(folder: Path, exempt: tuple[str, ...] = ()) -> tuple[list[str], int]:
    """Every published count from 1 to threshold-1 in the CSV, XLSX and JSON files of ``folder``
    (as "file: column: values"), and how many count columns/keys were checked."""
    found, checked = [], 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in exempt):
        frames: dict[str, pd.DataFrame] = {}
        if path.suffix == ".csv" and path.stat().st_size:  # an empty file publishes nothing
            frames[path.name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif path.suffix == ".xlsx" and path.name == "tables.xlsx":
            # the report's workbook: human headers under a title block; read each table sheet with
            # the column names of its CSV file (the notes sheet maps them), so counts are found
            from altmeasures_eval.report._workbook import read_workbook_tables

            for sheet, frame in read_workbook_tables(path).items():
                frames[f"{path.name}!{sheet}"] = frame.astype(str)
        elif path.suffix == ".xlsx":
            for sheet, frame in pd.read_excel(path, sheet_name=None, dtype=str).items():
                frames[f"{path.name}!{sheet}"] = frame
        elif path.suffix == ".json":
            for where, value in _json_counts(json.loads(path.read_text(encoding="utf-8"))):
                checked += 1
                if 0 < value < THRESHOLD:
                    found.append(f"{path.name}: {where}: {value}")
        for name, frame in frames.items():
            for column in (c for c in frame.columns if _COUNT_NAME.match(str(c))):
                checked += 1
                bad = _small(frame[column])
                if len(bad):
                    found.append(f"{name}: {column}: {sorted(set(bad))[:5]}")
            if {"unit", "value"} <= set(frame.columns):  # UNODC CSV: counts of persons in value
                checked += 1
                bad = _small(frame.loc[frame["unit"] == "persons", "value"])
                if len(bad):
                    found.append(f"{name}: value (persons): {sorted(set(bad))[:5]}")
    return found, checked


# --- fixtures: one run per command ---------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_ids() -> set[str]:
    """Every identifier of the sample, all four id columns of all four tables."""
    ids: set[str] = set()
    for table in ("persons", "cases", "custody_spells", "treatment_episodes"):
        head = pd.read_csv(SAMPLE / f"{table}.csv", nrows=0).columns
        cols = [c for c in head if c in IDENTIFIER_COLUMNS]
        frame = pd.read_csv(SAMPLE / f"{table}.csv", usecols=cols, dtype=str)
        for col in cols:
            ids.update(frame[col].dropna())
    assert {c[0] for c in ids} == {"P", "C", "S", "T"}  # all four kinds are there
    return ids


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, sample_report: Path,
            _one_sample_evaluation) -> Iterator[dict[str, Path]]:
    """Run every command once on the sample; folder per command. ``report`` is the session's
    sample report (tests/conftest.py), and ``unodc-export`` reuses its evaluation. ``unodc-export``
    runs first: the commands after it read the sample as it read it, and ``project`` and ``costs``
    take the prison and cost stages of its evaluation, as in any Python process that runs them
    after ``report`` or ``unodc-export`` (``altmeasures_eval/commands/_reuse.py``)."""
    root = tmp_path_factory.mktemp("command-outputs")
    out = {name: root / name for name in ("project", "costs", "cohort", "cohort_ids", "validate",
                                           "unodc_export", "unodc_summary", "pseudonymise")}
    out["report"] = sample_report
    cfg = str(CONFIG)
    computed = _one_sample_evaluation.computed
    assert main(["unodc-export", "--config", cfg, "--out", str(out["unodc_export"]), "--quiet"]) in (0, 3)
    assert _one_sample_evaluation.computed == computed  # the session's sample evaluation, not a new one
    _run(["project", "--config", cfg, "--out", str(out["project"])])
    _run(["costs", "--config", cfg, "--out", str(out["costs"])])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # what the command tells the user (test_notices_...)
        _run(["cohort", "--config", cfg, "--out", str(out["cohort"])])
    (root / "cohort-stdout.txt").write_text(printed.getvalue(), encoding="utf-8")
    out["cohort_stdout"] = root / "cohort-stdout.txt"
    _run(["cohort", "--config", cfg, "--out", str(out["cohort_ids"]), "--with-ids"])
    _run(["validate", str(SAMPLE), "--out", str(out["validate"])])
    _run(["unodc-summary", str(out["unodc_export"] / "unodc_indicators.json"), "--out",
          str(out["unodc_summary"]), "--no-pdf"])
    key = root / "pseudonym.key"
    key.write_text("a test key that is long enough for HMAC-SHA256 use", encoding="utf-8")
    _run(["pseudonymise", str(SAMPLE), "--out", str(out["pseudonymise"]), "--key-file", str(key)])
    yield out


# --- (a) identifiers -----------------------------------------------------------------------------
PUBLISHED = ["project", "costs", "cohort", "validate", "report", "unodc_export", "unodc_summary"]


@pytest.mark.parametrize("command", PUBLISHED)
def test_no_output_file_holds_an_identifier_of_the_sample(outputs, sample_ids, command) -> None:
    folder = outputs[command]
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"{command} wrote nothing"
    hits = scan_outputs_for_identifiers(folder, sample_ids)
    assert hits == [], [(h.path.name, h.line) for h in hits[:5]]  # ids themselves not printed


def test_pseudonymise_output_holds_no_raw_id_and_says_it_is_not_a_publication(outputs, sample_ids) -> None:
    """Every file ``pseudonymise`` writes for the sample is scanned for the sample's raw person, case,
    spell and episode ids (issue #7's rule, applied to this command), and what it writes is still the
    sample as a valid contract data set, with 32-character pseudonyms. (The checks of
    tests/privacy/test_pseudonymise_command.py's run on the sample, which ran the same command on the
    same data and the same scan: issue #14.)"""
    from altmeasures_eval.io import read_dataset

    folder = outputs["pseudonymise"]
    assert (folder / "persons.csv").exists()
    assert len(sample_ids) > 20_000
    assert scan_outputs_for_identifiers(folder, sample_ids) == []
    assert "NOT FOR PUBLICATION" in (folder / "NOT_FOR_PUBLICATION.txt").read_text(encoding="utf-8")
    again = read_dataset(folder)
    for table in ("persons", "cases"):
        assert len(getattr(again, table)) == len(pd.read_csv(SAMPLE / f"{table}.csv", usecols=[0]))
    assert again.persons["person_id"].str.fullmatch(r"[0-9a-f]{32}").all()


def test_cohort_with_ids_is_id_bearing_by_design_and_says_so(outputs, sample_ids) -> None:
    """Positive control of the scan: the --with-ids cohort does hold sample ids."""
    folder = outputs["cohort_ids"]
    # 100 person and 100 case ids drawn with a fixed seed (every id would cost minutes: each hit is
    # located by its own search; 300 of each cost 2 s, issue #14); a third of persons and a tenth of
    # cases are in the cohort, so about 33 and 10 are found
    ids = pd.Series(sorted(sample_ids))
    drawn = [ids[ids.str[0] == kind].sample(100, random_state=20150317) for kind in "PC"]
    hits = scan_outputs_for_identifiers(folder / "cohort.csv", pd.concat(drawn))
    assert {h.identifier[0] for h in hits} == {"P", "C"}  # persons and index cases
    assert sum(h.identifier[0] == "C" for h in hits) >= 3  # not a lucky single case id (6 found)
    notice = (folder / "NOT_FOR_PUBLICATION.txt").read_text(encoding="utf-8")
    assert "with person and case identifiers" in notice
    # the other files of the folder are still id-free
    assert scan_outputs_for_identifiers(
        [folder / "attrition_published.csv", folder / "cohort_spec.json"], sample_ids) == []


# --- (b) no small published count ----------------------------------------------------------------
#: Per command: files exempt from (b), and count columns that must be among those checked (so that
#: the check cannot pass by finding nothing).
EXPECTED = {
    "project": ((), {"population_paths.csv": ["observed"], "length_of_stay.csv": ["n", "released", "still_held"],
                     "bed_days.csv": ["n_alternative", "n_custody"]}),
    "costs": ((), {"programme_totals.csv": ["n_people"]}),
    "cohort": (("cohort.csv", "attrition.csv"), {"attrition_published.csv": ["persons_removed", "persons_remaining"]}),
    "report": ((), {"attrition.csv": ["persons_removed"], "recidivism.csv": ["reoffenders_alternative"],
                    "cumulative_incidence.csv": ["events", "n_at_risk"], "health.csv": ["events_custody"]}),
    "unodc_export": ((), {"unodc_indicators.csv": ["n", "value"]}),
    "unodc_summary": ((), {}),
}


@pytest.mark.parametrize("command", list(EXPECTED))
def test_no_published_count_is_below_the_threshold(outputs, command) -> None:
    exempt, expected = EXPECTED[command]
    folder = outputs[command]
    for name, columns in expected.items():
        path = next(folder.rglob(name))
        assert set(columns) <= set(pd.read_csv(path, nrows=0).columns), name
    found, checked = small_published_counts(folder, exempt)
    assert checked >= sum(len(c) for c in expected.values())
    assert found == []


def test_the_count_check_finds_small_counts(tmp_path) -> None:
    """The checker of (b) on a hand-made folder: it flags 3 and the JSON 7, not 0, 10 or a rate."""
    pd.DataFrame({"group": ["a", "b", "c"], "n": [0, 3, "[c]"], "rate": [0.5, 0.2, 0.1]}).to_csv(
        tmp_path / "t.csv", index=False)
    (tmp_path / "r.json").write_text(json.dumps({"cohort": {"n_treated": 7, "n_control": 10, "rate": 4}}))
    found, checked = small_published_counts(tmp_path)
    assert checked == 3
    assert found == ["r.json: .cohort.n_treated: 7", "t.csv: n: ['3']"]


def test_the_project_observed_population_is_suppressed_where_small(outputs) -> None:
    """The sample's first months have jurisdictions holding fewer than 10 people: they are hidden,
    with secondary suppressions, and the total (``all``) stays equal to the sum of what it covers."""
    paths = pd.read_csv(outputs["project"] / "population_paths.csv", dtype=str)
    base = paths[paths["scenario"] == "baseline"].dropna(subset=["observed"])
    wide = base.pivot(index="month", columns="jurisdiction", values="observed")
    hidden = wide == "[c]"
    assert hidden.to_numpy().sum() >= 2
    assert not (hidden.sum(axis=1) == 1).any()  # never one hidden cell beside a published total
    complete = wide[~hidden.any(axis=1)].astype(float)
    parts = complete.drop(columns="all").sum(axis=1)
    assert (parts == complete["all"]).all()


def test_notices_and_cli_output_say_not_for_publication(outputs) -> None:
    for command in ("cohort", "cohort_ids", "validate", "pseudonymise"):
        text = (outputs[command] / "NOT_FOR_PUBLICATION.txt").read_text(encoding="utf-8")
        assert text.startswith("NOT FOR PUBLICATION"), command
    # what `cohort` printed when the fixture ran it (running it again cost a second cohort build)
    assert "NOT FOR PUBLICATION" in outputs["cohort_stdout"].read_text(encoding="utf-8")


def test_unodc_year_total_hidden_when_suppression_hides_it() -> None:
    """3 x 2 fixture: 1, 2 and 5 are primary; the elimination also hides the total of y1
    (2 + 12 = 14), which the suppression reports in ``implied_totals``. The UNODC file used to
    print every total of at least the threshold; it must not print that one, nor shares of it.
    (Schema 2 layout: one column per dimension, "_T" = total; adapted by E for #16.)"""
    from altmeasures_eval.privacy import DisclosurePolicy, suppress_counts
    from altmeasures_eval.report._unodc import _count_table, _shares

    frame = pd.DataFrame({"c0": [30, 2, 5], "c1": [1, 12, 0]}, index=["y0", "y1", "y2"])
    implied = suppress_counts(frame, ["c0", "c1"], THRESHOLD, margins="both").implied_totals
    assert implied.set_index("label").loc["y1", "flag"] == "secondary"
    policy = DisclosurePolicy(threshold=THRESHOLD)
    records, _ = _count_table(frame, "year", "disposition", policy, "fixture")
    total = {r["year"]: r for r in records if r["disposition"] == "_T" and r["year"] != "_T"}
    assert total["y1"]["suppressed"] and total["y1"]["value"] is None
    assert total["y0"]["value"] == 31 and not total["y0"]["suppressed"]
    shares = _shares(records, "year", policy)
    assert all(r["value"] is None for r in shares if r["year"] == "y1")


# --- the public disclosure helpers the commands use, on hand-made fixtures -----------------------
def test_publish_notes_hides_small_counts_in_sentences_only() -> None:
    from altmeasures_eval.evaluation import DisclosureSettings
    from altmeasures_eval.report import publish_notes

    notes = ["6 of 6,543 rows have no 730-day binary outcomes", "605 scores clipped to [1e-8, 1 - 1e-8]",
             "3 person(s) have a missing quasi-identifier", "bands: 95% interval over 200 effect draws",
             "weights trimmed at 0.01/0.99; 7 units off support"]
    assert publish_notes(notes, DisclosureSettings()) == [
        "fewer than 10 of 6,543 rows have no 730-day binary outcomes", "605 scores clipped to [1e-8, 1 - 1e-8]",
        "fewer than 10 person(s) have a missing quasi-identifier", "bands: 95% interval over 200 effect draws",
        "weights trimmed at 0.01/0.99; fewer than 10 units off support"]
    assert publish_notes(["7 units off support"], DisclosureSettings(threshold=5)) == ["7 units off support"]


@pytest.mark.parametrize("command", ["project", "costs"])
def test_notes_written_by_project_and_costs_hold_no_small_count(outputs, command) -> None:
    from altmeasures_eval.report._tables import _COUNTED

    doc = json.loads((outputs[command] / f"{'population' if command == 'project' else 'costs'}.json").read_text())
    assert doc["notes"]
    small = [m.group(1) for note in doc["notes"] for m in _COUNTED.finditer(note)
             if 0 < int(m.group(1).replace(",", "")) < THRESHOLD]
    assert small == []


def test_length_of_stay_hides_a_small_jurisdiction_with_a_second_one() -> None:
    """Hand fixture: west holds 3 spells still held among its eligible spells. With the row totals
    ``n`` and the total row ``all`` published, the 3 alone would follow from all - the others, so a
    second jurisdiction of the same stream is hidden (the smallest published candidate: east's 65,
    since 65 < 86 < 117 < 122), and means of hidden rows go with them. The other stream is untouched."""
    from altmeasures_eval.commands.project import publish_length_of_stay
    from altmeasures_eval.evaluation import DisclosureSettings

    rows = [("all", "eligible", 9201, 390), ("capital", "eligible", 2471, 117), ("east", "eligible", 1578, 65),
            ("north", "eligible", 2844, 122), ("south", "eligible", 1678, 83), ("west", "eligible", 630, 3),
            ("all", "other", 300, 40), ("capital", "other", 300, 40)]
    los = pd.DataFrame(rows, columns=["jurisdiction", "stream", "released", "still_held"])
    los.insert(2, "n", los["released"] + los["still_held"])
    los["mean_days"] = 50.0
    out = publish_length_of_stay(los, DisclosureSettings())
    assert list(out.columns) == list(los.columns) and list(out["jurisdiction"]) == list(los["jurisdiction"])
    hidden = out["still_held"] == "[c]"
    assert list(out.loc[hidden, "jurisdiction"]) == ["east", "west"]
    assert (out.loc[hidden, "released"] == "[c]").all() and (out.loc[hidden, "mean_days"] == "[c]").all()
    assert out.loc[~hidden, "n"].tolist() == los.loc[~hidden, "n"].tolist()
    assert out["n"].tolist() == los["n"].tolist()  # row totals stay published


def test_publish_counts_rounds_and_hides_derived_totals() -> None:
    """Programme totals: n_people 7 is hidden and so is every total built from it; with
    rounding_base 5, 5326 -> 5325 (nearest multiple of 5)."""
    from altmeasures_eval.evaluation import DisclosureSettings
    from altmeasures_eval.report import publish_counts

    totals = pd.DataFrame({"component": ["a", "b"], "difference": [-10.0, 2.0], "total_difference": [-53260.0, 14.0],
                           "n_people": [5326, 7]})
    out = publish_counts(totals, ["n_people"], DisclosureSettings(rounding_base=5), name="programme_totals",
                         derived={"total_difference": ["n_people"]})
    assert out["n_people"].tolist() == [5325, "[c]"]
    assert out["total_difference"].tolist()[1] == "[c]" and out["difference"].tolist() == [-10.0, 2.0]


def test_cohort_rejects_an_unknown_disclosure_key_before_reading_data(tmp_path, capsys) -> None:
    config = tmp_path / "eval.toml"
    config.write_text(f'[data]\npath = "{SAMPLE}"\n\n[disclosure]\nthreshhold = 5\n', encoding="utf-8")
    assert main(["cohort", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "[disclosure] unknown key(s) 'threshhold'" in err and "Did you mean 'threshold'" in err
    assert not (tmp_path / "out").exists()


def test_observed_population_property_no_hidden_cell_follows_from_the_published_ones() -> None:
    """Property over 40 random month x jurisdiction tables (fixed seed): published values are the
    input values, none is from 1 to threshold-1, and in every month no hidden jurisdiction is a
    linear combination of the published cells (checked with ``disclosed_cells``)."""
    import numpy as np

    from altmeasures_eval.commands.project import publish_observed
    from altmeasures_eval.evaluation import DisclosureSettings
    from altmeasures_eval.privacy import disclosed_cells

    rng = np.random.default_rng(20150317)
    for _ in range(40):
        n_months, juris = int(rng.integers(1, 6)), [f"j{k}" for k in range(int(rng.integers(2, 6)))]
        counts = rng.choice([0, 1, 2, 4, 9, 10, 15, 60, 300], size=(n_months, len(juris)))
        rows = [{"jurisdiction": j, "month": f"2020-{m + 1:02d}", "observed": float(counts[m, k])}
                for m in range(n_months) for k, j in enumerate(juris)]
        rows += [{"jurisdiction": "all", "month": f"2020-{m + 1:02d}", "observed": float(counts[m].sum())}
                 for m in range(n_months)]
        paths = pd.DataFrame(rows).assign(scenario="baseline")
        out = publish_observed(paths, DisclosureSettings())
        shown = out.pivot(index="month", columns="jurisdiction", values="observed")[[*juris, "all"]]
        full = paths.pivot(index="month", columns="jurisdiction", values="observed")[[*juris, "all"]]
        published = shown != "[c]"
        assert (shown[published].stack().astype(float) == full[published].stack()).all()
        assert not shown[published].stack().astype(float).between(1, THRESHOLD - 1).any()
        relations = np.vstack([np.eye(len(juris)), np.ones(len(juris))])  # cells, then the total
        for month in shown.index:
            mask = published.loc[month].to_numpy()
            hidden = np.flatnonzero(~mask[:-1])
            assert not disclosed_cells(relations, mask, hidden).any(), month
