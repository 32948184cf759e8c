"""Code shared by the first cell of every notebook."""

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
