"""Code shared by the first cell of every notebook."""

from __future__ import annotations

ROOT_FINDER = r'''
def find_repository() -> Path:
    """The repository root: $ALTMEASURES_REPO, else the first folder upwards holding data/sample."""
    if os.environ.get("ALTMEASURES_REPO"):
        return Path(os.environ["ALTMEASURES_REPO"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "data" / "sample").is_dir():
            return folder
    raise FileNotFoundError("start Jupyter inside the repository, or set ALTMEASURES_REPO")


ROOT = find_repository()
SAMPLE = ROOT / "data" / "sample"
'''


def setup_cell(stdlib: tuple[str, ...] = (), third_party: tuple[str, ...] = (), tail: str = "") -> str:
    """The first code cell: imports (standard library, then third party), display options, paths."""
    std = sorted({"import os", *stdlib}, key=lambda s: (s.startswith("from"), s)) + ["from pathlib import Path"]
    third = sorted({"import pandas as pd", *third_party}, key=lambda s: (s.startswith("from"), s))
    third.append("from IPython.display import display")
    lines = ["%matplotlib inline", *std, "", *third, "",
             'pd.set_option("display.max_columns", 40)', 'pd.set_option("display.width", 160)']
    return "\n".join(lines) + "\n\n" + ROOT_FINDER + tail
