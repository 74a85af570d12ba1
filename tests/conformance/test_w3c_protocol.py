"""W3C SPARQL 1.1 Protocol tests and Service Description tests, over a real socket.

``subdip serve`` runs over the store that holds the protocol tests' graphs; each test's HTTP
requests are sent as the manifest writes them (path, method, headers, body), and the status,
result format and boolean are checked. Update requests must be refused (read-only).
"""

from __future__ import annotations

import pytest
import w3c_runner as runner

TESTS = runner.protocol_tests()


def test_the_suite_is_there() -> None:
    assert len(TESTS) == 34
    assert len([t for t in TESTS if not t.is_update]) >= 18


@pytest.mark.parametrize("test", TESTS, ids=lambda t: t.id)
def test_protocol(test: runner.ProtocolTest, w3c_server) -> None:
    outcome = runner.run_protocol(test, w3c_server.endpoint)
    expected = "policy" if test.is_update else "passed"
    assert outcome.status == expected, outcome.reason


@pytest.mark.parametrize("name", runner.SD_TEST_NAMES)
def test_service_description(name: str, w3c_server) -> None:
    outcome = runner.run_service_description(name, w3c_server.endpoint, w3c_server.endpoint.url)
    assert outcome.status == "passed", outcome.reason


@pytest.mark.parametrize("name", runner.SD_TEST_NAMES)
def test_service_description_in_process(name: str, w3c_endpoint) -> None:
    outcome = runner.run_service_description(name, w3c_endpoint, w3c_endpoint.url)
    assert outcome.status == "passed", outcome.reason
