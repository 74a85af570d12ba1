"""What the service refuses on purpose is refused, with a message that says why.

Every SPARQL Update test of the W3C suites (update syntax and evaluation) is sent as an
update request and must get a 4xx saying the service is read-only; every federated-query test
(SERVICE) must get a 400 saying the service never contacts other hosts.
"""

from __future__ import annotations

import pytest
import w3c
import w3c_runner as runner

UPDATES = [t for folder in w3c.UPDATE_FOLDERS for t in w3c.load_manifest(folder) if t.query]
FEDERATED = [t for folder in w3c.FEDERATION_FOLDERS for t in w3c.load_manifest(folder)]


def test_the_suites_are_there() -> None:
    assert len(UPDATES) >= 150
    assert len(FEDERATED) >= 10


@pytest.mark.parametrize("test", UPDATES, ids=lambda t: t.id)
def test_update_is_refused(test: w3c.W3CTest, w3c_endpoint) -> None:
    outcome = runner.run_update(test, w3c_endpoint)
    assert outcome.status == "policy", outcome.reason


@pytest.mark.parametrize("test", FEDERATED, ids=lambda t: t.id)
def test_service_is_refused(test: w3c.W3CTest, w3c_endpoint) -> None:
    outcome = runner.run_federated(test, w3c_endpoint)
    assert outcome.status == "policy", outcome.reason
