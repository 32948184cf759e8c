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
    """How a CSV file was read; ``*_detected`` say whether the value was guessed."""

    encoding: str
    delimiter: str
    encoding_detected: bool
    delimiter_detected: bool


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: its BOM, else UTF-8 when the first MiB decodes, else the best
    guess of charset-normalizer on that MiB, named cp1252 when cp1252 reads the sample the same way.

    A guess on a sample can be wrong: production extracts should declare their encoding (mapping
    ``[csv] encoding``); the quality report says which encoding was detected.
    """
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return "cp1252"
    # Single-byte code pages often decode a sample identically (é, î, ç sit at the same bytes in
    # cp1250 and cp1252): then name cp1252, the commonest Windows export encoding.
    try:
        if sample.decode("cp1252") == str(best):
            return "cp1252"
    except UnicodeDecodeError:
        pass
    return best.encoding


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
    enc = encoding or detect_encoding(path)
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
    except pd.errors.ParserError as exc:
        raise DataContractError(
            f"{path.name}: not a readable CSV file with delimiter {delim!r}: {exc}. Declare the "
            "delimiter (delimiter = \";\" under [csv] in the mapping) or fix the quoting."
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = _line_numbers(path, frame)
    # Rows whose every cell is empty are blank lines: not data, skipped and counted.
    blank = frame.isna().all(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), bool)
    n_blank = int(blank.sum())
    if n_blank:
        frame = frame.loc[~blank]
    fmt = CsvFormat(enc, delim, encoding is None, delimiter is None)
    return frame, fmt, n_blank
