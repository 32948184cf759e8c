"""A report in French or Spanish has no English left (issue #15).

The sample evaluation of the session is rendered in French and in Spanish (``[report] language``):
the content model, then the HTML page, the PDF and the Word version. In the text of each, with the
user's own words taken out (title, organisation, country name, contact, licence and the config
printed in the appendix), no English message of the package longer than three words may appear,
and none of a list of frequent English words.

Figures are given their titles, captions and text alternatives from ``figure_specs`` (the words the
figures carry, in the active language) with a blank picture: drawing them is what costs time here,
and the words inside the drawings are checked by ``tests/report/test_figures.py``.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

import altmeasures_eval
from altmeasures_eval._i18n import language
from tests.report._messages import marked_messages
from tests.report._shared import sample_tables

PACKAGE = Path(altmeasures_eval.__file__).parent

#: Words frequent in English text that are not words of French or Spanish text. Whole words, any case.
ENGLISH_WORDS = ("the", "of", "and", "with", "people", "were", "which", "every", "within", "reoffended",
                 "reoffending", "custody", "given", "compared", "between", "fewer", "would", "this", "that",
                 "could", "not", "than", "after", "before", "per", "person", "data", "summary", "what", "you",
                 "can", "say", "cannot", "should", "have", "has", "is", "are", "was", "by", "from", "at", "in",
                 "to", "it", "its", "they")
# ("on", "an", "table", "figure", "source", "or" are French words too and are left out)


def _png() -> bytes:
    """A 1 x 1 white PNG (the picture of a figure whose words are all that matters here)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def _english_messages() -> list[str]:
    """Every English message marked in the package (Python and templates) longer than three words,
    with its placeholders as cut points: the fixed pieces of four words or more."""
    pieces: set[str] = set()
    for _f, _l, message in marked_messages():  # tests/report/_messages.py, shared with tests/test_i18n.py
        for text in (message if isinstance(message, tuple | list) else (message,)):
            for piece in re.split(r"\{[^}]*\}", text):
                piece = " ".join(piece.split()).strip(" .,:;()")
                if len(piece.split()) > 3:
                    pieces.add(piece)
    return sorted(pieces)


@pytest.fixture(scope="module")
def english() -> list[str]:
    return _english_messages()


def _render(ev, code: str, input_file: str, published: tuple | None = None) -> tuple[dict, dict, str]:
    """The content model, the figures (blank pictures with their words) and the HTML page of ``ev``'s
    report in ``code`` (``ev`` already has that language in its settings); ``published``: its
    published tables and notes in ``code`` when already computed."""
    from altmeasures_eval.report import Figure, build_content, published_tables, render_html
    from altmeasures_eval.report._figures import figure_specs

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10"></svg>'
    with language(code):
        tables, notes = published if published is not None else published_tables(ev)
        figures = {name: Figure(name, caption, _png(), svg, title=title, alt=alt)
                   for name, title, caption, alt, _draw, _size in figure_specs(ev)}
        content = build_content(ev, tables, figures, notes, {input_file: "0" * 64})
        return content, figures, render_html(content, figures)


