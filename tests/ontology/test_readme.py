"""ontology/README.md lists every term by area, with counts that match subdip.ttl."""

from __future__ import annotations

import re

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from subdip import paths
from subdip.namespaces import SUBDIP

_HEADING = re.compile(r"^## Terms by area \((\d+) classes, (\d+) properties\)$", re.MULTILINE)
_BULLET = re.compile(r"^- \*\*[^*]+\*\* \((\d+) (classes|properties)\): (.+)$", re.MULTILINE)
_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _own(ontology: Graph, *kinds: object) -> set[str]:
    return {
        str(term)[len(str(SUBDIP)) :]
        for kind in kinds
        for term in ontology.subjects(RDF.type, kind)
        if str(term).startswith(str(SUBDIP))
    }


def test_readme_lists_every_term_by_area(ontology: Graph) -> None:
    text = (paths.ontology_dir() / "README.md").read_text(encoding="utf-8")
    heading = _HEADING.search(text)
    assert heading, "ontology/README.md has no '## Terms by area (N classes, M properties)'"
    listed: dict[str, list[str]] = {"classes": [], "properties": []}
    for count, kind, names in _BULLET.findall(text[heading.end() :]):
        terms = re.findall(r"`(\w+)`", names)
        assert len(terms) == int(count), f"a bullet says {count} {kind} but lists {len(terms)}"
        listed[kind].extend(terms)
    classes, properties = _own(ontology, OWL.Class), _own(ontology, *_PROPERTY_KINDS)
    assert sorted(listed["classes"]) == sorted(classes), set(listed["classes"]) ^ classes
    assert sorted(listed["properties"]) == sorted(properties), (
        set(listed["properties"]) ^ properties
    )
    assert (int(heading.group(1)), int(heading.group(2))) == (len(classes), len(properties))
