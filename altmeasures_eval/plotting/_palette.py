"""The one palette of every figure: a colour per group, colour-blind safe (Okabe and Ito 2008).

Every plot takes its colours here, so that the alternative group is the same blue and the custody
group the same vermillion in every figure of every report. The eight colours of Okabe and Ito's
palette stay distinct under the three common colour-vision deficiencies (protanopia, deuteranopia,
tritanopia); blue and vermillion differ in lightness as well as hue, so the two groups also stay
apart in greyscale print. Reference: Okabe, M. and Ito, K. (2008), "Color Universal Design (CUD):
how to make figures and presentations that are friendly to colorblind people",
https://jfly.uni-koeln.de/color/.
"""

from __future__ import annotations

from typing import Any

__all__ = ["COST", "GROUP_COLOURS", "NEUTRAL", "OKABE_ITO", "SAVING", "SEQUENCE", "TEXT", "colour_of", "figure_style"]

#: The Okabe-Ito palette by name (hex sRGB).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: One colour per group, in every figure (keys: group names and the treatment codes 1 and 0).
GROUP_COLOURS: dict[Any, str] = {
    "alternative": OKABE_ITO["blue"],
    "custody": OKABE_ITO["vermillion"],
    1: OKABE_ITO["blue"],
    0: OKABE_ITO["vermillion"],
}

#: Colours for things that are not the two groups, in the order they are used: saving / benefit,
#: extra cost / loss, a reference or baseline, then further series (scenarios, inputs).
SAVING = OKABE_ITO["bluish_green"]
COST = OKABE_ITO["reddish_purple"]
NEUTRAL = "#595959"  # grey with contrast 7:1 on white, for reference lines, totals and "before"
SEQUENCE: tuple[str, ...] = (OKABE_ITO["black"], OKABE_ITO["sky_blue"], OKABE_ITO["bluish_green"],
                             OKABE_ITO["orange"], OKABE_ITO["reddish_purple"], OKABE_ITO["yellow"])
#: Colour of text and axes (black on white: contrast 21:1).
TEXT = "#000000"


def colour_of(group: Any) -> str:
    """The colour of a group (``"alternative"``, ``"custody"``, 1 or 0); a KeyError names the choices."""
    try:
        return GROUP_COLOURS[group]
    except (KeyError, TypeError):
        raise KeyError(f"no colour for group {group!r}; groups are {sorted(map(str, GROUP_COLOURS))}") from None


def figure_style() -> dict[str, Any]:
    """Matplotlib settings shared by every rendered figure (colour cycle from the palette, black text)."""
    from cycler import cycler

    return {"font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "altmeasures",
            "axes.spines.top": False, "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=[GROUP_COLOURS["alternative"], GROUP_COLOURS["custody"], *SEQUENCE[1:]]),
            "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT,
            "axes.edgecolor": TEXT}
