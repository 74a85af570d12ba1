"""The SPARQL 1.1 Service Description (at ``GET /sparql``) and the VoID description (``/void``).

Both are built from statistics the app gathers once per process through the backend's own
query interface (so they work for the embedded store and an external one alike) and cache.

Entailment, stated per graph: the ontology, asserted and links graphs are queried under simple
entailment. The inferred graph holds the OWL 2 RL consequences the build materialised, so it and
the default graph (the union of all four) are described with the regime
``http://www.w3.org/ns/entailment/OWL-RDF-Based`` and the profile
``http://www.w3.org/ns/owl-profile/RL`` -- the pair SPARQL 1.1 Entailment Regimes uses for a
rule-based OWL 2 RL reasoner. OWL 2 RL has no regime IRI of its own. The materialisation is
filtered (no reflexive ``owl:sameAs``, no axiomatic vocabulary triples), which an
``rdfs:comment`` says.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from subdip.backends.base import Backend
from subdip.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    ID,
    ONTOLOGY_IRI,
    ORG,
    PREFIXES,
    PROV,
    QUERY_BASE_IRI,
    SPARQL_SD,
    SUBDIP,
    TIME,
    VOID,
)
from subdip.sparql.formats import FormatChoice
from subdip.sparql.negotiate import negotiate
from subdip.store import read_report
from subdip.web import rendering
from subdip.web.pages import description_nodes, render_page, wants_html
from subdip.web.rendering import ResourceNotFound

log = logging.getLogger(__name__)

bp = Blueprint("service_description", __name__)

SD = SPARQL_SD
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")
OWL_RL_PROFILE = URIRef("http://www.w3.org/ns/owl-profile/RL")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")

GRAPH_ROLES = {
    str(GRAPH_ONTOLOGY): "the ontology (TBox)",
    str(GRAPH_ASSERTED): "the curated, sourced data",
    str(GRAPH_INFERRED): "OWL 2 RL consequences of the ontology and the data, materialised",
    str(GRAPH_LINKS): "links to Wikidata (not reasoned over)",
}
RESULT_FORMATS = [
    FORMATS["SPARQL_Results_JSON"],
    FORMATS["SPARQL_Results_XML"],
    FORMATS["SPARQL_Results_CSV"],
    FORMATS["SPARQL_Results_TSV"],
    FORMATS["Turtle"],
    FORMATS["N-Triples"],
    FORMATS["JSON-LD"],
    FORMATS["RDF_XML"],
]
#: Resources the design names as examples; VoID lists those present in the data.
EXAMPLE_SLUGS = ("hainan", "ccp", "sansha", "prague")
STATS_TIMEOUT = 120.0


@dataclass
class DatasetStats:
    """Counts gathered once: triples per graph, class and property partitions, examples."""

    graph_triples: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(self.graph_triples.values())


def _rows(backend: Backend, sparql: str) -> list[dict[str, str]]:
    outcome = backend.query(
        sparql, timeout=STATS_TIMEOUT, formats=FormatChoice(solutions="json", graph=None)
    )
    bindings = json.loads(outcome.body)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def gather_stats(backend: Backend) -> DatasetStats:
    """Ask the backend for the numbers VoID and the service description publish."""
    return _gather(lambda sparql: _rows(backend, sparql))


def gather_stats_from_store(store: Any) -> DatasetStats:
    """The same numbers from a pyoxigraph store in this process (the build's in-memory store).

    Only our own fixed queries run here, so no guard and no query process are needed; the
    default graph is the union of the named graphs, as the endpoint serves it.
    """

    def rows(sparql: str) -> list[dict[str, str]]:
        result = store.query(sparql, use_default_graph_as_union=True)
        return [
            {v.value: sol[v].value for v in result.variables if sol[v] is not None}
            for sol in result
        ]

    return _gather(rows)


def _gather(rows: Callable[[str], list[dict[str, str]]]) -> DatasetStats:
    stats = DatasetStats()
    for row in rows("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        stats.graph_triples[row["g"]] = int(row["n"])
    for row in rows(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c FILTER isIRI(?c) } GROUP BY ?c",
    ):
        stats.classes[row["c"]] = int(row["n"])
    for row in rows("SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p"):
        stats.properties[row["p"]] = int(row["n"])
    candidates = " ".join(f"<{ID[slug]}>" for slug in EXAMPLE_SLUGS)
    present = {
        row["s"] for row in rows(f"SELECT DISTINCT ?s {{ VALUES ?s {{ {candidates} }} ?s ?p ?o }}")
    }
    stats.examples = [str(ID[slug]) for slug in EXAMPLE_SLUGS if str(ID[slug]) in present]
    if not stats.examples:
        # No DISTINCT/ORDER BY: sorting every typed subject takes minutes at 1 M triples.
        fallback = rows(f"SELECT ?s {{ ?s a ?c FILTER STRSTARTS(STR(?s), '{ID}') }} LIMIT 20")
        stats.examples = list(dict.fromkeys(row["s"] for row in fallback))[:3]
    return stats


def stats_cache_file(config: Mapping[str, Any]) -> Path | None:
    """Where an artefact's statistics are kept across processes and restarts.

    ``CACHE_DIR`` or ``BUILD_DIR/web-cache`` (a new build, swapped into place, starts afresh),
    named after the build's input hash; ``None`` when the data is not a build artefact.
    """
    if config.get("STORE_URL") or not config.get("BUILD_DIR"):
        return None
    report = read_report(Path(config["BUILD_DIR"]))
    digest = str((report or {}).get("input_hash", ""))
    if not digest:
        return None
    folder = Path(config.get("CACHE_DIR") or Path(config["BUILD_DIR"]) / "web-cache")
    safe = "".join(c for c in digest if c.isalnum())[:32] or "unhashed"
    return folder / f"void-stats-{safe}.json"


def load_or_gather(backend: Backend, cache: Path | None) -> DatasetStats:
    """Statistics from the cache file if present, else gathered and written there atomically."""
    if cache is not None:
        try:
            return DatasetStats(**json.loads(cache.read_text(encoding="utf-8")))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError) as err:
            log.warning("ignoring unreadable statistics cache %s: %s", cache, err)
    stats = gather_stats(backend)
    if cache is not None:
        try:
            write_stats(stats, cache)
        except OSError as err:  # a read-only build folder: keep them in memory only
            log.info("statistics not cached on disk (%s)", err)
    return stats


def write_stats(stats: DatasetStats, cache: Path) -> None:
    """Write the statistics cache file atomically (``subdip build`` does it for new artefacts)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(stats)), encoding="utf-8")
    tmp.replace(cache)


