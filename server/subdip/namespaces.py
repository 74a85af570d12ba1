"""IRIs used across subdip, in one place so a mistyped term fails loudly."""

from __future__ import annotations

from rdflib import Namespace

ONTOLOGY_IRI = "https://w3id.org/subdip/ontology"
SUBDIP = Namespace("https://w3id.org/subdip/ontology#")
ID = Namespace("https://w3id.org/subdip/id/")
GRAPH = Namespace("https://w3id.org/subdip/graph/")

#: Named graphs of the build artefact.
GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_ASSERTED = GRAPH["asserted"]
GRAPH_INFERRED = GRAPH["inferred"]
GRAPH_LINKS = GRAPH["links"]

ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
TIME = Namespace("http://www.w3.org/2006/time#")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")
SPARQL_SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")

#: The project's prefixes, defined once: bound when subdip serialises or pretty-prints, known to
#: the SPARQL endpoint (a query may use them without PREFIX lines, as at Wikidata's service; a
#: PREFIX line in the query wins), listed in the service description and offered by the web
#: query editor.
PREFIXES: dict[str, str] = {
    "subdip": str(SUBDIP),
    "id": str(ID),
    "org": str(ORG),
    "prov": str(PROV),
    "time": str(TIME),
    "vann": str(VANN),
    "wd": str(WD),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: The base IRI against which relative IRIs in a query resolve (a ``BASE`` in the query wins):
#: the dataset's resource namespace, so ``<hainan>`` means ``id:hainan`` wherever the service is
#: deployed. (The endpoint's own URL would change with host, port and proxies.)
QUERY_BASE_IRI = str(ID)
