"""Tick labels in the active language's number formats (:mod:`altmeasures_eval._i18n`)."""

from __future__ import annotations

from typing import Any

from altmeasures_eval._i18n import fmt_int, fmt_num, fmt_pct

__all__ = ["locale_ticks"]


def _formatter(kind: str, decimals: int) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: Any = None) -> str:
        if kind == "pct":
            return fmt_pct(x, decimals)
        if kind == "num" and decimals:
            return fmt_num(x, decimals)
        text = fmt_int(round(x))
        return text.replace("-", "\u2212")  # a true minus sign, as in the tables

    return FuncFormatter(fmt)


def locale_ticks(ax: Any, x: str | None = None, y: str | None = None, decimals: int = 0) -> Any:
    """Format the tick labels of ``ax`` in the active locale.

    Parameters
    ----------
    ax : matplotlib Axes
    x, y : {"int", "num", "pct"} or None
        ``int``: whole numbers with the locale's grouping (1,000 / 1 000 / 1.000); ``num``: with
        ``decimals`` decimals; ``pct``: a proportion as a percentage (0.2 -> 20%, 20 %). None leaves
        the axis as it is.
    decimals : int
    """
    if x is not None:
        ax.xaxis.set_major_formatter(_formatter(x, decimals))
    if y is not None:
        ax.yaxis.set_major_formatter(_formatter(y, decimals))
    return ax
