"""Write the teaching notebooks from the cell sources below (outputs stripped).

The notebooks are generated so that their text is reviewed as code and git never stores outputs.
Regenerate after editing this file::

    .venv/bin/python notebooks/_build.py

``tests/test_notebooks.py`` executes every notebook end to end on the sample data and checks that
the committed files are exactly what this script writes, without outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cells import NOTEBOOKS  # noqa: E402  (the cell sources, kept apart from the writer)

KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


#: Tag of the cell that holds a notebook's parameters (papermill's convention): a runner such as
#: ``papermill -p NAME VALUE`` or tests/test_notebooks.py inserts a cell of new values right after it.
PARAMETERS_TAG = "parameters"


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """One notebook from ``(kind, source)`` pairs, kind ``"md"``, ``"code"`` or ``"params"`` (a code
    cell tagged :data:`PARAMETERS_TAG`)."""
    nb = new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    for i, (kind, source) in enumerate(cells):
        source = source.strip("\n")
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        if kind == "params":
            cell.metadata["tags"] = [PARAMETERS_TAG]
        cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids: a rebuild without edits is a no-op in git
        nb.cells.append(cell)
    return nb


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        nb = build(name, cells)
        nbformat.validate(nb)
        path = HERE / f"{name}.ipynb"
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