@pytest.fixture(scope="module", params=["fr", "es"])
def rendered(request, sample_evaluation, tmp_path_factory) -> tuple[str, dict[str, str]]:
    """(language, {"html", "pdf", "docx", "content"}: the text of each, the user's words taken out)."""
    from docx import Document
    from pypdf import PdfReader

    from altmeasures_eval.report import render_pdf
    from altmeasures_eval.report._docx import render_docx

    code = request.param
    ev = replace(sample_evaluation, spec=replace(sample_evaluation.spec,
                                                  report=replace(sample_evaluation.spec.report, language=code)))
    out = tmp_path_factory.mktemp(f"report-{code}")
    # the tables of the session's evaluation in this language (tests/report/_shared.py: they do not
    # depend on [report] language, only on the active language)
    content, figures, html = _render(ev, code, "sample/cases.csv", sample_tables(sample_evaluation, code))
    with language(code):
        pdf = render_pdf(content, figures, out / "report.pdf")
        docx = render_docx(content, figures, out / "report.docx")
    config = next(b["text"] for s in content["sections"] for b in s["blocks"] if b["kind"] == "code")
    rs = ev.spec.report
    # the user's words, and the names of the data tables and files read (the data contract's names)
    user = [rs.title, rs.organisation, rs.country_name, rs.contact, rs.licence, *config.splitlines(),
            *ev.table_hashes, "sample/cases.csv"]
    html_text = re.sub(r"<pre>.*?</pre>", " ", html, flags=re.S)  # the config as read: the user's text
    html_text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html_text, flags=re.S)
    doc = Document(str(docx))
    docx_text = "\n".join([p.text for p in doc.paragraphs]
                          + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    pdf_text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    pdf_text = re.sub(r"(\w)[-\u00ad]\s+(\w)", r"\1\2", pdf_text)  # words hyphenated across lines
    content_text = repr({k: v for k, v in content.items() if k != "headline"})

    def clean(text: str) -> str:
        import html as h

        text = " ".join(h.unescape(text).split())
        for u in sorted((x.strip() for x in user if x and x.strip()), key=len, reverse=True):
            text = text.replace(" ".join(u.split()), " ")
        return text

    return code, {"html": clean(html_text), "pdf": clean(pdf_text), "docx": clean(docx_text),
                  "content": clean(content_text)}


@pytest.mark.parametrize("form", ["html", "pdf", "docx"])
def test_no_english_sentence_left(rendered, english, form):
    code, texts = rendered
    text = texts[form]
    assert len(text) > 5000, (code, form)  # the whole report was read
    left = [m for m in english if m in text]
    assert not left, f"{code} {form}: English left: {left[:15]}"


@pytest.mark.parametrize("form", ["html", "pdf", "docx"])
def test_no_frequent_english_word_left(rendered, form):
    code, texts = rendered
    words = re.findall(r"[^\W\d_]+", texts[form])  # whole words, accented letters included
    # names of software and statistical terms of art kept in every language
    kept = {"altmeasures", "eval", "SHA", "Kaplan", "Meier", "Holm", "Rubin", "Justice", "Data", "Lab", "ATT",
            "ATC", "ATE", "ATO", "numpy", "pandas", "scipy", "statsmodels", "scikit", "learn", "lifelines",
            "matplotlib", "jinja", "typst"}
    left = sorted({w for w in words if w.lower() in ENGLISH_WORDS and w not in kept})
    context = {w: (m.group(0) if (m := re.search(rf".{{0,60}}(?<!\w){w}(?!\w).{{0,60}}", texts[form])) else w)
               for w in left[:8]}
    assert not left, f"{code} {form}: English words left: {left}\n" + "\n".join(context.values())


def test_numbers_follow_the_language(rendered):
    code, texts = rendered
    # the headline rates print with the language's decimal comma (34,2 not 34.2)
    assert re.search(r"\b\d{1,2},\d\b", texts["html"])
    assert not re.search(r"\b\d{1,2}\.\d (?:ont|reincidieron)\b", texts["html"])


# -- rare paths (issue #15 follow-ups) ---------------------------------------------------------------
#
# What the sample never shows: warnings on the consistency between tables, a stage described and not
# compared, the separation details of a failed design gate, a count of the gate below the disclosure
# threshold, a headline effect that cannot be estimated, health outcomes not estimated, and the
# limitations and boxes that follow from them. Each comes from a run of the shipped sample config
# (tests/scenarios/_run.py) on a 1,500-person extract of the scenario library's second generator,
# whose custody register and case register also stop before the extract date (consistency warnings
# in every run). Three small evaluations, built once per module (about 2 s each).

#: name -> (scenario, config lines changed): what each run must show is checked in
#: test_rare_paths_are_exercised, so that a change of the generator cannot empty this test.
RARE_RUNS = {
    # pre-trial: everyone an alternative (a stage described, not compared); fewer than 10 outside support
    "stage": ("second_stage_determined", {"stages": '["pre_trial", "trial", "sentencing"]'}),
    # J1, J2 always custody, J3, J4 always an alternative; common_support = "stop": separation, gate failed
    "separation": ("second_jurisdiction_decides", {"common_support": '"stop"'}),
    # nobody given an alternative reoffends: the headline effect is not estimable; and two rows of
    # cases.csv are damaged (a case twice, a decision after the extract date): data-quality problems
    "not_estimable": ("second_no_events", {}),
}
DAMAGED = "not_estimable"


@pytest.fixture(scope="module")
def rare(tmp_path_factory) -> dict:
    """The evaluations of :data:`RARE_RUNS`."""
    from tests.scenarios._library import PERIOD, SCENARIOS
    from tests.scenarios._run import run_pipeline, write_scenario

    out = {}
    for name, (scenario, changes) in RARE_RUNS.items():
        folder = tmp_path_factory.mktemp(name)
        config = write_scenario(SCENARIOS[scenario].draw(1, 1500).dataset, folder, PERIOD)
        if name == DAMAGED:
            import pandas as pd

            cases = pd.read_csv(folder / "data" / "cases.csv", dtype=str, keep_default_na=False)
            cases = pd.concat([cases, cases.iloc[[0]]])  # the first case twice
            cases.iloc[1, cases.columns.get_loc("decision_date")] = "2030-01-01"  # after the extract date
            cases.to_csv(folder / "data" / "cases.csv", index=False)
        text = config.read_text(encoding="utf-8")
        for key, value in changes.items():
            text, n = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", text)
            assert n == 1, f"the sample config has no single {key} line: update RARE_RUNS"
        config.write_text(text, encoding="utf-8")
        out[name] = run_pipeline(config)
    return out


def _render_text(ev, code: str) -> tuple[str, dict]:
    """The report of ``ev`` in ``code``: its HTML text and its content model (figures blank)."""
    import html as h

    ev = replace(ev, spec=replace(ev.spec, report=replace(ev.spec.report, language=code)))
    content, _figures, page = _render(ev, code, "cases.csv")
    rs = ev.spec.report
    text = re.sub(r"<pre>.*?</pre>|<style>.*?</style>", " ", page, flags=re.S)  # the config as read: the user's
    text = " ".join(h.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    # the user's words and the names of the data tables (the data contract's names) taken out
    for u in sorted((x for x in (rs.title, rs.organisation, rs.country_name, rs.contact, rs.licence,
                                 *ev.table_hashes) if x), key=len, reverse=True):
        text = text.replace(" ".join(u.split()), " ")
    return text, content


@pytest.fixture(scope="module")
def rare_texts(rare) -> dict:
    """(run, language) -> (HTML text, content model) of each rare run in French and Spanish, and of
    the stage run in English."""
    out = {(name, code): _render_text(ev, code) for name, ev in rare.items() for code in ("fr", "es")}
    return {**out, ("stage", "en"): _render_text(rare["stage"], "en")}


@pytest.mark.e2e
def test_rare_paths_are_exercised(rare):
    from altmeasures_eval.privacy import DisclosurePolicy

    stage, sep, ne = rare["stage"], rare["separation"], rare["not_estimable"]
    for name, ev in rare.items():  # both registers stop before the extract date
        late = {"decided after extract date"} if name == DAMAGED else set()
        assert set(ev.quality.consistency.warnings["check"]) == {"table stops early", *late}
    left = stage.design.decision_points.left_out
    assert left["stage"].tolist() == ["pre_trial"] and left["reason"].tolist() == ["no custody decision at this stage"]
    checks = stage.design.gate.checks.set_index("check")
    outside = int(checks.loc["people outside common support", "value"])
    assert 0 < outside < stage.spec.disclosure.threshold  # printed "fewer than 10"
    assert DisclosurePolicy.from_settings(stage.spec.disclosure).count(outside) is None
    assert any(s.startswith("Health outcome") for s in stage.skipped)
    gate = sep.design.gate
    assert not gate.passed
    detail = gate.checks.set_index("check").loc["separation", "detail"]
    assert detail.count("(no comparable") == 4, detail  # J1 .. J4, each held by one group
    assert ne.design.gate.passed and "no variation in reoffend_365" in ne.headline_not_estimable
    assert set(ne.quality.problem_summary["check"]) == {"unique_key", "after_extract_date"}


@pytest.mark.e2e
@pytest.mark.parametrize("code", ["fr", "es"])
def test_no_english_on_rare_paths(rare, rare_texts, english, code):
    for name in rare:
        text, _content = rare_texts[name, code]
        left = [m for m in english if m in text]
        assert not left, f"{code} {name}: English left: {left[:15]}"
        words = sorted({w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH_WORDS} - {"Data"})
        context = [m.group(0) for w in words[:8]
                   if (m := re.search(rf".{{0,60}}(?<![^\W\d_]){w}(?![^\W\d_]).{{0,60}}", text))]
        assert not words, f"{code} {name}: English words left: {words}\n" + "\n".join(context)


@pytest.mark.e2e
@pytest.mark.parametrize("code", ["fr", "es"])
def test_rare_paths_are_worded_in_the_language(rare, rare_texts, code):
    """Each rare path reaches the page in the report's words (the translations of the catalogue),
    with the counts of the disclosure policy and the locale's numbers."""
    from altmeasures_eval._i18n import _, fmt_date, fmt_int
    from altmeasures_eval._vocabulary import display_level, display_name
    from altmeasures_eval.report._words import within

    texts = {name: rare_texts[name, code][0] for name in rare}
    health = re.match(r"Health outcome (\w+) not estimated: no variation", rare["stage"].skipped[0]).group(1)
    nobody = int(re.search(r"all ([\d,]+) people have 0", rare["not_estimable"].headline_not_estimable).group(1)
                 .replace(",", ""))
    gaps = rare["separation"].design.gate.checks.set_index("check").loc["separation", "detail"]
    j1 = int(re.search(r"jurisdiction = J1: all ([\d,]+) people", gaps).group(1).replace(",", ""))
    extract = rare[DAMAGED].quality.consistency.extract_date.date()
    with language(code):
        expected = {
            "stage": [_("no custody decision at this stage"), _("Stages described, not compared"),
                      _("fewer than {n}").format(n=fmt_int(10)) + " " + _("left out of the comparison"),
                      _("The tables do not fully agree with each other:"),
                      _("The health outcome \u201c{outcome}\u201d was not estimated: it does not vary, or is not "
                        "observed, in these data.").format(outcome=display_name(health))],
            "separation": [_("{levels}, held only by people sent to custody ({n})").format(
                levels=_("{variable}: {level}").format(variable=_("Jurisdiction"), level="J1"), n=fmt_int(j1))],
            "not_estimable": [_("None of the {n} people given an alternative measure reoffended {within}: an "
                                "adjusted comparison would treat that group's rate as known exactly (false "
                                "certainty), so only the group counts are given.").format(
                n=fmt_int(nobody), within=within(365)),
                _("The same identifier appears on more than one row."), _("A date after the extract date."),
                _("{n} cases have a decision date after the extract date ({extract}). To fix: correct the extract "
                  "date (extract_date in extract.toml), which must be the date the data are complete to, or the "
                  "decision dates.").format(n=_("fewer than {n}").format(n=fmt_int(10)), extract=fmt_date(extract))],
        }
        table = display_level("table", "custody_spells")
    for name, pieces in expected.items():
        for piece in pieces:
            assert piece in texts[name], (code, name, piece)
    assert table in texts["stage"]  # the custody register that stops early, by its name in the language


def test_consistency_counts_follow_the_disclosure_policy():
    """A linkage gap of 4 of 271 custody decisions prints "fewer than 10 of 271" and no rate (2.6%
    of 271 gives the 7 back, as the English notes printed before); 265 of 271 prints "all but
    fewer than 10 of 271", since 271 - 265 = 6 would be a small count (hand calculation)."""
    import pandas as pd

    from altmeasures_eval.io._consistency import WARNING_COLUMNS, ConsistencyReport
    from altmeasures_eval.privacy import DisclosurePolicy

    def report(n: int, of: int) -> ConsistencyReport:
        w = pd.DataFrame([{"check": "custody decision without spell", "table": "cases", "year": 2023, "n": n,
                           "of": of, "rate": n / of, "threshold": 0.02, "message": "", "fix": ""}],
                         columns=WARNING_COLUMNS)
        return ConsistencyReport(linkage=pd.DataFrame(), spells_without_case=pd.DataFrame(), coverage=pd.DataFrame(),
                                 decided_after_extract=0, warnings=w, extract_date=pd.Timestamp("2025-12-31"),
                                 settings={"link_window_days": 90})

    policy = DisclosurePolicy(threshold=10)
    with language("en"):
        assert report(4, 271).report_lines(policy)[0].startswith(
            "In 2023, fewer than 10 of 271 custody decisions have no custody spell:")
        assert report(265, 271).report_lines(policy)[0].startswith(
            "In 2023, all but fewer than 10 of 271 custody decisions have no custody spell:")
        assert report(30, 271).report_lines(policy)[0].startswith(
            "In 2023, 30 of 271 custody decisions (11.1%) have no custody spell:")  # 30 / 271 = 0.1107
    with language("fr"):
        assert report(4, 271).report_lines(policy)[0].startswith(
            "En 2023, moins de 10 décisions d'incarcération sur 271 n'ont aucune période de détention")


@pytest.mark.e2e
def test_technical_notes_in_results_json(rare, rare_texts):
    """The run's technical notes (ev.notes, a log with the data's column names) are in results.json
    under technical_notes, and the appendix of the report says so in its language, with their number."""
    from altmeasures_eval._i18n import fmt_int, ngettext
    from altmeasures_eval.report import published_tables
    from altmeasures_eval.report._results import build_results, validate_results

    ev = rare["stage"]
    assert ev.notes
    with language("en"):
        tables, notes = published_tables(ev)
        doc = build_results(ev, tables, notes)
    validate_results(doc)
    assert len(doc["technical_notes"]) == len(ev.notes) and any("imputation" in n or "weight" in n
                                                                for n in doc["technical_notes"])
    for code in ("en", "fr"):
        text, content = rare_texts["stage", code]
        appendix = next(s for s in content["sections"] if s["id"] == "appendix")["blocks"]
        with language(code):
            pointer = ngettext("The run also wrote {n} technical note (what a step of the analysis did and assumed, "
                               "in English, with the data's column names); it is in results.json under "
                               "technical_notes.",
                               "The run also wrote {n} technical notes (what each step of the analysis did and "
                               "assumed, in English, with the data's column names); they are in results.json under "
                               "technical_notes.", len(ev.notes)).format(n=fmt_int(len(ev.notes)))
        assert appendix[-1] == {"kind": "p", "text": pointer} and pointer in text


def test_gate_details_of_rare_checks_in_words():
    """Details the three runs above do not produce, from the gate's and the propensity model's own
    formats (matching/_separation.py, imputation pooled gate): coefficients that run away (the
    linear-programming check), failures in some imputed data sets, a group count below the
    threshold, and a detail of an unknown form (the message of a failed fit)."""
    from types import SimpleNamespace

    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._gate_table import _gate_detail, separation_words

    policy = DisclosurePolicy(threshold=10)
    ev = SimpleNamespace(design=SimpleNamespace(support=None))  # what _gate_detail reads of a run
    lp = ("quasi-complete separation: the coefficients of prior_bed_days, sex=female run away; 12 people in the "
          "alternative group have a fitted probability running to 1 and 4 people in the custody group have a "
          "fitted probability running to 0 (nobody comparable in the other group)")
    with language("en"):
        assert separation_words(lp, policy) == (
            "Quasi-complete separation: the model's coefficients for Days in custody before the decision and Sex: "
            "female run away, so 12 people given an alternative measure and fewer than 10 people sent to custody "
            "have no comparable person in the other group")
    # the gate table hides small counts in its details first (publish_notes): "all fewer than 10 people"
    hidden = ("jurisdiction = J1: all fewer than 10 people are in the custody group and nobody in the alternative "
              "group (no comparable alternative case)")
    with language("fr"):
        assert separation_words(hidden, policy) == "Juridiction : J1, uniquement parmi les personnes incarcérées " \
                                                   "(moins de 10)"
    imputations = "effective sample size (imputation 2, 5); separation (imputation 3); no comparison could be built " \
                  "(imputation 4)"
    with language("fr"):
        assert separation_words(lp, policy) == (
            "Séparation quasi complète : les coefficients du modèle pour Jours de détention avant la décision et "
            "Sexe : femme divergent, si bien que 12 personnes ayant fait l'objet d'une mesure alternative et moins "
            "de 10 personnes incarcérées n'ont personne de comparable dans l'autre groupe")
        assert _gate_detail("the other checks in every imputation", imputations, None, policy) == (
            "Taille effective de l'échantillon (jeux de données imputés 2, 5); "
            "Caractéristiques qui prédisent parfaitement le groupe (séparation) (jeux de données imputés 3); "
            "Aucune comparaison n'a pu être construite (jeux de données imputés 4)")
        assert _gate_detail("both groups in the comparison", "alternative fewer than 10, custody 1,479", None,
                            policy) == "mesure alternative moins de 10, incarcération 1\u202f479"
        failed_fit = _gate_detail("propensity model converged", "LinAlgError: Singular matrix", ev, policy)
        assert failed_fit == "détails en anglais dans results.json (design, checks)"
    with language("en"):  # English keeps the message as written
        assert _gate_detail("propensity model converged", "LinAlgError: Singular matrix", ev, policy) == \
            "LinAlgError: Singular matrix"


def test_every_design_check_has_its_name_in_words():
    """Each check the design gate can add (design/_gate.py, and the pooled gate of design/_imputed.py)
    is named in words by the report's design checks table (report/_content.py _CHECKS), so that a
    French or Spanish table never prints the gate's English name; a check added to the gate without
    its words fails here. The newest, matching without replacement, is printed with its threshold."""
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._gate_table import _CHECKS, _gate_threshold, _gate_value

    design = PACKAGE / "design"
    names = set(re.findall(r'c\.add\(\s*"([^"]+)"', (design / "_gate.py").read_text(encoding="utf-8")))
    names |= set(re.findall(r'"check": "([^"]+)"', (design / "_imputed.py").read_text(encoding="utf-8")))
    assert len(names) >= 12 and "score balance of a match without replacement" in names, names
    assert not names - set(_CHECKS), f"design checks without words in the report: {sorted(names - set(_CHECKS))}"
    check = "score balance of a match without replacement"
    with language("es"):
        from altmeasures_eval._i18n import _

        assert _(_CHECKS[check]) == "Diferencia en la puntuación de propensión tras el emparejamiento sin reemplazo"
        assert _gate_threshold(check, "at most 0.05", None) == "como máximo 0,05"
        # 0.0504 beside "at most 0.05": enough decimals not to read as the threshold (shown_beside)
        assert _gate_value(check, 0.0504, DisclosurePolicy(), None, "at most 0.05") == "0.0504"


def test_gate_advice_gives_every_setting_to_change():
    """In French the advice is the settings to change (the config's keys are the same in every
    language): both of the advice of the check of matching without replacement (design/_gate.py)."""
    from types import SimpleNamespace

    from altmeasures_eval.evaluation import DisclosureSettings
    from altmeasures_eval.report._summary import gate_advice

    advice = ("set [design] caliper = 0.1 (a narrower caliper keeps matches closer on the score), or replace = true "
              "(a person of the other group may then be matched to several people)",)
    ev = SimpleNamespace(design=SimpleNamespace(gate=SimpleNamespace(advice=advice)),
                         spec=SimpleNamespace(disclosure=DisclosureSettings()))
    with language("fr"):
        assert gate_advice(ev) == ["Modifier le fichier de configuration : [design] caliper = 0.1 ou [design] "
                                   "replace = true."]
