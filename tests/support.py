"""Where the tests find the repository's folders (the library itself never knows the repo layout)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_SAMPLES = REPO_ROOT / "data-samples"
DEFAULT_INPUT = DATA_SAMPLES / "memory.edn"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
