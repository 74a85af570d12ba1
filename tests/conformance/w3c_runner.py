"""Run the W3C SPARQL 1.1 tests against an :class:`~w3c.Endpoint` and judge each one.

Every test ends in one :class:`Outcome`: ``passed``, ``failed`` (with what differed),
``policy`` (refused on purpose: Update, SERVICE; the refusal itself is checked) or
``not-applicable`` (with the reason). The pytest modules assert on outcomes; ``report.py``
tabulates them for ``docs/conformance.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

import rdflib
import w3c
from w3c import (
    CNT,
    EMPTY_GRAPH,
    GRAPH_MEDIA,
    HT,
    MF,
    RDFLIB_FORMAT,
    SOLUTION_MEDIA,
    UT,
    Answer,
    Endpoint,
    W3CTest,
)

#: How an engine's error message points at the place of a syntax error.
POSITION = re.compile(r"line \d+, column \d+|\b\d+:\d+\b")
#: subdip's answer to a call of a function it does not provide (the query parsed).
UNKNOWN_FUNCTION = re.compile(r"calls the function <[^>]+>, which this endpoint does not provide")


@dataclass(frozen=True)
class Outcome:
    test: str  # folder/name
    status: str  # passed | failed | policy | not-applicable
    reason: str = ""
    note: str = ""  # for passed tests: anything a reader should know


def _answer(ep: Endpoint, path: str, accept: str) -> Answer:
    return ep.request("GET", path, {"Accept": accept})


def _short(answer: Answer) -> str:
    text = " ".join(answer.text.split())
    return f"{answer.status} {text[:220]}"


# --- syntax ---------------------------------------------------------------------------------


def run_syntax(test: W3CTest, ep: Endpoint) -> Outcome:
    """Positive: accepted (parsed and run on an empty dataset). Negative: 400 + line:column."""
    query = test.query_text()
    path = w3c.query_path(query, [EMPTY_GRAPH], [EMPTY_GRAPH])
    answer = _answer(ep, path, "application/sparql-results+json, text/turtle;q=0.9")
    if test.is_positive:
        if answer.status == 200:
            return Outcome(test.id, "passed")
        if answer.status == 400 and UNKNOWN_FUNCTION.search(answer.text):
            return Outcome(
                test.id,
                "passed",
                note="parsed; evaluating the call of an unknown extension function is refused "
                "with a 400 that names it",
            )
        return Outcome(test.id, "failed", f"a valid query was refused: {_short(answer)}")
    if answer.status != 400:
        return Outcome(test.id, "failed", f"an invalid query got {_short(answer)}")
    if not POSITION.search(answer.text):
        return Outcome(
            test.id,
            "failed",
            f"refused, but the message names no line and column: {_short(answer)}",
        )
    return Outcome(test.id, "passed")


# --- evaluation -----------------------------------------------------------------------------

_DATASET_CLAUSE = re.compile(r"\bFROM\b", re.IGNORECASE)


def evaluation_request(test: W3CTest) -> tuple[str, bool]:
    """The GET path that runs the test's query on its dataset, and whether order matters.

    The query is sent with ``BASE <its W3C IRI>``: the suites resolve a query's relative IRIs
    against the query document, which a protocol request can only state this way. The dataset
    (qt:data as default graph, qt:graphData as named graphs) is named with the protocol's
    default-graph-uri / named-graph-uri, unless the query has its own FROM (which the protocol
    dataset would override).
    """
    assert test.query is not None
    query = test.query_text()
    sent = f"BASE <{w3c.nominal(test.query)}>\n{query}"
    ordered = w3c.has_top_level_order_by(query)
    if _DATASET_CLAUSE.search(re.sub(r"<[^>]*>|\"[^\"]*\"|#[^\n]*", "", query)):
        return w3c.query_path(sent, None, None), ordered
    default = [w3c.nominal(p) for p in test.data] or [EMPTY_GRAPH]
    named = [name for _, name in test.graph_data] or [EMPTY_GRAPH]
    return w3c.query_path(sent, default, named), ordered


def run_evaluation(test: W3CTest, ep: Endpoint, formats: Iterable[str] | None = None) -> Outcome:
    """Run the query once per result format the endpoint offers; compare each answer."""
    path, ordered = evaluation_request(test)
    expected = w3c.expected_of(test)
    problems: list[str] = []
    if test.kind == "CSVResultFormatTest":
        answer = _answer(ep, path, SOLUTION_MEDIA["csv"])
        if answer.status != 200:
            return Outcome(test.id, "failed", f"csv: {_short(answer)}")
        problem = w3c.compare_csv_bytes(expected.raw or b"", answer.body, ordered)
        return (
            Outcome(test.id, "failed", f"csv: {problem}") if problem else Outcome(test.id, "passed")
        )
    if expected.graph is not None:
        for name in formats or GRAPH_MEDIA:
            problem = _check_graph(ep, path, name, expected.graph)
            if problem:
                problems.append(f"{name}: {problem}")
    else:
        assert expected.results is not None
        for name in formats or SOLUTION_MEDIA:
            problem = _check_solutions(ep, path, name, expected, ordered)
            if problem:
                problems.append(f"{name}: {problem}")
    if problems:
        return Outcome(test.id, "failed", "; ".join(problems))
    return Outcome(test.id, "passed")


def _check_graph(ep: Endpoint, path: str, name: str, expected: rdflib.Graph) -> str | None:
    answer = _answer(ep, path, GRAPH_MEDIA[name])
    if answer.status != 200:
        return _short(answer)
    if answer.media_type != GRAPH_MEDIA[name]:
        return f"asked for {GRAPH_MEDIA[name]}, got {answer.media_type}"
    try:
        actual = w3c.parse_graph(answer.body, RDFLIB_FORMAT[name], "http://invalid.example/")
    except Exception as err:  # any parser failure is this format's failure, reported
        return f"the answer does not parse: {type(err).__name__}: {err}"
    return w3c.compare_graphs(expected, actual)


def _check_solutions(
    ep: Endpoint, path: str, name: str, expected: w3c.Expected, ordered: bool
) -> str | None:
    want = expected.results
    assert want is not None
    answer = _answer(ep, path, SOLUTION_MEDIA[name])
    if answer.status != 200:
        return _short(answer)
    if answer.media_type != SOLUTION_MEDIA[name]:
        return f"asked for {SOLUTION_MEDIA[name]}, got {answer.media_type}"
    ordered = ordered or want.ordered
    if want.boolean is not None and name in ("csv", "tsv"):
        # The CSV/TSV format defines no boolean form; the engine writes the bare word.
        word = answer.text.strip().splitlines()[-1] if answer.text.strip() else ""
        return None if word == str(want.boolean).lower() else f"expected {want.boolean}: {word!r}"
    try:
        if name == "json":
            return w3c.compare_results(want, w3c.parse_srj(answer.body), ordered)
        if name == "xml":
            return w3c.compare_results(want, w3c.parse_srx(answer.body), ordered)
        if name == "tsv":
            if expected.raw is not None:  # a TSV result test: the bytes, as the spec fixes them
                return w3c.compare_tsv_bytes(expected.raw, answer.body, ordered)
            return w3c.compare_results(want, w3c.parse_tsv(answer.body), ordered)
        return w3c.compare_csv_values(want, answer.body)
    except (ValueError, KeyError) as err:
        return f"the answer does not parse: {type(err).__name__}: {err}"


# --- policy refusals ------------------------------------------------------------------------


def run_update(test: W3CTest, ep: Endpoint) -> Outcome:
    """SPARQL Update is refused: the request must get a 4xx that says the service is read-only."""
    assert test.query is not None
    body = urlencode({"update": test.query.read_text(encoding="utf-8")}).encode()
    answer = ep.request(
        "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, body
    )
    if 400 <= answer.status < 500 and "read-only" in answer.text:
        return Outcome(test.id, "policy", "SPARQL Update is refused: the service is read-only")
    return Outcome(test.id, "failed", f"an update was not refused as read-only: {_short(answer)}")


def run_federated(test: W3CTest, ep: Endpoint) -> Outcome:
    """SERVICE is refused: a 400 that says the service never contacts other hosts."""
    answer = _answer(ep, w3c.query_path(test.query_text(), None, None), "*/*")
    if answer.status == 400 and "SERVICE" in answer.text:
        return Outcome(
            test.id, "policy", "SERVICE is refused: the service never contacts other hosts"
        )
    return Outcome(test.id, "failed", f"a SERVICE query was not refused: {_short(answer)}")


# --- protocol -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    statuses: tuple[int, ...]  # acceptable status classes: 2, 3, 4 ...
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    graphs: tuple[tuple[str, str], ...]  # (file IRI, graph name)
    requests: tuple[HttpRequest, ...]

    @property
    def id(self) -> str:
        return f"protocol/{self.name}"

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def protocol_tests() -> list[ProtocolTest]:
    g = w3c.manifest_graph("protocol")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    out: list[ProtocolTest] = []
    for node in rdflib.collection.Collection(g, g.value(manifest, MF.entries)):
        graphs = tuple(
            sorted(
                (str(g.value(d, UT.graph)), str(g.value(d, rdflib.RDFS.label)))
                for d in g.objects(node, UT.graphData)
            )
        )
        action = g.value(node, MF.action)
        requests = []
        for r in rdflib.collection.Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(r, HT.headers)
            if header_list is not None:
                for h in rdflib.collection.Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body_node = g.value(r, HT.body)
            body = b""
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(r, HT.resp)
            statuses = tuple(sorted(int(str(s)[-3]) for s in g.objects(resp, MF.expectedStatus)))
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            path = str(g.value(r, HT.absolutePath))
            requests.append(
                HttpRequest(
                    method=str(g.value(r, HT.methodName)),
                    path="/sparql" + path.removeprefix("/sparql/"),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    expected_format=str(fmt) if fmt is not None else None,
                    expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
                )
            )
        out.append(
            ProtocolTest(
                name=w3c._local_name(node),
                title=str(g.value(node, MF.name)),
                graphs=graphs,
                requests=tuple(requests),
            )
        )
    return out


FORMAT_MEDIA = {
    "boolean": {SOLUTION_MEDIA["json"], SOLUTION_MEDIA["xml"]},
    "tabular": set(SOLUTION_MEDIA.values()),
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"},
}


def run_protocol(test: ProtocolTest, ep: Endpoint) -> Outcome:
    if test.is_update:
        first = test.requests[0]
        answer = ep.request(first.method, first.path, first.headers, first.body)
        if 400 <= answer.status < 500:
            return Outcome(test.id, "policy", "SPARQL Update is refused: the service is read-only")
        return Outcome(test.id, "failed", f"an update was not refused: {_short(answer)}")
    for req in test.requests:
        answer = ep.request(req.method, req.path, req.headers, req.body)
        if answer.status // 100 not in req.statuses:
            return Outcome(
                test.id, "failed", f"expected status {req.statuses}xx, got {_short(answer)}"
            )
        if req.expected_format and answer.media_type not in FORMAT_MEDIA[req.expected_format]:
            return Outcome(
                test.id,
                "failed",
                f"expected a {req.expected_format} result, got {answer.media_type}",
            )
        if req.expected_boolean is not None:
            if answer.media_type == SOLUTION_MEDIA["xml"]:
                got = w3c.parse_srx(answer.body).boolean
            else:
                got = w3c.parse_srj(answer.body).boolean
            if got is not req.expected_boolean:
                return Outcome(test.id, "failed", f"expected {req.expected_boolean}, got {got}")
    return Outcome(test.id, "passed")


# --- service description --------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
#: The Service Description vocabulary (W3C Recommendation, 21 March 2013, section 3).
SD_TERMS = frozenset(
    {
        "Service", "Feature", "Language", "Function", "Aggregate", "EntailmentRegime",
        "EntailmentProfile", "GraphCollection", "Dataset", "Graph", "NamedGraph",
        "endpoint", "feature", "defaultEntailmentRegime", "entailmentRegime",
        "defaultSupportedEntailmentProfile", "supportedEntailmentProfile",
        "extensionFunction", "extensionAggregate", "languageExtension", "supportedLanguage",
        "propertyFeature", "defaultDataset", "availableGraphs", "resultFormat", "inputFormat",
        "defaultGraph", "namedGraph", "name", "graph",
        "SPARQL10Query", "SPARQL11Query", "SPARQL11Update", "DereferencesURIs",
        "UnionDefaultGraph", "RequiresDataset", "EmptyGraphs", "BasicFederatedQuery",
    }
)  # fmt: skip
SD_TEST_NAMES = ("has-endpoint-triple", "returns-rdf", "conforms-to-schema")


def service_description(ep: Endpoint) -> tuple[Answer, rdflib.Graph | None]:
    answer = ep.request("GET", "/sparql", {"Accept": "text/turtle"})
    graph = None
    if answer.status == 200 and answer.media_type == "text/turtle":
        graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    return answer, graph


def run_service_description(name: str, ep: Endpoint, endpoint_url: str) -> Outcome:
    test_id = f"service-description/{name}"
    answer, graph = service_description(ep)
    if graph is None:
        return Outcome(test_id, "failed", f"GET /sparql gave no Turtle: {_short(answer)}")
    if name == "returns-rdf":
        return Outcome(test_id, "passed" if len(graph) else "failed", "" if len(graph) else "empty")
    services = set(graph.subjects(rdflib.RDF.type, SD.Service))
    if name == "has-endpoint-triple":
        if any((s, SD.endpoint, rdflib.URIRef(endpoint_url)) in graph for s in services):
            return Outcome(test_id, "passed")
        found = sorted(str(o) for o in graph.objects(None, SD.endpoint))
        return Outcome(test_id, "failed", f"no sd:endpoint <{endpoint_url}> (found {found})")
    unknown = sorted(
        {
            str(term)
            for triple in graph
            for term in triple
            if isinstance(term, rdflib.URIRef)
            and str(term).startswith(str(SD))
            and str(term)[len(str(SD)) :] not in SD_TERMS
        }
    )
    problems = [f"terms outside the SD vocabulary: {unknown}"] if unknown else []
    if not services:
        problems.append("no sd:Service")
    for s in services:
        languages = set(graph.objects(s, SD.supportedLanguage))
        if not languages & {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}:
            problems.append(f"{s} has no sd:supportedLanguage")
        if graph.value(s, SD.endpoint) is None:
            problems.append(f"{s} has no sd:endpoint")
    return (
        Outcome(test_id, "failed", "; ".join(problems)) if problems else Outcome(test_id, "passed")
    )
