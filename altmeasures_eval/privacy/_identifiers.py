"""Detect columns that look like direct identifiers and refuse them at ingestion.

A direct identifier names a person on its own: a name, a national identity, passport or
driving-licence number, a street address or postcode, a phone number, an e-mail address or a full
date of birth. The data contract has none of them (a person is a pseudonymous ``person_id`` with a
``birth_year``), so a column that looks like one is a mapping mistake that must be fixed before any
analysis runs (issue #2, "Privacy guard").

Detection has two independent parts:

* by column name: the name is normalised (accents stripped, camelCase split, lower case, split on
  non-alphanumerics) and its contiguous token sequences are looked up in multilingual term lists;
* by values: every non-missing value of every text column (no sample: a value held by two or
  three people must not slip through) is matched against
  e-mail, phone-number and national-identity-number patterns (vectorised ``str`` methods), and a
  column whose name speaks of birth is checked for full dates.

The contract's key columns (``person_id``, ``case_id``, ``spell_id``, ``episode_id``) are exempt
from the value checks: raw keys are replaced by ``altmeasures-eval pseudonymise``, which must be
able to read them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from altmeasures_eval._errors import PrivacyError
from altmeasures_eval.schema import IDENTIFIER_COLUMNS

__all__ = [
    "IdentifierFinding",
    "classify_column_name",
    "find_direct_identifiers",
    "guard_direct_identifiers",
]

IdentifierKind = Literal[
    "name", "national_id", "passport", "address", "postcode", "phone", "email", "date_of_birth"
]

#: What each kind of finding means, for messages.
KIND_DESCRIPTIONS: Final[dict[str, str]] = {
    "name": "a person's name",
    "national_id": "a national identity, tax, social-security or licence number",
    "passport": "a passport or travel-document number",
    "address": "a street address",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an e-mail address",
    "date_of_birth": "a full date of birth",
}

# --- column-name terms ----------------------------------------------------------------------------
# Terms are compared with the concatenation of one or more contiguous name tokens, so that
# "first_name", "FirstName" and "firstname" all give "firstname". Bare "name" is handled apart
# (see _NAME_WORDS) so that "court_name" or "substance_name" are not flagged.
_TERMS: Final[dict[str, tuple[str, ...]]] = {
    "name": (
        "surname", "surnames", "forename", "forenames", "firstname", "lastname", "givenname",
        "givennames", "familyname", "fullname", "middlename", "maidenname", "birthname",
        "nickname", "alias", "aliases", "apellido", "apellidos", "primerapellido",
        "segundoapellido", "nombrecompleto", "nombreyapellido", "nombreyapellidos", "prenom",
        "prenoms", "nomdefamille", "nomcomplet", "cognome", "nomecompleto", "sobrenome", "apelido",
        "vorname", "vornamen", "nachname", "familienname", "voornaam", "achternaam", "nazwisko",
        "soyad", "soyadi", "etternavn", "fornavn", "efternamn", "fornamn", "sukunimi", "etunimi",
        "familiya", "otchestvo",
    ),
    "national_id": (
        "nationalid", "nationalidnumber", "nationalidentity", "nationalidentitynumber",
        "nationalidentifier", "nationalinsurance", "nationalinsurancenumber", "nino", "ssn",
        "socialsecurity", "socialsecuritynumber", "socialinsurancenumber", "taxid", "taxnumber",
        "taxpayerid", "dni", "nif", "curp", "cpf", "cnp", "pesel", "bsn", "burgerservicenummer",
        "codicefiscale", "personnummer", "personnr", "fodselsnummer", "henkilotunnus", "hetu",
        "cprnummer", "cprnumber", "cedula", "aadhaar", "aadhar", "nric", "ppsn", "idnumber",
        "idno", "idcard", "idcardnumber", "identitycard", "identitycardnumber", "identitynumber",
        "identitydocument", "identitydocumentnumber", "iddocument", "iddocumentnumber",
        "documentnumber", "numerodocumento", "documentoidentidad", "documentodeidentidad",
        "numerodeidentificacion", "carteidentite", "numerosecuritesociale", "personalausweis",
        "ausweisnummer", "steuerid", "steueridentifikationsnummer", "sozialversicherungsnummer",
        "citizenid", "citizennumber", "personalnumber", "personalidnumber", "personalcode",
        "personalidentitycode", "personalidentificationnumber", "driverslicense",
        "driverslicence", "driverlicense", "driverlicence", "drivinglicense", "drivinglicence",
        "licensenumber", "licencenumber", "fuhrerschein", "permisdeconduire",
    ),
    "passport": (
        "passport", "passportno", "passportnumber", "pasaporte", "passeport", "reisepass",
        "paspoort", "passaporto", "passaporte", "paszport", "traveldocument",
    ),
    "address": (
        "address", "addresses", "addr", "streetaddress", "street", "streetname", "housenumber",
        "homeaddress", "direccion", "domicilio", "adresse", "adres", "indirizzo", "endereco",
        "morada", "strasse", "anschrift", "wohnort", "calle", "adressline", "addressline",
    ),
    "postcode": (
        "postcode", "postcodes", "postalcode", "zip", "zipcode", "plz", "postleitzahl",
        "codigopostal", "codepostal", "codicepostale", "cep", "postnummer", "postinumero",
        "pincode", "eircode",
    ),
    "phone": (
        "phone", "phoneno", "phonenumber", "telephone", "telephonenumber", "tel", "telno",
        "telefono", "telefone", "telefon", "telefonnummer", "telefoonnummer", "mobile",
        "mobilephone", "mobilenumber", "cellphone", "cellular", "celular", "movil", "handy",
        "fax", "msisdn", "gsm",
    ),
    "email": (
        "email", "emails", "emailaddress", "mail", "mailaddress", "correo", "correoelectronico",
        "courriel", "epost", "adressemail",
    ),
    "date_of_birth": (
        "dob", "dateofbirth", "birthdate", "birthday", "datebirth", "borndate", "dateborn",
        "fechanacimiento", "fechadenacimiento", "datenaissance", "datedenaissance",
        "datanascita", "datadinascita", "datanascimento", "datadenascimento", "geburtsdatum",
        "geboortedatum", "fodselsdato", "fodelsedatum", "syntymaaika", "datarodzenia",
        "fechanac", "fechanacim", "datenaiss", "datanasc", "gebdat", "gebdatum",
    ),
}
_TERM_KIND: Final[dict[str, str]] = {term: kind for kind, terms in _TERMS.items() for term in terms}

#: Words for "name" that flag a column only on their own or with a qualifier naming a person.
_NAME_WORDS: Final = frozenset(
    {"name", "names", "nombre", "nombres", "nom", "nome", "naam", "imie", "navn", "namn", "nimi",
     "fio"}
)
_PERSON_QUALIFIERS: Final = frozenset(
    {
        "person", "persons", "offender", "client", "patient", "defendant", "subject", "individual",
        "prisoner", "inmate", "accused", "suspect", "detainee", "participant", "full", "first",
        "last", "given", "family", "middle", "maiden", "legal", "mother", "mothers", "father",
        "fathers", "other", "complete", "completo", "complet", "persona", "de", "del", "la", "pila",
        "famille", "familie", "famiglia", "voor", "achter", "and", "y", "et", "e", "und", "en",
        "apellido", "apellidos", "prenom", "cognome",
    }
)
#: Tokens that make a column "about birth", so that full dates in it are a date of birth.
_BIRTH_WORDS: Final = (
    "birth", "born", "dob", "nacimiento", "naissance", "nascita", "nascimento", "geburt",
    "geboorte", "fodsel", "fodelse", "urodzenia", "rodzenia", "syntyma",
)
#: Abbreviations that speak of birth only as whole tokens ("fecha_nac", "DATE_NAISS").
_BIRTH_TOKENS: Final = frozenset({"nac", "naiss", "nasc", "geb", "nacim"})
_MAX_NGRAM: Final = 5

# --- value patterns -------------------------------------------------------------------------------
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
# International (+ or 00 prefix) or national trunk-prefixed (leading 0) numbers, with separators.
# (area codes never start with 0, so zero-padded numbers such as "0000123456" are not phones)
_PHONE = (
    r"(?:\+|00)[1-9][\d \-().]{5,22}"
    r"|\(?0[1-9]\d{0,3}\)?[ \-./]?\d{2,5}(?:[ \-./]?\d{2,5}){0,3}"
)
_PHONE_DIGITS = (7, 15)  # E.164 allows at most 15 digits
_DATE_PREFIX = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # ISO-like, also with a time part after it
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # day-month-year or month-day-year
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"  # compact YYYYMMDD
)
_DD = r"(?:0[1-9]|[12]\d|3[01])"
_MM = r"(?:0[1-9]|1[0-2])"
#: Structured national-identity numbers: (label, full-match pattern).
_NATIONAL_ID_PATTERNS: Final = (
    ("US social security number", r"\d{3}-\d{2}-\d{4}"),
    ("UK National Insurance number", r"[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]"),
    ("Mexican CURP", r"[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d"),
    ("Brazilian CPF", r"\d{3}\.\d{3}\.\d{3}-\d{2}"),
    ("Italian codice fiscale", r"[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]"),
    (
        "Nordic personal identity number",
        # Swedish (YY)YYMMDD-NNNN, Danish DDMMYY-NNNN, Finnish DDMMYY[-+A]NNNC
        rf"(?:\d{{2}}|\d{{4}}){_MM}{_DD}[-+]\d{{4}}|{_DD}{_MM}\d{{2}}[-+A]\d{{3}}[0-9A-Z]",
    ),
    ("Indian Aadhaar number", r"[2-9]\d{3} \d{4} \d{4}"),
)
_DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"  # check letter of Spanish DNI/NIE = number mod 23
#: What every national-identity pattern can match, on upper-case text: the patterns, and the shape
#: of a DNI/NIE before its hyphens and spaces are taken out. A text that fails it fails them all,
#: so the patterns and the DNI check letter run only on the texts that pass.
_NATIONAL_ID_ANY: Final = "|".join(
    [r"(?:[- ]*[XYZ0-9](?:[- ]*\d){7}[- ]*[A-Z][- ]*)"] + [f"(?:{p})" for _, p in _NATIONAL_ID_PATTERNS]
)


@dataclass(frozen=True)
class IdentifierFinding:
    """One column that looks like a direct identifier.

    Attributes
    ----------
    column : str
        The column as named in the frame.
    kind : str
        One of ``name``, ``national_id``, ``passport``, ``address``, ``postcode``, ``phone``,
        ``email``, ``date_of_birth``.
    basis : {"name", "values"}
        Whether the column name or its values gave it away.
    reason : str
        Human-readable evidence, without any of the column's values.
    share : float or None
        For ``basis="values"``: share of the sampled non-missing values that match.
    n_sampled : int or None
        For ``basis="values"``: number of non-missing values examined.
    first_row : object or None
        For ``basis="values"``: index label of the first matching row in the sample order of the
        frame (the frame's own index, e.g. the source row number when the reader keeps it).
    """

    column: str
    kind: str
    basis: Literal["name", "values"]
    reason: str
    share: float | None = None
    n_sampled: int | None = None
    first_row: object | None = None

    def describe(self) -> str:
        """One line for an error message: column, what it looks like, why."""
        what = KIND_DESCRIPTIONS.get(self.kind, self.kind)
        text = f"column {self.column!r} looks like {what}: {self.reason}"
        if self.first_row is not None:
            text += f" (first at row {self.first_row})"
        return text


# --- column names ---------------------------------------------------------------------------------
def _name_tokens(name: object) -> tuple[str, ...]:
    return _tokens(str(name))


@functools.lru_cache(maxsize=4096)
def _tokens(name: str) -> tuple[str, ...]:
    # cached: every ingestion asks for the same few dozen column names, twice each
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)  # camelCase -> camel_Case
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)  # DOBDate -> DOB_Date
    return tuple(tok for tok in re.split(r"[^a-z0-9]+", text.lower()) if tok)


def classify_column_name(name: object) -> tuple[str, str] | None:
    """Kind of direct identifier a column name suggests, with the matched term, or ``None``.

    Parameters
    ----------
    name : object
        A column name in any case convention (``first_name``, ``FirstName``, ``Nombre completo``).

    Returns
    -------
    tuple of (str, str) or None
        ``(kind, matched_term)``, e.g. ``("name", "firstname")``.
    """
    tokens = _name_tokens(name)
    if not tokens:
        return None
    # contiguous token sequences, longest first, so "date_of_birth" wins over "date"
    for size in range(min(_MAX_NGRAM, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            joined = "".join(tokens[start : start + size])
            kind = _TERM_KIND.get(joined)
            if kind is not None:
                return kind, joined
    words = [tok for tok in tokens if not tok.isdigit()]
    name_words = [tok for tok in words if tok in _NAME_WORDS]
    if name_words and all(tok in _NAME_WORDS or tok in _PERSON_QUALIFIERS for tok in words):
        return "name", "_".join(words)
    return None


def _is_birth_column(name: object) -> bool:
    tokens = _name_tokens(name)
    joined = "".join(tokens)
    return any(word in joined for word in _BIRTH_WORDS) or bool(_BIRTH_TOKENS & set(tokens))


# --- values ---------------------------------------------------------------------------------------
#: Rows sampled to measure the share of phone, national-id and date-of-birth patterns.
SHARE_SAMPLE: Final = 10_000
_KIND_ORDER: Final = ("email", "phone", "national_id", "date_of_birth")
#: Labels of the national-identity patterns, in the order a finding names them.
_NATIONAL_LABELS: Final = ("Spanish DNI/NIE", *(label for label, _ in _NATIONAL_ID_PATTERNS))


@dataclass(frozen=True)
class _Examined:
    """The values of one column to examine, and which checks to run on them.

    ``values`` are the column's non-missing values in row order (the e-mail check reads them all);
    ``sample`` the positions in ``values`` of the rows that measure the shares of the other
    patterns (``None``: every row).
    """

    column: str
    values: pd.Series
    sample: np.ndarray | None
    birth_like: bool
    email: bool = True
    shares: bool = True


def _sample_positions(
    values: pd.Series, sample_size: int | None, random_state: int, drawn: dict[int, np.ndarray] | None = None,
) -> np.ndarray | None:
    """Positions of a seeded sample of ``sample_size`` of ``values`` in index order (``None``: all).

    The rows ``values.sample(n=sample_size, random_state=random_state).sort_index()`` takes. The
    draw depends only on the number of values, so columns of one length share it (``drawn``).
    """
    if sample_size is None or len(values) <= sample_size:
        return None
    draw = None if drawn is None else drawn.get(len(values))
    if draw is None:  # as pandas' Series.sample draws
        draw = np.random.RandomState(random_state).choice(len(values), size=sample_size, replace=False)
        draw = draw.astype(np.intp, copy=False)
        if drawn is not None:
            drawn[len(values)] = draw
    return pd.Series(draw, index=values.index[draw]).sort_index().to_numpy()


def _spanish_dni_mask(text: pd.Series) -> pd.Series:
    """Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter) with a valid letter."""
    upper = text.str.upper().str.replace("-", "", regex=False).str.replace(" ", "", regex=False)
    shape = upper.str.fullmatch(r"[XYZ0-9]\d{7}[A-Z]")
    if not shape.any():
        return shape
    candidates = upper[shape]
    prefix = candidates.str[0].map({"X": "0", "Y": "1", "Z": "2"}).fillna(candidates.str[0])
    number = (prefix + candidates.str[1:8]).astype(np.int64)
    expected = np.array(list(_DNI_LETTERS))[number.to_numpy() % 23]
    valid = pd.Series(expected == candidates.str[8].to_numpy(), index=candidates.index)
    return shape & valid.reindex(shape.index, fill_value=False)


def _where(text: pd.Series, candidates: np.ndarray, test) -> np.ndarray:
    """``test`` (a vectorised ``str`` predicate) on the ``candidates`` of ``text``; False elsewhere."""
    out = np.zeros(len(text), dtype=bool)
    if candidates.any():
        out[candidates] = test(text[candidates]).fillna(False).to_numpy(dtype=bool)
    return out


def _screens(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tests every text goes through: (starts like a date, number of digits, holds an ``@``,
    may be a national identity number).

    RE2 in Arrow answers them for ASCII texts, where it reads these patterns as Python's ``re``
    does (``\\d`` is ``[0-9]``, ``$`` the end of the text; no other construct differs); Python's
    ``re`` answers for the others.
    """
    n = len(text)
    is_date, at, maybe = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    n_digits = np.zeros(n, np.int64)
    try:
        arr = pa.array(text.to_numpy(dtype=object), type=pa.string())
        ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate
        ascii_ = np.zeros(n, bool)
    if ascii_.any():
        a = arr.filter(pa.array(ascii_))
        is_date[ascii_] = pc.match_substring_regex(a, f"^(?:{_DATE_PREFIX})").to_numpy(zero_copy_only=False)
        n_digits[ascii_] = pc.count_substring_regex(a, "[0-9]").to_numpy(zero_copy_only=False)
        at[ascii_] = pc.match_substring(a, "@").to_numpy(zero_copy_only=False)
        maybe[ascii_] = pc.match_substring_regex(
            pc.ascii_upper(a), f"^(?:{_NATIONAL_ID_ANY})$").to_numpy(zero_copy_only=False)
    if not ascii_.all():
        rest = text[~ascii_]
        is_date[~ascii_] = rest.str.match(_DATE_PREFIX).to_numpy(dtype=bool)
        n_digits[~ascii_] = rest.str.count(r"\d").to_numpy()
        at[~ascii_] = rest.str.contains("@", regex=False).to_numpy(dtype=bool)
        maybe[~ascii_] = rest.str.upper().str.fullmatch(_NATIONAL_ID_ANY).to_numpy(dtype=bool)
    return is_date, n_digits, at, maybe


