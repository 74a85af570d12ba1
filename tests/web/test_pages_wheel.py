"""The wheel carries the page templates and static assets, so an installed server has its pages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "server" / "subdip" / "web"


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(WEB.parents[2]),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("subdip-*.whl")
    with zipfile.ZipFile(built) as wheel:
        return set(wheel.namelist())


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_wheel_carries_the_pages_files(wheel_names, folder):
    files = [p for p in (WEB / folder).rglob("*") if p.is_file()]
    assert files, f"server/subdip/web/{folder} is empty"
    for path in files:
        inside = f"subdip/web/{path.relative_to(WEB).as_posix()}"
        assert inside in wheel_names, f"{inside} is missing from the wheel"


def test_wheel_carries_the_example_queries(wheel_names):
    examples = sorted((WEB.parents[2] / "queries" / "examples").glob("*.rq"))
    assert examples
    for path in examples:
        assert f"subdip/_resources/queries/examples/{path.name}" in wheel_names