_stats_lock = threading.Lock()


def cached_stats() -> DatasetStats:
    """The app's statistics: kept in memory, shared through the cache file, gathered once."""
    state = current_app.extensions["subdip"]
    with _stats_lock:
        if state.get("stats") is None:
            state["stats"] = load_or_gather(state["backend"], stats_cache_file(current_app.config))
        return state["stats"]


def server_base() -> str:
    """Absolute base URL of this server (config ``SERVER_BASE`` or the request's host)."""
    configured = current_app.config.get("SERVER_BASE")
    return str(configured or request.host_url).rstrip("/")


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("formats", FORMATS)
    g.bind("ent", ENT)
    return g


def service_description(base: str, stats: DatasetStats) -> Graph:
    """The endpoint's description: features, result formats, dataset and entailment per graph."""
    g = _bind(Graph())
    endpoint = URIRef(f"{base}/sparql")
    service = URIRef(f"{base}/sparql#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in RESULT_FORMATS:
        g.add((service, SD.resultFormat, fmt))
    g.add((service, SD.defaultEntailmentRegime, ENT["OWL-RDF-Based"]))
    g.add((service, SD.defaultSupportedEntailmentProfile, OWL_RL_PROFILE))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only. The default graph is the union of all named graphs (asserted, "
                "inferred, ontology, links) unless the request names default-graph-uri. "
                "Inferences are OWL 2 RL consequences materialised at build time, filtered of "
                "trivial ones (reflexive owl:sameAs, axiomatic vocabulary triples). SERVICE and "
                "SPARQL Update are refused; FROM naming a graph outside the dataset matches "
                "nothing.",
                lang="en",
            ),
        )
    )
    _declare_prefixes(g, service)
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    g.add((dataset, RDFS.seeAlso, URIRef(f"{base}/void")))
    default = BNode("default-graph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    for name in sorted(stats.graph_triples):
        named = BNode()
        graph = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        if name == str(GRAPH_INFERRED):
            g.add((named, SD.entailmentRegime, ENT["OWL-RDF-Based"]))
            g.add((named, SD.supportedEntailmentProfile, OWL_RL_PROFILE))
        else:
            g.add((named, SD.entailmentRegime, ENT["Simple"]))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(stats.graph_triples[name], datatype=XSD.integer)))
        if name in GRAPH_ROLES:
            g.add((graph, RDFS.comment, Literal(GRAPH_ROLES[name], lang="en")))
    return g


