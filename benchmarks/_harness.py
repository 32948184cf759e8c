"""Timing and peak-memory measurement shared by every benchmark module.

A benchmark module is ``benchmarks/bench_<name>.py`` defining ``run(sizes: list[int]) -> list[dict]``,
where each dict is one measurement: ``{"stage": ..., "n": ..., "seconds": ..., "peak_rss_mb": ...,
**extra}``. Use :func:`measure` to produce them.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM, so each stage reports its own peak.
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def measure(stage: str, n: int, records: list[dict[str, Any]], **extra: Any) -> Iterator[dict]:
    """Time the block and record its wall time and peak RSS into ``records``.

    The yielded dict can be filled with extra fields inside the block.
    """
    rec: dict[str, Any] = {"stage": stage, "n": n, **extra}
    _reset_peak_rss()
    start = time.perf_counter()
    try:
        yield rec
    finally:
        rec["seconds"] = round(time.perf_counter() - start, 4)
        rec["peak_rss_mb"] = round(_peak_rss_mb(), 1)
        records.append(rec)


def time_call(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time over ``repeat`` calls, and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }


def replace_doc_section(doc: Path, heading: str, section: str) -> None:
    """Put ``section`` (starting with ``heading``) into the Markdown file ``doc``: in place of the
    section with that heading up to the next ``## `` heading, or at the end; the rest is kept."""
    old = doc.read_text() if doc.exists() else ""
    k = old.find(heading)
    if k >= 0:
        nxt = old.find("\n## ", k + len(heading))
        new = old[:k] + section + (old[nxt + 1:] if nxt >= 0 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    doc.write_text(new)
