"""Sphinx configuration of the API reference, generated from the package's numpydoc docstrings.

Build:  .venv/bin/python -m sphinx -b html -n -W --keep-going docs/api /tmp/altmeasures-api
(tests/test_docs_build.py runs the same build, nitpicky with warnings as errors, on every test run.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import altmeasures_eval

# One page per public subpackage, from its current __all__ (a new public name needs no docs edit).
if (Path(__file__).resolve().parent / "_generate.py").exists():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _generate

    _generate.write_pages(Path(__file__).resolve().parent)

project = "altmeasures_eval"
author = "altmeasures_eval developers"
release = version = altmeasures_eval.__version__
copyright = "altmeasures_eval developers, MIT licence"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]

root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []

# Public names only: each subpackage's __all__, as the package itself defines its surface.
# The pages list every public name explicitly (docs/api/_generate.py); classes show their
# documented methods and properties, numpydoc renders their Attributes sections.
# The pandera models' inner ``Config`` is pandera's own class, shared by every model: left out.
autodoc_default_options = {"exclude-members": "Config"}
autodoc_member_order = "groupwise"
autodoc_typehints = "signature"  # types are in the numpydoc Parameters sections
autodoc_class_signature = "mixed"
autosummary_generate = False

numpydoc_show_class_members = False  # autodoc already lists the members once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Nitpicky mode: every cross-reference must resolve, so a broken reference inside the package fails
# the build. The docs are built offline (no intersphinx inventories), so references to other
# projects' objects cannot resolve here; they are the only ones ignored.
nitpicky = True
_EXTERNAL = ["pd", "pandas", "np", "numpy", "scipy", "sklearn", "statsmodels", "lifelines", "matplotlib",
             "Axes", "pandera", "pa", "sqlalchemy", "numpy.typing", "npt", "collections", "typing", "os",
             "pathlib", "datetime", "Path", "ArrayLike", "NDArray", "Any", "Literal", "Callable",
             "Sequence", "Mapping", "Iterable", "Iterator", "Hashable", "Generator", "Final", "hmac",
             "hashlib", "tomllib", "dataclasses", "enum"]
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_EXTERNAL)})(\..*)?"),
    # Private top-level helpers (altmeasures_eval._parallel) are not part of the public reference;
    # a public docstring may still name them. Private modules *inside* a public subpackage resolve
    # through autodoc's canonical names, so they stay checked.
    (r"py:.*", r"altmeasures_eval\._[a-z]\w*\..*"),
    (r"py:class", r"(int|float|str|bool|bytes|object|dict|list|tuple|set|type|None|slice|complex)"),
]


def _dataclass_defaults(app, what, name, obj, options, signature, return_annotation):
    """Dataclass fields with a default factory show ``<factory>``, which is not Python: use ``...``."""
    if signature and "<factory>" in signature:
        return signature.replace("<factory>", "..."), return_annotation
    return None


def setup(app):
    app.connect("autodoc-process-signature", _dataclass_defaults)
