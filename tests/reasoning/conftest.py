"""Fixtures for the reasoning tests: the small ontology, hand-made data, and a throw-away
project folder for build tests (helpers in reasoning_helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from reasoning_helpers import HERE, MINI_ONTOLOGY, hand_data

from subdip import paths


@pytest.fixture(scope="session")
def mini_ontology() -> Graph:
    return Graph().parse(MINI_ONTOLOGY)


@pytest.fixture
def data() -> Graph:
    return hand_data()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (ontology/, shapes/, data/) that the build reads instead of the shipped
    one; the shapes ask every firm for a dcterms:source."""
    root = tmp_path / "project"
    (root / "ontology").mkdir(parents=True)
    shutil.copy(MINI_ONTOLOGY, root / "ontology" / "subdip.ttl")
    (root / "shapes").mkdir()
    shutil.copy(HERE / "mini_shapes.ttl", root / "shapes" / "shapes.ttl")
    (root / "data" / "links").mkdir(parents=True)
    hand_data().serialize(root / "data" / "facts.ttl", format="turtle")
    (root / "data" / "links" / "wikidata.ttl").write_text(
        "<https://w3id.org/subdip/id/hainan> <http://www.w3.org/2004/02/skos/core#exactMatch> "
        "<http://www.wikidata.org/entity/Q42200> .\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(paths, "resource_root", lambda: root)
    return root
