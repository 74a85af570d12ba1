"""Fixtures for the W3C conformance tests: one store of every test's data, the app over it
(in process) and ``subdip serve`` over it (a real socket, for the protocol tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from w3c_endpoints import FlaskEndpoint, Server, make_store, serve_subdip

from subdip.backends.embedded import EmbeddedBackend
from subdip.web import create_app


@pytest.fixture(scope="session")
def w3c_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("w3c-build"))


@pytest.fixture(scope="session")
def w3c_backend(w3c_build: Path) -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(w3c_build, processes=2)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def w3c_endpoint(w3c_build: Path, w3c_backend: EmbeddedBackend) -> FlaskEndpoint:
    """The whole app, as ``subdip serve`` runs it, over the W3C data (one per session: the
    tests only read)."""
    app = create_app({"BUILD_DIR": w3c_build, "QUERY_TIMEOUT": 20, "BACKEND": w3c_backend})
    app.testing = True
    return FlaskEndpoint(app.test_client())


@pytest.fixture(scope="session")
def w3c_server(w3c_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve_subdip(w3c_build, tmp_path_factory.mktemp("w3c-serve") / "serve.log")
    yield server
    server.stop()
