"""W3C syntax tests: valid queries are accepted by the guard and the engine, invalid ones are
refused with 400 and a message that points at the line and column."""

from __future__ import annotations

import pytest
import w3c
import w3c_runner as runner

TESTS = [
    t
    for folder in (*w3c.SYNTAX_FOLDERS, *w3c.EVALUATION_FOLDERS)
    for t in w3c.load_manifest(folder)
    if t.is_syntax
]


def test_the_suite_is_there() -> None:
    """A runner that found no tests would pass while checking nothing."""
    assert len([t for t in TESTS if t.is_positive]) >= 60
    assert len([t for t in TESTS if not t.is_positive]) >= 40


@pytest.mark.parametrize("test", TESTS, ids=lambda t: t.id)
def test_syntax(test: w3c.W3CTest, w3c_endpoint) -> None:
    outcome = runner.run_syntax(test, w3c_endpoint)
    assert outcome.status == "passed", f"{test.query}: {outcome.reason}"
