"""Run the OWL API's profile checker (tests/ontology/java/ProfileCheck.java) from the tests.

The OWL API comes from Debian's libowlapi-java (jars in /usr/share/java), the compiler from a JDK;
``scripts/test`` installs both. The class is compiled once per session into a temporary folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
SOURCE = Path(__file__).with_name("java") / "ProfileCheck.java"


def classpath(extra: Path | None = None) -> str:
    jars = sorted(str(p) for p in JAVA_DIR.glob("*.jar"))
    if not any("owlapi-distribution" in j for j in jars):
        raise RuntimeError(
            f"the OWL API is not installed (no owlapi-distribution jar in {JAVA_DIR}): "
            "run 'apt-get install default-jdk-headless libowlapi-java' (scripts/test does)"
        )
    return ":".join(([str(extra)] if extra else []) + jars)


def compile_checker(into: Path) -> Path:
    """Compile ProfileCheck.java into ``into``; a missing JDK is a clear error."""
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("no javac on PATH: run 'apt-get install default-jdk-headless'")
    subprocess.run(
        [javac, "-d", str(into), "-cp", classpath(), str(SOURCE)],
        check=True,
        capture_output=True,
        text=True,
    )
    return into


@dataclass(frozen=True)
class ProfileReport:
    """What ProfileCheck printed: violations per profile, and triples the parser dropped."""

    output: str
    dl: list[str]
    rl: list[str]
    dropped: int

    @property
    def dl_count(self) -> int:
        return int(re.search(r"^DL (\d+)$", self.output, re.MULTILINE).group(1))  # type: ignore[union-attr]

    @property
    def rl_count(self) -> int:
        return int(re.search(r"^RL (\d+)$", self.output, re.MULTILINE).group(1))  # type: ignore[union-attr]


def check_profiles(classes: Path, files: list[Path]) -> ProfileReport:
    """Load ``files`` (imports resolved among them, in order), merge, check OWL 2 DL and RL."""
    done = subprocess.run(
        ["java", "-cp", classpath(classes), "ProfileCheck", *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout
    return ProfileReport(
        output=out,
        dl=[
            line[len("DL-VIOLATION ") :]
            for line in out.splitlines()
            if line.startswith("DL-VIOLATION ")
        ],
        rl=[
            line[len("RL-VIOLATION ") :]
            for line in out.splitlines()
            if line.startswith("RL-VIOLATION ")
        ],
        dropped=int(re.search(r"^DROPPED (\d+)$", out, re.MULTILINE).group(1)),  # type: ignore[union-attr]
    )
