"""Fixtures shared by every test area. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def subdip_exe() -> str:
    """The installed console script, so tests exercise the entry point users run."""
    exe = Path(sys.executable).with_name("subdip")
    if exe.exists():
        return str(exe)
    found = shutil.which("subdip")
    if found is None:
        pytest.fail("the 'subdip' console script is not installed: run 'pip install -e .[test]'")
    return found
