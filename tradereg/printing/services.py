import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def back_text(version: str = "2016") -> dict:
    """The wording of the back (背面): content kept as versioned data, not in templates."""
    return json.loads((DATA_DIR / f"back_{version}.json").read_text(encoding="utf-8"))