def _patterns(text: pd.Series) -> dict[str, np.ndarray]:
    """Which value pattern each (stripped, distinct) text matches: one boolean array per pattern.

    Each regular expression runs only where a cheap test leaves it a chance (an ``@`` for an
    e-mail address, 7-15 digits and no date for a phone number, the alternation of them all for
    the national-identity patterns); the tests are elementwise, so this is the same as running
    every pattern on every text.
    """
    is_date, n_digits, at, maybe = _screens(text)
    out = {
        "email": _where(text, at, lambda t: t.str.contains(_EMAIL, regex=True)),
        "phone": _where(text, ~is_date & (n_digits >= _PHONE_DIGITS[0]) & (n_digits <= _PHONE_DIGITS[1]),
                        lambda t: t.str.fullmatch(_PHONE)),
        "date": is_date,
        _NATIONAL_LABELS[0]: _where(text, maybe, _spanish_dni_mask),
    }
    for label, pattern in _NATIONAL_ID_PATTERNS:
        out[label] = _where(text, maybe, lambda t, pattern=pattern: t.str.upper().str.fullmatch(pattern))
    out["national_id"] = np.logical_or.reduce([out[label] for label in _NATIONAL_LABELS])
    return out


def _findings(column: str, index: pd.Index, codes: np.ndarray, n: int, hits_of: dict[str, np.ndarray],
              checks: list[tuple[str, str, str, bool]], min_share: float) -> list[IdentifierFinding]:
    """Findings of one set of rows: ``codes`` says which distinct value each row holds (row order,
    labels ``index``); ``checks`` are (kind, pattern, label, any_value)."""
    found = []
    for kind, pattern, label, any_value in checks:
        rows = hits_of[pattern][codes]
        matched = int(rows.sum())
        share = matched / n
        if share >= min_share or (any_value and matched > 0):
            found.append(IdentifierFinding(
                column=column, kind=kind, basis="values",
                reason=f"{matched:,} of {n:,} values ({share:.2%}) look like {label}",
                share=share, n_sampled=n, first_row=index[int(np.argmax(rows))],
            ))
    return found


