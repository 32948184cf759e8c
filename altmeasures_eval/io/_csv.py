"""Read ministry CSV exports: encoding and delimiter declared or detected, BOMs, empty = missing."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from altmeasures_eval._errors import DataContractError

#: Delimiters tried when none is declared, most common first.
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file was read; ``*_detected`` say whether the value was guessed.

    ``confidence`` is how sure the encoding is (1.0: declared, a BOM, or valid UTF-8; else
    charset-normalizer's ``1 - chaos`` of its best guess); ``note`` warns when the guess was
    ambiguous (the bytes read as different text in another single-byte code page).
    """

    encoding: str
    delimiter: str
    encoding_detected: bool
    delimiter_detected: bool
    confidence: float = 1.0
    note: str | None = None


#: Single-byte code pages compared when a file is not UTF-8: a guess among them is ambiguous when
#: two of them read the same bytes as different text.
SINGLE_BYTE = ("cp1252", "latin-1", "iso8859-15", "cp1250", "iso8859-2", "cp1251", "cp1257", "cp1254")


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding of a file as detected: name, confidence (0-1) and a warning when ambiguous."""

    encoding: str
    confidence: float
    note: str | None = None


def guess_encoding(path: Path) -> EncodingGuess:
    """The encoding of a text file with how sure the guess is.

    Its BOM, else UTF-8 when the first MiB decodes, else the best guess of charset-normalizer on
    that MiB, named cp1252 when cp1252 reads the sample the same way. When other single-byte code
    pages read the sample as different text (Latin-1 ``AÑO`` is ``AŃO`` in cp1250), the guess is
    ambiguous: ``note`` says so, with an example, and asks the user to declare the encoding.
    """
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return EncodingGuess(name, 1.0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return EncodingGuess("utf-8", 1.0)
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        name, confidence = "cp1252", 0.0
    else:
        name, confidence = best.encoding, round(max(0.0, 1.0 - float(best.chaos)), 3)
        # Single-byte code pages often decode a sample identically (é, î, ç sit at the same bytes in
        # cp1250 and cp1252): then name cp1252, the commonest Windows export encoding.
        try:
            if sample.decode("cp1252") == str(best):
                name = "cp1252"
        except UnicodeDecodeError:
            pass
    return EncodingGuess(name, confidence, _ambiguity(path, sample, name))


def _ambiguity(path: Path, sample: bytes, chosen: str) -> str | None:
    """A warning when another single-byte code page reads ``sample`` as different text."""
    try:
        mine = sample.decode(chosen)
    except (UnicodeDecodeError, LookupError):
        return None
    others = {}
    for enc in SINGLE_BYTE:
        if codecs.lookup(enc).name == codecs.lookup(chosen).name:
            continue
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if text != mine:
            others[enc] = text
    if not others:
        return None
    enc, text = next(iter(others.items()))
    # the first word that reads differently, as an example
    example = ""
    for a, b in zip(mine.split(), text.split()):
        if a != b:
            example = f" (e.g. {a[:30]!r} as {chosen}, {b[:30]!r} as {enc})"
            break
    return (f"{path.name}: the encoding was guessed as {chosen}, but the file also reads as "
            f"{', '.join(others)} with different characters{example}. Declare the file's encoding "
            "(encoding = \"...\" under [csv] in the mapping, or --encoding) so that names and codes "
            "are read as written.")


def detect_encoding(path: Path) -> str:
    """The encoding of a text file (see :func:`guess_encoding`, which also says how sure it is).

    A guess on a sample can be wrong: production extracts should declare their encoding (mapping
    ``[csv] encoding``); the quality report says which encoding was detected.
    """
    return guess_encoding(path).encoding


def detect_delimiter(header: str, more: list[str]) -> str:
    """The delimiter of a CSV file from its header and next lines.

    ``csv.Sniffer`` restricted to :data:`CANDIDATE_DELIMITERS`; when it cannot decide, the
    candidate found most often in the header (a contract header has several columns).
    """
    try:
        return csv.Sniffer().sniff("\n".join([header, *more]), delimiters="".join(CANDIDATE_DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in CANDIDATE_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _first_lines(path: Path, encoding: str, n: int = 20) -> list[str]:
    lines = []
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        for line in fh:
            lines.append(line.rstrip("\r\n"))
            if len(lines) >= n:
                break
    return lines


def _line_numbers(path: Path, frame: pd.DataFrame) -> pd.Index:
    """The line on which each record starts (header = 1), counting line breaks inside quoted
    fields. Without a quote character in the file no field can span lines, and the records are
    simply lines 2, 3, ..."""
    with open(path, "rb") as fh:
        quoted = any(b'"' in block for block in iter(lambda: fh.read(1 << 24), b""))
    extra = np.zeros(len(frame), dtype=np.int64)
    if quoted:
        for col in frame.columns:
            values = pa.array(frame[col].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            if pc.any(pc.match_substring(values, "\n")).as_py():
                extra += pc.count_substring(values, "\n").fill_null(0).to_numpy(zero_copy_only=False)
    # Record i starts after the header, the i records before it and their inner line breaks.
    return pd.Index(2 + np.arange(len(frame), dtype=np.int64) + np.concatenate([[0], np.cumsum(extra)[:-1]]))


def read_csv_table(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> tuple[pd.DataFrame, CsvFormat, int]:
    """Read one CSV file as text.

    Returns the frame (every cell a ``str`` or missing; empty strings are missing), indexed by
    source row = the line number in the file on which the record starts (header = line 1, so data
    start at 2; line breaks inside quoted fields are counted), how it was read, and the number of
    blank lines skipped.

    Raises
    ------
    DataContractError
        When the file cannot be decoded with the declared or detected encoding.
    """
    if encoding is None:
        guess = guess_encoding(path)
        enc, confidence, note = guess.encoding, guess.confidence, guess.note
    else:
        enc, confidence, note = encoding, 1.0, None
    lines = _first_lines(path, enc)
    if delimiter is None:
        delim = detect_delimiter(lines[0], lines[1:]) if lines else ","
    else:
        delim = "\t" if delimiter in ("\\t", "tab") else delimiter
    try:
        frame = pd.read_csv(
            path,
            sep=delim,
            encoding=enc,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
        )
    except UnicodeDecodeError as exc:
        how = "declared" if encoding else "detected"
        raise DataContractError(
            f"{path.name}: cannot decode the file as {enc} ({how}): {exc.reason} at byte "
            f"{exc.start}. Declare the file's encoding (e.g. encoding = \"cp1252\" under [csv] in "
            "the mapping, or --encoding)."
        ) from exc
    except pd.errors.EmptyDataError:
        raise DataContractError(
            f"{path.name}: the file is empty (no header line); export the table again with its header "
            "row, or remove the file if the table is optional") from None
    except LookupError:
        raise DataContractError(
            f"{path.name}: unknown encoding {enc!r}; declare one Python knows, e.g. utf-8, cp1252, "
            "latin-1 (encoding = \"...\" under [csv] in the mapping, or --encoding)") from None
    except pd.errors.ParserError as exc:
        raise DataContractError(
            f"{path.name}: not a readable CSV file with delimiter {delim!r}: {exc}. Declare the "
            "delimiter (delimiter = \";\" under [csv] in the mapping) or fix the quoting."
        ) from exc
    except ValueError as exc:  # e.g. a delimiter pandas cannot use
        raise DataContractError(
            f"{path.name}: cannot read the file with delimiter {delim!r}: {exc}. Declare one character "
            "such as ';', ',' or 'tab' (delimiter = \";\" under [csv] in the mapping, or --delimiter)") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = _line_numbers(path, frame)
    # Rows whose every cell is empty are blank lines: not data, skipped and counted. Judged on the
    # cells' array, the other columns only where the first is empty (a blank line is empty there
    # too): DataFrame.isna().all(axis=1) looked at every cell, with ~0.4 ms of pandas overhead.
    blank = np.zeros(len(frame), bool)
    if frame.shape[1]:
        cells = frame.to_numpy(dtype=object)
        blank = pd.isna(cells[:, 0])
        if blank.any():
            blank[blank] = pd.isna(cells[blank]).all(axis=1)
    n_blank = int(blank.sum())
    if n_blank:
        frame = frame.loc[~blank]
    fmt = CsvFormat(enc, delim, encoding is None, delimiter is None, confidence, note)
    return frame, fmt, n_blank
