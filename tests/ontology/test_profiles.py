"""The modules, merged, are in OWL 2 DL and in OWL 2 RL by the OWL API's own profile checker;
the checker is shown to find the violations the issue reported in release 0.1.0."""

from __future__ import annotations

from pathlib import Path

import pytest
from java_tools import ProfileReport, check_profiles, compile_checker

from subdip import paths


@pytest.fixture(scope="session")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_checker(tmp_path_factory.mktemp("profile-check"))


@pytest.fixture(scope="session")
def modules_report(checker: Path) -> ProfileReport:
    return check_profiles(checker, paths.ontology_files())


def test_modules_have_no_owl2_dl_violation(modules_report: ProfileReport) -> None:
    assert modules_report.dl_count == 0, "\n".join(modules_report.dl)


def test_modules_have_no_owl2_rl_violation(modules_report: ProfileReport) -> None:
    assert modules_report.rl_count == 0, "\n".join(modules_report.rl)


def test_the_owl_api_reads_every_module_triple(modules_report: ProfileReport) -> None:
    assert modules_report.dropped == 0, modules_report.output
    axioms = int(modules_report.output.split("AXIOMS ")[1].split()[0])
    assert axioms > 1000, modules_report.output  # the modules were really loaded


def test_the_core_alone_is_dl_and_rl(checker: Path) -> None:
    report = check_profiles(checker, [paths.ontology_module("core")])
    assert (report.dl_count, report.rl_count) == (0, 0), report.output


def test_the_checker_finds_what_the_issue_reported_in_0_1_0(checker: Path) -> None:
    """Issue 11: 5 DL violations (owl:Class ranges, rdf:Statement, xsd:gYear) and 19 RL ones."""
    report = check_profiles(checker, [paths.ontology_dir() / "versions" / "0.1.0" / "subdip.ttl"])
    assert (report.dl_count, report.rl_count) == (5, 19), report.output
    assert any("rdf:Statement" in v for v in report.dl)
    assert sum("owl:Class" in v for v in report.dl) == 3
    assert any("xsd:gYear" in v for v in report.dl)
    assert sum("owl:Thing" in v for v in report.rl) == 12
