"""The vocabularies subdip is used beside (W3C PROV-O and the PROV-DC mappings, ORG, FOAF,
OWL-Time, SKOS), and a way to hand a graph to HermiT through owlready2.

Copies of PROV-O, PROV-DC, ORG, FOAF and OWL-Time are in tests/ontology/vocab/ (see its README);
SKOS is the copy pyLODE ships.
"""

from __future__ import annotations

import importlib.resources
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL

VOCAB = Path(__file__).with_name("vocab")
FILES = {
    "PROV-O": VOCAB / "prov-o.ttl",
    "PROV-DC": VOCAB / "prov-dc-directmappings.ttl",
    "ORG": VOCAB / "org.ttl",
    "FOAF": VOCAB / "foaf.rdf",
    "OWL-Time": VOCAB / "time.ttl",
}


def vocabulary(name: str) -> Graph:
    if name == "SKOS":
        source = importlib.resources.files("pylode") / "rdf" / "skos.ttl"
        return Graph().parse(data=source.read_text(encoding="utf-8"), format="turtle")
    path = FILES[name]
    return Graph().parse(path, format="xml" if path.suffix == ".rdf" else "turtle")


def union(*graphs: Graph) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    return merged


@dataclass(frozen=True)
class HermitResult:
    consistent: bool
    unsatisfiable: list[str]
    message: str


def hermit(graph: Graph, *, ignore_unsupported_datatypes: bool = False) -> HermitResult:
    """Classify ``graph`` with HermiT (owlready2's bundled copy), as a Protégé user would.

    owl:imports are dropped (the modules are already merged in); other Java errors, such as an
    unsupported datatype, propagate as owlready2.OwlReadyJavaError.
    """
    import owlready2

    clean = Graph()
    clean += graph
    clean.remove((None, OWL.imports, None))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "graph.nt"
        clean.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with ontology:
                owlready2.sync_reasoner_hermit(
                    world,
                    infer_property_values=False,
                    debug=0,
                    ignore_unsupported_datatypes=ignore_unsupported_datatypes,
                )
        except owlready2.OwlReadyInconsistentOntologyError as err:
            return HermitResult(False, [], str(err))
        unsatisfiable = sorted(
            str(c.iri) for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing)
        )
        world.close()
        return HermitResult(True, unsatisfiable, "")
