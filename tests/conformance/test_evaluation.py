"""W3C query evaluation tests (and the result-format tests), through the endpoint's own path.

Each query runs on its test's dataset through ``/sparql`` (protocol parsing, guard, execution
in a query process, serialisation) once per result format the endpoint offers, and every
answer is compared with the expected result under the W3C rules.
"""

from __future__ import annotations

import pytest
import runner
import w3c

TESTS = [
    t for folder in w3c.EVALUATION_FOLDERS for t in w3c.load_manifest(folder) if not t.is_syntax
]

#: Tests the engine fails, each with the reason (checked to still fail, so a fix shows up).
KNOWN_FAILURES: dict[str, str] = {}


def test_the_suite_is_there() -> None:
    assert len(TESTS) >= 230
    assert {t.folder for t in TESTS} == set(w3c.EVALUATION_FOLDERS)


@pytest.mark.parametrize("test", TESTS, ids=lambda t: t.id)
def test_evaluation(test: w3c.W3CTest, w3c_endpoint) -> None:
    outcome = runner.run_evaluation(test, w3c_endpoint)
    if test.id in KNOWN_FAILURES:
        assert outcome.status == "failed", f"{test.id} passes now: remove it from KNOWN_FAILURES"
        return
    assert outcome.status == "passed", f"{test.query}: {outcome.reason}"
