"""What this Python process has already read and computed, for the next command run in it.

From a shell each ``altmeasures-eval`` command is a process of its own and nothing here is ever
reused. A script, notebook or test that calls :func:`altmeasures_eval.cli.main` several times on
the same data (``report``, then ``unodc-export``, ``project``, ``costs``, ``validate`` ...) would
read the same files and compute the same stages again; the commands ask this module first:

- :func:`ingest_source` and :func:`read_source`: the last ingestion of a data folder, returned
  again (a copy of its tables) when the same folder is read with the same mapping file, mode and
  CSV options, the folder holds the same files and every file read still has the same content
  (SHA-256, as recorded by the ingestion);
- :func:`remember` and :func:`recall`: the last evaluation computed by ``report`` or
  ``unodc-export``, returned for an ingestion of the same files with the same settings
  (``repr`` of the :class:`~altmeasures_eval.evaluation.EvaluationSpec`), so that
  ``unodc-export``, ``project`` and ``costs`` take its cohort, design, prison and cost stages
  instead of computing them again.

Reading and evaluating are deterministic functions of these inputs, so every output is the same
either way. One entry each: the data of a session are not all kept alive. Sources other than a
local folder (a workbook, SQLite file or database URL) and mappings given as objects are always
read again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

#: The last ingestion of a folder: ``(options, files in the folder, Ingestion)``.
_LAST_READ: list[tuple[tuple[Any, ...], tuple[str, ...], Any]] = []
#: The last evaluation: ``(key of its ingestion, repr of its settings, Evaluation)``.
_LAST_EVALUATION: list[tuple[tuple[Any, ...], str, Any]] = []


def _options(source: Any, mapping: Any, mode: str, encoding: str | None, delimiter: str | None
             ) -> tuple[Any, ...] | None:
    """What a read depends on besides the files' content, or None when it is not kept."""
    if not isinstance(source, str | Path) or not Path(source).is_dir():  # is_dir: False, never raises
        return None
    if mapping is not None and not (isinstance(mapping, str | Path) and Path(mapping).is_file()):
        return None
    return (str(Path(source).resolve()), None if mapping is None else str(Path(mapping).resolve()),
            mode, encoding, delimiter)


def _listing(folder: str) -> tuple[str, ...] | None:
    """The files directly in ``folder`` (a table file added or removed changes what is read);
    None when it cannot be listed."""
    try:
        return tuple(sorted(p.name for p in Path(folder).iterdir() if p.is_file()))
    except OSError:
        return None


def _unchanged(options: tuple[Any, ...], ingestion: Any) -> bool:
    """Whether every file ``ingestion`` read still has the content it read (SHA-256)."""
    from altmeasures_eval._output import file_sha256

    folder, mapping = Path(options[0]), options[1]
    for name, digest in ingestion.input_files.items():
        if name.startswith("mapping: "):
            path = Path(mapping) if mapping is not None else None
        else:
            path = Path(name) if Path(name).is_absolute() else folder / name
        if path is None or not path.is_file() or file_sha256(path) != digest:
            return False
    return True


def _copy(ingestion: Any) -> Any:
    """The ingestion with copies of its tables: a caller that changes a table in place cannot
    change what the next command reads."""
    ds = ingestion.dataset
    tables = {f.name: getattr(ds, f.name).copy() for f in dataclasses.fields(ds)
              if isinstance(getattr(ds, f.name), pd.DataFrame)}
    return dataclasses.replace(ingestion, dataset=dataclasses.replace(ds, **tables),
                               problems=ingestion.problems.copy(), sources=dict(ingestion.sources),
                               input_files=dict(ingestion.input_files))


def _kept(options: tuple[Any, ...] | None) -> Any:
    """The kept ingestion for these options when its files are unchanged, else None."""
    if options is None or not _LAST_READ:
        return None
    kept_options, listing, ingestion = _LAST_READ[0]
    if kept_options != options or listing is None or listing != _listing(options[0]) \
            or not _unchanged(options, ingestion):
        return None
    return ingestion


def ingest_source(source: str | Path, mapping: str | Path | None = None, mode: str = "strict", *,
                  encoding: str | None = None, delimiter: str | None = None) -> Any:
    """:func:`altmeasures_eval.io.ingest`, or the last ingestion of the same unchanged folder
    with the same options (its tables copied).

    Parameters
    ----------
    source, mapping, mode, encoding, delimiter
        As for :func:`altmeasures_eval.io.ingest`.

    Returns
    -------
    Ingestion
    """
    from altmeasures_eval.io import ingest

    options = _options(source, mapping, mode, encoding, delimiter)
    kept = _kept(options)
    if kept is not None:
        return _copy(kept)
    listing = _listing(options[0]) if options is not None else ()
    result = ingest(source, mapping, mode, encoding=encoding, delimiter=delimiter)  # type: ignore[arg-type]
    _LAST_READ.clear()
    if options is not None and listing is not None:
        _LAST_READ.append((options, listing, result))  # kept as read: every later caller gets a copy
    return result


def read_source(source: str | Path, mapping: str | Path | None = None, mode: str = "strict", *,
                encoding: str | None = None, delimiter: str | None = None) -> Any:
    """:func:`altmeasures_eval.io.read_dataset`, or the data set of the last ingestion of the same
    unchanged folder with the same options when that one can be returned (valid, or quarantine
    mode). An invalid data set in strict mode is read by ``read_dataset``, which raises with
    every problem.

    Parameters
    ----------
    source, mapping, mode, encoding, delimiter
        As for :func:`altmeasures_eval.io.read_dataset`.

    Returns
    -------
    Dataset
    """
    from altmeasures_eval.io import read_dataset

    kept = _kept(_options(source, mapping, mode, encoding, delimiter))
    if kept is not None and (kept.valid or mode == "quarantine"):
        return _copy(kept).dataset
    return read_dataset(source, mapping, mode, encoding=encoding, delimiter=delimiter)  # type: ignore[arg-type]


def _read_key(source: Any, mapping: Any, mode: str) -> tuple[Any, ...] | None:
    """The key of the kept ingestion of ``source`` (its options and files read), when it is kept
    and unchanged (CSV options detected, as the commands that evaluate read)."""
    options = _options(source, mapping, mode, None, None)
    kept = _kept(options)
    if kept is None:
        return None
    return (options, tuple(sorted(kept.input_files.items())))


def remember(source: str | Path, mapping: str | Path | None, mode: str, spec: Any, evaluation: Any) -> None:
    """Keep ``evaluation``, computed from the data of ``source`` as last read by
    :func:`ingest_source`, with the settings ``spec``, for :func:`recall`."""
    key = _read_key(source, mapping, mode)
    _LAST_EVALUATION.clear()
    if key is not None:
        _LAST_EVALUATION.append((key, repr(spec), evaluation))


def recall(source: str | Path, mapping: str | Path | None, mode: str, spec: Any) -> Any:
    """The evaluation kept by :func:`remember` for the same unchanged files, options and settings,
    else None. Do not modify it."""
    key = _read_key(source, mapping, mode)
    if key is None or not _LAST_EVALUATION:
        return None
    kept_key, kept_spec, evaluation = _LAST_EVALUATION[0]
    return evaluation if kept_key == key and kept_spec == repr(spec) else None
