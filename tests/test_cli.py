"""The console script and every subcommand answer --help; errors map to exit codes."""

from __future__ import annotations

import subprocess

import pytest

from subdip import cli
from subdip.errors import (
    BuildError,
    LoadError,
    NotConformingError,
    QueryError,
    QueryTimeout,
    StoreError,
    UsageError,
)

SUBCOMMANDS = ["validate", "build", "explain", "query", "serve", "publish"]


def test_top_level_help_lists_every_subcommand(subdip_exe: str) -> None:
    done = subprocess.run([subdip_exe, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for name in SUBCOMMANDS:
        assert name in done.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help(subdip_exe: str, name: str) -> None:
    done = subprocess.run([subdip_exe, name, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"usage: subdip {name}" in done.stdout
    assert "not implemented" not in done.stdout


def test_version(subdip_exe: str) -> None:
    done = subprocess.run([subdip_exe, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("subdip ")


def test_unknown_subcommand_is_a_usage_error(subdip_exe: str) -> None:
    done = subprocess.run([subdip_exe, "frobnicate"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_exit_codes_are_distinct_per_kind_of_outcome() -> None:
    codes = {
        NotConformingError: 1,
        UsageError: 2,
        LoadError: 2,
        BuildError: 3,
        QueryError: 4,
        QueryTimeout: 5,
        StoreError: 6,
    }
    for error, code in codes.items():
        assert error.exit_code == code, error
    assert cli.INTERNAL_ERROR not in codes.values()


def test_internal_error_is_logged_with_its_own_exit_code(monkeypatch, caplog) -> None:
    def explode(args):
        raise RuntimeError("boom")

    parser = cli.make_parser()
    monkeypatch.setattr(cli, "make_parser", lambda: parser)
    for action in parser._subparsers._group_actions:
        action.choices["validate"].set_defaults(func=explode)
    assert cli.main(["validate"]) == cli.INTERNAL_ERROR
    assert "internal error" in caplog.text
