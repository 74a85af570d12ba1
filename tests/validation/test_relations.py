"""The closed-world domain and range shapes (shapes/core/relations.ttl), one valid and one invalid
use per property, generated from the shapes themselves and checked in two batched runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from subdip.loading import load_graph
from subdip.validation import validate

SH = Namespace("http://www.w3.org/ns/shacl#")
EX = Namespace("https://w3id.org/subdip/id/relation-case/")
SHAPES = Path(__file__).resolve().parents[2] / "shapes"
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")
SUBDIP = Namespace("https://w3id.org/subdip/ontology#")


def _classes(shapes: Graph, shape: URIRef) -> list[URIRef]:
    """The classes a shape accepts: its sh:class, or each sh:class of its sh:or."""
    direct = list(shapes.objects(shape, SH["class"]))
    if direct:
        return direct
    found: list[URIRef] = []
    for alternatives in shapes.objects(shape, SH["or"]):
        for member in Collection(shapes, alternatives):
            found.extend(shapes.objects(member, SH["class"]))
    return found


def _component(accepted: list[URIRef]) -> str:
    return "sh:OrConstraintComponent" if len(accepted) > 1 else "sh:ClassConstraintComponent"


def _wrong(accepted: list[URIRef]) -> URIRef:
    """A class that is none of the accepted ones (nor a subclass of them)."""
    return SUBDIP.Territory if SUBDIP.Publication in accepted else SUBDIP.Publication


@pytest.fixture(scope="module")
def relation_shapes() -> Graph:
    return load_graph([SHAPES / "core" / "prefixes.ttl", SHAPES / "core" / "relations.ttl"]).graph


@pytest.fixture(scope="module")
def properties(relation_shapes: Graph) -> list[tuple[str, URIRef, list, list]]:
    """(slug, property, domain classes, range classes) for every usage shape."""
    rows = []
    for usage in sorted(relation_shapes.subjects(SH.targetSubjectsOf, None)):
        prop = relation_shapes.value(usage, SH.targetSubjectsOf)
        value_shape = relation_shapes.value(usage, SH.property)
        domain = _classes(relation_shapes, usage)
        range_ = _classes(relation_shapes, value_shape) if value_shape is not None else []
        rows.append((str(usage).rsplit("#", 1)[1].lower(), prop, domain, range_))
    return rows


def _graph(properties, *, break_domain: bool, break_range: bool) -> Graph:
    g = Graph()
    for slug, prop, domain, range_ in properties:
        subject, value = EX[f"{slug}-s"], EX[f"{slug}-o"]
        if domain:
            g.add((subject, RDF.type, _wrong(domain) if break_domain else domain[0]))
        if range_ and range_[0] == OWL_CLASS and not break_range:
            value = SUBDIP.SisterCityAgreement  # a class IRI, as requirementFor expects
        elif range_:
            g.add((value, RDF.type, _wrong(range_) if break_range else range_[0]))
        g.add((subject, prop, value))
    return g


def test_every_object_property_of_the_ontology_has_a_usage_shape(properties, ontology) -> None:
    owl = Namespace("http://www.w3.org/2002/07/owl#")
    shaped = {prop for _slug, prop, _d, _r in properties}
    declared = {
        p for p in ontology.subjects(RDF.type, owl.ObjectProperty) if str(p).startswith(SUBDIP)
    }
    deprecated = set(ontology.subjects(owl.deprecated, None))  # data uses their replacements
    # subdip:statedIn has its own shape (subdipsh:StatedInArticleShape: article A or B only)
    missing = declared - shaped - deprecated - {SUBDIP.statedIn}
    assert not missing, f"object properties without a shape in relations.ttl: {sorted(missing)}"


def test_correct_uses_conform(properties, relation_shapes, ontology) -> None:
    result = validate(
        _graph(properties, break_domain=False, break_range=False),
        ontology=ontology,
        shapes=relation_shapes,
    )
    assert result.conforms, result.text()


def test_wrong_subjects_and_values_are_each_reported(properties, relation_shapes, ontology) -> None:
    result = validate(
        _graph(properties, break_domain=True, break_range=True),
        ontology=ontology,
        shapes=relation_shapes,
    )
    got = {(r.focus, r.path, r.constraint) for r in result.results}
    expected = set()
    for slug, prop, domain, range_ in properties:
        focus = f"id:relation-case/{slug}-s"
        name = "subdip:" + str(prop).rsplit("#", 1)[1] if "#" in str(prop) else None
        if domain:
            component = (
                "sh:OrConstraintComponent" if len(domain) > 1 else "sh:ClassConstraintComponent"
            )
            expected.add((focus, None, component))
        if range_:
            component = (
                "sh:OrConstraintComponent" if len(range_) > 1 else "sh:ClassConstraintComponent"
            )
            path = name if name else "dcterms:references"
            expected.add((focus, path, component))
    assert got == expected, result.text()
