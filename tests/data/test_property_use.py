"""Every property of the ontology is used in the data wherever the data has its case (issue 12).
The properties the asserted data never uses are listed here with the reason; inverses of used
properties are left out (the reasoner adds them). A property that starts being used, or one that
stops, makes the test fail until this list says why."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from subdip.loading import LoadedGraph
from subdip.namespaces import SUBDIP

UNUSED = {
    "actor": "deprecated 0.1.0 name; the data uses its replacement, actingParty",
    "territory": "deprecated 0.1.0 name; the data uses its replacement, claimedTerritory",
    "actsOnIssue": "inferred through its property chains (performs or actorIn, then concernsIssue)",
    "locatedIn": "inferred: the data asserts its non-transitive sub-property directlyLocatedIn",
    "contains": "inverse of locatedIn, which is itself inferred",
    "guides": "the sources state guidance of kinds of local organs (a GuidanceArrangement with "
    "guidedOrganType), never of a particular organ",
    "guidedBy": "inverse of guides (see there)",
}
_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def own_properties(ontology: Graph) -> set[str]:
    return {
        str(p)[len(str(SUBDIP)) :]
        for kind in _KINDS
        for p in ontology.subjects(RDF.type, kind)
        if str(p).startswith(str(SUBDIP))
    }


def test_unused_properties_are_those_listed_with_their_reason(
    ontology: Graph, asserted: LoadedGraph
) -> None:
    predicates = set(asserted.graph.predicates())
    used = {str(p)[len(str(SUBDIP)) :] for p in predicates if p in SUBDIP}
    pairs = list(ontology.subject_objects(OWL.inverseOf))
    inverse_of_used = {
        str(b)[len(str(SUBDIP)) :]
        for a, b in pairs + [(b, a) for a, b in pairs]
        if a in predicates and b in SUBDIP
    }
    unused = own_properties(ontology) - used - inverse_of_used
    assert unused == set(UNUSED), (
        f"unused but not listed: {sorted(unused - set(UNUSED))}; "
        f"listed but now used (drop them): {sorted(set(UNUSED) - unused)}"
    )
    assert all(reason for reason in UNUSED.values())