def _value_findings(examined: list[_Examined], min_share: float) -> list[list[IdentifierFinding]]:
    """The value findings of every examined column, in the order of ``examined``.

    Every distinct value of every column is turned into text and matched once (a category column
    of a million rows has a handful of labels, and columns share values such as dates): the
    patterns run on the distinct texts of the whole table together, and each column counts its
    rows through codes.
    """
    out: list[list[IdentifierFinding]] = [[] for _ in examined]
    distinct: list[np.ndarray] = []
    coded: list[tuple[int, np.ndarray, slice]] = []  # (position in examined, row codes, its texts)
    offset = 0
    for i, ex in enumerate(examined):
        values = ex.values
        if len(values) == 0:
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            if ex.birth_like and ex.shares:
                # a birth year stored as a date falls on 1 January; other days mean a full date
                sample = values if ex.sample is None else values.iloc[ex.sample]
                not_jan1 = (~((sample.dt.month == 1) & (sample.dt.day == 1))).to_numpy(dtype=bool)
                out[i] = _findings(ex.column, sample.index, np.arange(len(sample)), len(sample),
                                   {"not_jan1": not_jan1},
                                   [("date_of_birth", "not_jan1", "full dates (day and month) in a birth column", False)],
                                   min_share)
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue  # numbers cannot hold e-mails; numeric phone numbers lost their format
        # (factorize, not value_counts: value_counts of object values infers a dtype for its
        # index, deprecated by pandas with a FutureWarning; the distinct values are wanted as they are)
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        distinct.append(np.asarray(uniques, dtype=object))
        coded.append((i, codes, slice(offset, offset + len(uniques))))
        offset += len(uniques)
    if not coded:
        return out
    text = pd.Series(np.concatenate(distinct), dtype=object).astype(str).str.strip()
    text_codes, texts = pd.factorize(text.to_numpy(dtype=object))
    # one more text, matching nothing, for code -1 (none after dropna)
    patterns = {name: np.append(mask, False) for name, mask in _patterns(pd.Series(texts, dtype=object)).items()}
    for i, codes, own in coded:
        ex = examined[i]
        of_value = np.append(text_codes[own], len(texts))  # the text of each distinct value, then -1's
        hits_of = {name: mask[of_value] for name, mask in patterns.items()}
        found: list[IdentifierFinding] = []
        if ex.email:  # an e-mail address is never a category: one value is enough
            found += _findings(ex.column, ex.values.index, codes, len(codes), hits_of,
                               [("email", "email", "e-mail addresses", True)], min_share)
        if ex.shares:
            sample = codes if ex.sample is None else codes[ex.sample]
            index = ex.values.index if ex.sample is None else ex.values.index[ex.sample]
            labels = [label for label in _NATIONAL_LABELS if hits_of[label][sample].any()]
            checks = [("phone", "phone", "phone numbers", False),
                      ("national_id", "national_id", "national identity numbers (" + ", ".join(labels) + ")", False)]
            if ex.birth_like:
                checks.append(("date_of_birth", "date", "full dates (day and month) in a birth column", False))
            found += _findings(ex.column, index, sample, len(sample), hits_of, checks, min_share)
        out[i] = found
    return out


