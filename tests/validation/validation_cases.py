"""Where the SHACL test cases live, and their manifest."""

from __future__ import annotations

import json
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "cases"


def load_manifest() -> dict:
    return json.loads((CASES / "manifest.json").read_text(encoding="utf-8"))
