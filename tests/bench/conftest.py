"""Generated graphs for the generator's tests: written and loaded once per session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pyoxigraph
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"subdip_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generate() -> ModuleType:
    """bench/generate.py as a module (bench/ is a folder of scripts, not a package)."""
    return _load("generate")


@pytest.fixture(scope="session")
def small_file(generate: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "synth-10k.ttl"
    generate.generate(10_000, out, seed=3)
    return out


@pytest.fixture(scope="session")
def full_hierarchy_store(
    generate: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> pyoxigraph.Store:
    """A graph large enough (135 k: the hierarchy, ~80 k, is at most 60 %) for the complete
    hierarchy, in an in-memory store."""
    out = tmp_path_factory.mktemp("gen") / "synth-135k.nt"
    generate.generate(135_000, out, seed=11)
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="session")
def endpoints_module() -> ModuleType:
    """bench/endpoints.py (the endpoint benchmark's queries and client)."""
    return _load("endpoints")


@pytest.fixture(scope="session")
def run_module(generate: ModuleType, endpoints_module: ModuleType) -> ModuleType:
    """bench/run.py; it imports its siblings by plain name, as when run as a script."""
    sys.modules.setdefault("generate", generate)
    sys.modules.setdefault("endpoints", endpoints_module)
    return _load("run")


@pytest.fixture(scope="session")
def cpu_parts() -> ModuleType:
    """bench/cpu_parts.py as a module."""
    return _load("cpu_parts")
