"""The ontology passes its hygiene shapes (shapes/ontology/), and those shapes catch a bad term."""

from __future__ import annotations

from rdflib import Graph

from subdip.validation import ontology_shapes_graph, shapes_graph, validate

BROKEN = """
@prefix subdip: <https://w3id.org/subdip/ontology#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
subdip:CaseTerm a owl:ObjectProperty ;
    rdfs:label "case term"@en , "another case term"@en ;
    rdfs:domain subdip:CaseA , subdip:CaseB .
"""


def test_the_shipped_ontology_is_clean(ontology: Graph) -> None:
    result = validate(ontology, ontology=Graph(), shapes=ontology_shapes_graph())
    assert result.conforms, result.text()


def test_a_bad_term_is_reported(ontology: Graph) -> None:
    data = Graph().parse(data=BROKEN, format="turtle")
    result = validate(data, ontology=Graph(), shapes=ontology_shapes_graph())
    found = {(r.focus, r.path, r.constraint) for r in result.results}
    term = "subdip:CaseTerm"
    assert found == {
        (term, "rdfs:label", "sh:QualifiedMaxCountConstraintComponent"),
        (term, "rdfs:label", "sh:QualifiedMinCountConstraintComponent"),
        (term, "skos:definition", "sh:QualifiedMinCountConstraintComponent"),
        (term, "rdfs:isDefinedBy", "sh:MinCountConstraintComponent"),
        (term, "rdfs:domain", "sh:MaxCountConstraintComponent"),
    }, result.text()


def test_hygiene_shapes_stay_out_of_data_validation() -> None:
    names = {str(s) for s in shapes_graph().subjects()}
    assert "https://w3id.org/subdip/shapes#OntologyTermShape" not in names
    assert "https://w3id.org/subdip/shapes#OntologyTermShape" in {
        str(s) for s in ontology_shapes_graph().subjects()
    }
