"""Atomic, self-describing output folders: every command that writes files writes through here.

A run never writes into its ``--out`` folder directly. :func:`output_dir`

1. checks the location before any work starts (not a file, a writable parent, an existing
   folder only with ``overwrite=True``) and takes a lock beside it (``.NAME.lock``, an advisory
   ``flock`` that the kernel releases when the process dies, even by ``SIGKILL``), so that a
   second run into the same folder is refused at once;
2. hands the command a fresh hidden sibling folder (``.NAME.partial-XXXX``) to write into, with a
   ``manifest.json`` whose status is ``incomplete``;
3. when the command's block ends without an exception, writes ``manifest.json`` (every file with
   its size and SHA-256, the config hash, the package version, the command, the status) and only
   then moves the folder into place, replacing an existing folder whole (never mixing files of two
   runs). On an exception the partial folder is deleted; a run killed outright leaves only the
   hidden partial folder, which the next run into the same place removes.

So a folder named ``--out`` exists only when a run finished, and its ``manifest.json`` says so.

Exit status of these failures: :class:`OutputError` (status 4, see :mod:`altmeasures_eval.cli`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from altmeasures_eval._errors import OutputError

__all__ = [
    "MANIFEST",
    "OutputDir",
    "add_output_arguments",
    "check_output_location",
    "config_hash",
    "file_sha256",
    "output_dir",
    "read_manifest",
    "verify_manifest",
]

#: Name of the manifest written into every output folder.
MANIFEST = "manifest.json"
_PARTIAL = ".partial-"
_OLD = ".old-"


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def config_hash(source: str | Path | Mapping[str, Any] | None) -> str | None:
    """SHA-256 identifying a run's configuration.

    A path: the hash of the file's bytes (what the user wrote). A mapping (the options of a
    command without a config file): the hash of its canonical JSON. ``None``: ``None``.
    """
    if source is None:
        return None
    if isinstance(source, Mapping):
        text = json.dumps({str(k): v for k, v in source.items()}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return file_sha256(source)


def add_output_arguments(parser: Any, *, default: str | Path | None = None, what: str = "the output files") -> None:
    """Register ``--out`` (required unless ``default``) and ``--overwrite`` on a command's parser."""
    where = f" (default: {default})" if default is not None else ""
    parser.add_argument("--out", type=Path, required=default is None, default=None if default is None else Path(default),
                        help=f"new folder for {what}{where}; written complete or not at all, with manifest.json")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing, non-empty --out folder whole (its old files are removed, "
                             "never mixed with the new ones)")


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_location(path: str | Path, *, overwrite: bool = False) -> Path:
    """Check that a run may write its output folder at ``path``; return it as an absolute path.

    Raises
    ------
    OutputError
        ``path`` is a file; it is a non-empty folder and ``overwrite`` is false; the folder that
        would hold it cannot be created or written to.
    """
    out = Path(path).expanduser().absolute()
    if out.name in ("", ".", ".."):
        raise OutputError(f"--out {path}: name a new folder (not '.' or '..'), e.g. --out reports/run1")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {path} is a file; name a folder (it is created), e.g. --out {path}.d")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputError(
            f"--out {path} already exists and is not empty; add --overwrite to replace it whole "
            "(its files are never mixed with a new run's), or name a new folder")
    base = _nearest_existing(out.parent)
    if not base.is_dir():
        raise OutputError(f"--out {path}: {base} is a file, so the folder cannot be created there")
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputError(f"--out {path}: cannot write into {base} (permission denied); choose a "
                          "folder you can write to")
    return out


@dataclass
class OutputDir:
    """The folder a running command writes into.

    Attributes
    ----------
    path : pathlib.Path
        The temporary folder to write into (a hidden sibling of ``target``).
    target : pathlib.Path
        Where the folder is moved when the run finishes.
    extra : dict
        More manifest entries a command may add (JSON-serialisable), e.g. ``{"outcome": "data
        invalid"}`` for ``validate`` of a broken extract. The manifest's ``status`` is
        ``complete`` for every finished run.
    """

    path: Path
    target: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def __truediv__(self, name: str) -> Path:
        return self.path / name


