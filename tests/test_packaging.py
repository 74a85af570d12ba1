"""The wheel carries everything an installed server needs: the ontology, shapes, data and
queries (kept at the repository's top level) and the web pages' templates and assets."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WEB = Path("server") / "subdip" / "web"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(repo_root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("subdip-*.whl")
    return zipfile.ZipFile(built)


@pytest.mark.parametrize("folder", ["ontology", "shapes", "data", "queries"])
def test_wheel_carries_every_shipped_resource(
    wheel: zipfile.ZipFile, repo_root: Path, folder: str
) -> None:
    names = set(wheel.namelist())
    shipped = [p for p in (repo_root / folder).rglob("*") if p.is_file()]
    assert shipped, f"{folder}/ is empty in the repository"
    for path in shipped:
        inside = f"subdip/_resources/{path.relative_to(repo_root).as_posix()}"
        assert inside in names, f"{inside} is missing from the wheel"


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_wheel_carries_the_pages_files(
    wheel: zipfile.ZipFile, repo_root: Path, folder: str
) -> None:
    names = set(wheel.namelist())
    files = [p for p in (repo_root / WEB / folder).rglob("*") if p.is_file()]
    assert files, f"{WEB / folder} is empty"
    for path in files:
        inside = f"subdip/web/{path.relative_to(repo_root / WEB).as_posix()}"
        assert inside in names, f"{inside} is missing from the wheel"


def test_wheel_declares_the_console_script(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "subdip = subdip.cli:main" in text