# --- public API -----------------------------------------------------------------------------------
def find_direct_identifiers(
    frame: pd.DataFrame,
    *,
    sample_size: int | None = None,
    min_share: float = 0.5,
    random_state: int = 0,
) -> list[IdentifierFinding]:
    """List the columns of ``frame`` that look like direct identifiers.

    A column is reported when its name matches a multilingual list of identifier terms (names,
    national ID, passport, address, postcode, phone, e-mail, date of birth), or when at least
    ``min_share`` of its non-missing text values match a phone-number
    or structured national-ID pattern (US SSN, UK NINO, Spanish DNI/NIE with a valid check letter,
    Mexican CURP, Brazilian CPF, Italian codice fiscale, Nordic personal numbers, Aadhaar), or when
    a column whose name speaks of birth holds full dates.

    Parameters
    ----------
    frame : pandas.DataFrame
        A source table, after the mapping's renames (contract names for contract columns).
    sample_size : int, optional
        Examine only a seeded sample of this many non-missing values per column. Default: every
        value for e-mail addresses (the guard must see one held by two people among a million
        rows; each distinct value is checked once) and a seeded sample of 10,000 rows for the
        patterns that need ``min_share`` of the values.
    min_share : float, default 0.5
        Share of sampled values that must match a value pattern.
    random_state : int, default 0
        Seed of the row sample, so that the same input always gives the same findings.

    Returns
    -------
    list of IdentifierFinding
        In column order; a column gives at most one finding by name and one per value pattern.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"person_id": ["P1", "P2"], "apellidos": ["Ruiz", "Gil"],
    ...                       "contact": ["ana@example.org", "luis@example.org"]})
    >>> [(f.column, f.kind, f.basis) for f in find_direct_identifiers(frame)]
    [('apellidos', 'name', 'name'), ('contact', 'email', 'values')]

    Notes
    -----
    Detection is a safeguard, not a proof of anonymity: free text can still hold names. The
    contract's key columns (``person_id``, ``case_id``, ``spell_id``, ``episode_id``) are not
    value-checked, because raw keys are what ``pseudonymise`` replaces.
    """
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")
    by_column: list[list[IdentifierFinding]] = []
    examined: list[_Examined] = []
    where: list[int] = []  # position in by_column of each examined column
    drawn: dict[int, np.ndarray] = {}
    for position, column in enumerate(frame.columns):  # by position: names may repeat
        by_name = classify_column_name(column)
        if by_name is not None:
            kind, term = by_name
            by_column.append([
                IdentifierFinding(
                    column=str(column),
                    kind=kind,
                    basis="name",
                    reason=f"its name matches the term {term!r}",
                )
            ])
            continue
        if column in IDENTIFIER_COLUMNS:
            continue
        birth_like = _is_birth_column(column)
        values = frame.iloc[:, position].dropna()
        if sample_size is not None:
            sample = _sample_positions(values, sample_size, random_state)
            examined.append(_Examined(str(column), values if sample is None else values.iloc[sample], None, birth_like))
        else:
            # the share patterns (phone, national id, dates of birth) need min_share of the
            # values: a seeded sample of rows measures a share; an e-mail address needs one
            # value, so that check reads every value (each distinct value once)
            examined.append(_Examined(str(column), values,
                                      _sample_positions(values, SHARE_SAMPLE, random_state, drawn), birth_like))
        where.append(len(by_column))
        by_column.append([])
    for at, found in zip(where, _value_findings(examined, min_share)):
        by_column[at] = sorted(found, key=lambda f: _KIND_ORDER.index(f.kind))
    findings = [finding for found in by_column for finding in found]
    return findings