def _declare_prefixes(g: Graph, service: URIRef) -> None:
    """The prefixes a query may use undeclared, as SHACL prefix declarations (the W3C
    vocabulary for them; the Service Description vocabulary has none), and the base IRI."""
    g.bind("sh", SH)
    for prefix, namespace in sorted(PREFIXES.items()):
        declaration = BNode(f"prefix-{prefix}")
        g.add((service, SH.declare, declaration))
        g.add((declaration, SH.prefix, Literal(prefix)))
        g.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Queries may use the prefixes declared here (sh:declare) without PREFIX lines; "
                f"a PREFIX in the query wins. Relative IRIs resolve against <{QUERY_BASE_IRI}> "
                "unless the query states a BASE.",
                lang="en",
            ),
        )
    )


def void_description(base: str, stats: DatasetStats) -> Graph:
    """VoID: the dataset, its graphs as subsets, partitions, examples, dumps and vocabularies."""
    g = _bind(Graph())
    dataset = URIRef(f"{base}/void#dataset")
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("subdip: Chinese subnational diplomacy", lang="en")))
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "A knowledge graph of how Chinese provinces and cities act in foreign policy "
                "under party-state control, with the source of every claim.",
                lang="en",
            ),
        )
    )
    g.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    g.add((dataset, VOID.uriSpace, Literal(str(ID))))
    g.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))  # its vocabulary
    g.add((dataset, DCTERMS.conformsTo, URIRef(f"{base}/shapes")))  # its SHACL shapes
    g.add((dataset, RDFS.seeAlso, URIRef(f"{base}/ontology")))
    g.add((dataset, FOAF.page, URIRef(f"{base}/")))
    g.add((dataset, FOAF.page, URIRef(f"{base}/download/")))
    for vocab in (SUBDIP, ORG, PROV, TIME, SKOS, DCTERMS, FOAF):
        g.add((dataset, VOID.vocabulary, URIRef(str(vocab))))
    g.add((dataset, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    g.add((dataset, VOID.classes, Literal(len(stats.classes), datatype=XSD.integer)))
    g.add((dataset, VOID.properties, Literal(len(stats.properties), datatype=XSD.integer)))
    for example in stats.examples:
        g.add((dataset, VOID.exampleResource, URIRef(example)))
    for name, count in sorted(stats.graph_triples.items()):
        subset = URIRef(name)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(name)))
        g.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
        g.add((subset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
        if name in GRAPH_ROLES:
            g.add((subset, RDFS.comment, Literal(GRAPH_ROLES[name], lang="en")))
    for graph_iri, url, media_type in data_dumps(base):
        node = dataset if graph_iri is None else URIRef(graph_iri)
        if node == dataset or node in set(g.objects(dataset, VOID.subset)):
            g.add((node, VOID.dataDump, URIRef(url)))
            g.add((URIRef(url), DCTERMS["format"], Literal(media_type)))
    for cls, count in sorted(stats.classes.items()):
        part = BNode()
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in sorted(stats.properties.items()):
        part = BNode()
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g


def data_dumps(base: str) -> list[tuple[str | None, str, str]]:
    """(graph IRI or None for the whole dataset, URL, media type) of each download offered.

    Read from the downloads blueprint when it is part of this installation, so VoID lists
    exactly the files it serves.
    """
    try:
        from subdip.web.downloads import DOWNLOADS
    except ModuleNotFoundError as err:
        if err.name != "subdip.web.downloads":
            raise
        return []
    return [
        (d.graph, f"{base}/download/{d.name}.{fmt.extension}", fmt.media_type)
        for d in DOWNLOADS
        for fmt in d.formats
    ]


_RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


#: (label, format name, media type, file extension) of the machine formats the pages link to.
MACHINE_FORMATS = (
    ("Turtle", "turtle", "text/turtle", "ttl"),
    ("JSON-LD", "jsonld", "application/ld+json", "jsonld"),
    ("N-Triples", "ntriples", "application/n-triples", "nt"),
    ("RDF/XML", "rdfxml", "application/rdf+xml", "rdf"),
)
_BY_EXTENSION = {ext: name for _, name, _, ext in MACHINE_FORMATS}
_PAGES = {
    "sparql": (
        "SPARQL service",
        "The SPARQL 1.1 Service Description of this endpoint: what it supports, its result "
        "formats, its dataset and the entailment of each graph. Send queries to this same "
        "address (GET or POST, SPARQL 1.1 Protocol), or use the editor on the home page.",
    ),
    "void": (
        "VoID description of the dataset",
        "The dataset described in VoID: its graphs with their sizes, the classes and "
        "properties it uses with counts, example resources and the dumps to download.",
    ),
}


def rdf_response(
    g: Graph, page: str | None = None, main: Any = None, extension: str | None = None
) -> Response:
    """Serialise ``g`` in the format the client negotiated (Turtle by default).

    A browser (:func:`~subdip.web.pages.wants_html`) gets ``page`` rendered readably instead,
    with links to the machine formats.
    """
    media_types = tuple(m for _, _, m, _ in MACHINE_FORMATS)
    if extension is None and page is not None and wants_html(against=media_types):
        title, intro = _PAGES[page]
        base = rendering.server_base(request)
        formats = [
            {"label": label, "href": f"{base}/{page}.{ext}", "media_type": media}
            for label, _, media, ext in MACHINE_FORMATS
        ]
        body, _ = render_page(
            "description.html",
            title=title,
            intro=intro,
            formats=formats,
            nodes=description_nodes(g, main),
        )
        response = Response(body, content_type="text/html; charset=utf-8")
        response.headers["Vary"] = "Accept"
        return response
    if extension is not None and extension not in _BY_EXTENSION:
        raise ResourceNotFound(
            f"no .{extension} form of this description",
            hint="use " + ", ".join(f".{e}" for e in _BY_EXTENSION),
        )
    wanted = _BY_EXTENSION[extension] if extension else request.args.get("format")
    choice = negotiate(request.headers.get("Accept") if not extension else None, wanted)
    fmt = choice.for_family("graph")
    body = g.serialize(format=_RDFLIB_FORMATS[fmt.name], encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/void")
@bp.get("/void.<extension>")
def void(extension: str | None = None) -> Response:
    base = server_base()
    dataset = URIRef(f"{base}/void#dataset")
    return rdf_response(void_description(base, cached_stats()), "void", dataset, extension)


@bp.get("/sparql.<extension>")
def service_document(extension: str) -> Response:
    """The service description as a file (``/sparql.ttl`` ...), linked from its HTML page."""
    base = server_base()
    graph = service_description(base, cached_stats())
    return rdf_response(graph, "sparql", URIRef(f"{base}/sparql#service"), extension)


def describe_service() -> Response:
    """Called by the SPARQL blueprint for a ``GET /sparql`` without a query."""
    base = server_base()
    return rdf_response(
        service_description(base, cached_stats()), "sparql", URIRef(f"{base}/sparql#service")
    )
