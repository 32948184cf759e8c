"""Write one reST page per public subpackage, listing exactly the names in its ``__all__``.

``conf.py`` calls :func:`write_pages` at the start of every build, so the reference always follows
the package's current public surface (the committed pages are a snapshot for reading on the web);
by hand: ``.venv/bin/python docs/api/_generate.py``. Listing the names explicitly, instead of
relying on autodoc's member discovery, documents constants re-exported from private modules too, so
that a docstring's ``:data:`MIN_KEY_BYTES``` reference resolves.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# In the order of the data flow (see the package docstring).
SUBPACKAGES = ["schema", "io", "privacy", "synth", "cohort", "survival", "matching", "imputation", "design", "effects",
               "population", "costs", "evaluation", "reform", "report", "pooling", "plotting"]
KINDS = [("Classes", "autoclass"), ("Functions", "autofunction"), ("Constants", "autodata")]
LONG_VALUE = 120  # characters; longer constant values are described, not printed


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def page(module_name: str) -> str:
    """The reST page of one module: its docstring, then its public names grouped by kind."""
    module = importlib.import_module(module_name)
    names = [n for n in getattr(module, "__all__", []) if not inspect.ismodule(getattr(module, n))]
    lines = [module_name, "=" * len(module_name), "", f".. automodule:: {module_name}", "   :no-members:", ""]
    for title, directive in KINDS:
        members = sorted((n for n in names if _kind(getattr(module, n)) == directive), key=str.lower)
        if not members:
            continue
        lines += [title, "-" * len(title), ""]
        for name in members:
            lines.append(f".. {directive}:: {module_name}.{name}")
            if directive == "autoclass":
                lines.append("   :members:")
            elif directive == "autodata" and len(repr(getattr(module, name))) > LONG_VALUE:
                lines.append("   :no-value:")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def pages() -> dict[str, str]:
    """File name -> content for every generated page."""
    out = {"package.rst": page("altmeasures_eval"), "config.rst": page("altmeasures_eval.config")}
    out.update({f"{name}.rst": page(f"altmeasures_eval.{name}") for name in SUBPACKAGES})
    return out


def write_pages(folder: Path = HERE) -> list[str]:
    """Write the pages into ``folder``; files whose content is unchanged are left untouched."""
    changed = []
    for name, text in pages().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


def main() -> int:
    for name in write_pages():
        print(f"wrote docs/api/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