def _manifest(folder: Path, *, command: str | None, config: str | None, status: str,
              extra: Mapping[str, Any], files: bool) -> dict[str, Any]:
    from altmeasures_eval import __version__

    doc: dict[str, Any] = {
        "tool": "altmeasures_eval", "version": __version__, "command": command, "status": status,
        "config_sha256": config,
        "finished_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if files else None,
        **dict(extra),
    }
    if files:
        listed = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
        doc["files"] = [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
                         "sha256": file_sha256(p)} for p in listed]
    return doc


def _write_json(path: Path, doc: Mapping[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _lock(lock_path: Path) -> int:
    """Take the exclusive lock of an output folder; the file descriptor holding it."""
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    f"another altmeasures-eval run is writing {lock_path.name[1:-5]} now (lock "
                    f"{lock_path}); wait for it to finish or choose another --out") from None
            raise
        # the previous holder may have removed the file between our open and flock: retry then
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def _unlock(fd: int, lock_path: Path) -> None:
    try:
        lock_path.unlink()
    except FileNotFoundError:
        pass
    os.close(fd)


def _remove_stale(parent: Path, name: str) -> None:
    """Partial and old folders left by runs that were killed (we hold the lock, so none is live)."""
    for p in parent.glob(f".{name}{_PARTIAL}*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in parent.glob(f".{name}{_OLD}*"):
        shutil.rmtree(p, ignore_errors=True)


@contextmanager
def output_dir(path: str | Path, *, overwrite: bool = False, command: str | None = None,
               config_hash: str | None = None, extra: Mapping[str, Any] | None = None) -> Iterator[OutputDir]:
    """Write a command's output folder atomically (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``--out`` folder.
    overwrite : bool
        Replace an existing non-empty folder whole; without it such a folder is refused (an empty
        folder is used as if new).
    command : str, optional
        The command's name, recorded in the manifest.
    config_hash : str, optional
        :func:`config_hash` of the run's config (or options), recorded in the manifest.
    extra : mapping, optional
        More manifest entries.

    Yields
    ------
    OutputDir
        ``.path`` is the folder to write into; ``.extra`` takes more manifest entries.

    Raises
    ------
    OutputError
        On entry, before any work: see :func:`check_output_location`, or another run holds the
        lock of the folder.

    Examples
    --------
    >>> with output_dir("out", overwrite=True, command="costs") as out:  # doctest: +SKIP
    ...     table.to_csv(out.path / "costs.csv")
    """
    target = check_output_location(path, overwrite=overwrite)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    lock_path = parent / f".{target.name}.lock"
    fd = _lock(lock_path)
    try:
        # checked again under the lock: another run may have finished in between
        check_output_location(target, overwrite=overwrite)
        _remove_stale(parent, target.name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_PARTIAL}", dir=parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output gets the usual mode
        out = OutputDir(path=tmp, target=target, extra=dict(extra or {}))
        _write_json(tmp / MANIFEST, _manifest(tmp, command=command, config=config_hash, status="incomplete",
                                              extra=out.extra, files=False))
        try:
            yield out
            _write_json(tmp / MANIFEST, _manifest(tmp, command=command, config=config_hash, status="complete",
                                                  extra=out.extra, files=True))
            old = None
            if target.exists():  # allowed by the check: empty, or overwrite
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}", dir=parent))
                os.rename(target, old / "previous")
            os.rename(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        _unlock(fd, lock_path)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of an output folder (raises :class:`OutputError` when absent)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise OutputError(f"{folder} has no {MANIFEST}: it is not a finished altmeasures-eval output")
    return json.loads(path.read_text(encoding="utf-8"))


def verify_manifest(folder: str | Path) -> list[str]:
    """Problems of an output folder against its manifest: missing, changed or unlisted files, or a
    status other than ``complete``. Empty list: the folder is as the run left it."""
    folder = Path(folder)
    doc = read_manifest(folder)
    problems = [] if doc.get("status") == "complete" else [f"status is {doc.get('status')!r}"]
    listed = {f["path"]: f for f in doc.get("files", [])}
    for rel, f in listed.items():
        p = folder / rel
        if not p.is_file():
            problems.append(f"{rel}: missing")
        elif file_sha256(p) != f["sha256"]:
            problems.append(f"{rel}: changed since the run")
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and p.name != MANIFEST and rel not in listed:
            problems.append(f"{rel}: not written by the run")
    return problems