def guard_direct_identifiers(
    frame: pd.DataFrame,
    *,
    table: str,
    source: str,
    dropped: Iterable[str] = (),
) -> None:
    """Refuse a table that holds direct identifiers, unless the mapping drops them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read, after the mapping's renames.
    table : str
        Contract table name, for the message and the suggested mapping section.
    source : str
        File name or URL the table was read from, for the message.
    dropped : iterable of str
        Columns that the mapping drops explicitly (``[tables.X] drop = [...]``); they are not
        checked, since they never reach the analysis.

    Raises
    ------
    PrivacyError
        Naming the source, table and every offending column with its evidence, and the mapping
        lines that drop them. The exception's ``findings`` attribute holds the
        :class:`IdentifierFinding` list. No value of the data appears in the message.
    """
    dropped = list(dropped)
    kept = frame.loc[:, ~frame.columns.isin(dropped)] if dropped else frame
    findings = find_direct_identifiers(kept)
    if not findings:
        return
    columns = list(dict.fromkeys(f.column for f in findings))
    lines = [
        f"{source}: table {table!r} has {len(columns)} column(s) that look like direct "
        "identifiers; they must not enter the toolkit:"
    ]
    lines += [f"  - {finding.describe()}" for finding in findings]
    drop_list = ", ".join(f'"{col}"' for col in columns)
    lines += [
        "Drop them in the mapping file:",
        f"  [tables.{table}]",
        f"  drop = [{drop_list}]",
        "(or remove them from the extract). A full date of birth is replaced by `birth_year`; "
        "a column that is the person or case key is mapped to `person_id`/`case_id` and then "
        "replaced with `altmeasures-eval pseudonymise`.",
    ]
    error = PrivacyError("\n".join(lines))
    error.findings = tuple(findings)  # type: ignore[attr-defined]
    raise error
