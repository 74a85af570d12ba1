"""Serving from an external store: same answers as the embedded mode, same safety guarantees.

The reference for every answer is the embedded backend over the same build artefact; results
are compared as sets of solutions (blank nodes anonymised) or as isomorphic graphs.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from subdip.backends.base import QueryOutcome
from subdip.backends.embedded import EmbeddedBackend
from subdip.backends.remote import EMPTY_GRAPH, RemoteBackend, dataset_clause
from subdip.errors import QueryError, QueryRejected, QueryTimeout, QueryTooLarge
from subdip.namespaces import GRAPH, GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
from subdip.paths import queries_dir
from subdip.publish import publish
from subdip.sparql.formats import FormatChoice
from subdip.storeclient import (
    StoreAnswerError,
    StoreAuthError,
    StoreClient,
    StoreEndpoints,
    StoreUnreachable,
)

CQ_FILES = sorted((queries_dir() / "cq").glob("*.rq"))
TIMEOUT = 30.0
ONTOLOGY, ASSERTED, INFERRED = str(GRAPH_ONTOLOGY), str(GRAPH_ASSERTED), str(GRAPH_INFERRED)

#: Queries that exercise the dataset rules (union default graph, FROM, FROM NAMED, protocol
#: datasets) and every query form; each is answered by both backends and compared.
DATASET_QUERIES: list[tuple[str, str, dict]] = [
    ("graphs", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
    ("union", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
    ("types", "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", {}),
    (
        "from",
        f"SELECT ?p (COUNT(*) AS ?n) FROM <{ASSERTED}> WHERE {{ ?s ?p ?o }} GROUP BY ?p",
        {},
    ),
    (
        "from-prefixed",
        "PREFIX g: <https://w3id.org/subdip/graph/> "
        "SELECT (COUNT(*) AS ?n) FROM g:ontology WHERE { ?s ?p ?o }",
        {},
    ),
    (
        "from-named",
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g",
        {},
    ),
    (
        "protocol-default",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        {"default_graphs": [ONTOLOGY]},
    ),
    (
        "protocol-named",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        {"named_graphs": [ASSERTED, INFERRED]},
    ),
    ("ask", "ASK { ?s a <http://www.w3.org/2002/07/owl#Class> }", {}),
    (
        "construct",
        "CONSTRUCT { ?p ?q ?o } WHERE { GRAPH <" + ONTOLOGY + "> { "
        "?p a <http://www.w3.org/2002/07/owl#ObjectProperty> ; ?q ?o } }",
        {},
    ),
    ("describe", "DESCRIBE ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } LIMIT 5", {}),
    (
        "literals",
        "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
        {},
    ),
]


def canon(term: object) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def triples(body: bytes, fmt: ox.RdfFormat) -> Counter:
    """Triples as a multiset of strings, blank nodes anonymised (parsed with pyoxigraph)."""
    return Counter(
        (canon(q.subject), str(q.predicate), canon(q.object)) for q in ox.parse(body, format=fmt)
    )


def answers(outcome: QueryOutcome) -> object:
    """A comparable form of a result: a multiset of solutions, a boolean, or a graph."""
    if outcome.kind == "graph":
        fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}[outcome.media_type]
        return Graph().parse(data=outcome.body, format=fmt)
    fmt = ox.QueryResultsFormat.from_media_type(outcome.media_type)
    parsed = ox.parse_query_results(outcome.body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    return Counter(
        tuple((v, canon(row[v])) for v in variables if row[v] is not None) for row in parsed
    )


def assert_same(remote: QueryOutcome, embedded: QueryOutcome, what: str) -> None:
    assert (remote.kind, remote.media_type) == (embedded.kind, embedded.media_type), what
    got, want = answers(remote), answers(embedded)
    if isinstance(want, Graph):
        assert len(got) == len(want), what
        assert isomorphic(got, want), what
    else:
        assert got == want, what


@pytest.fixture(scope="module")
def embedded(shipped_build: Path):
    backend = EmbeddedBackend(shipped_build, processes=1)
    yield backend
    backend.close()


@pytest.fixture
def remote(published) -> RemoteBackend:
    return RemoteBackend(published.server.url)


@pytest.fixture
def foreign_store(start_oxigraph, tiny_artefact):
    """A store holding a small subdip dataset and a graph that belongs to someone else."""
    server = start_oxigraph()
    client = StoreClient(StoreEndpoints.from_url(server.url))
    publish(tiny_artefact(1), client)
    client.update('INSERT DATA { GRAPH <urn:someone-else> { <urn:x> <urn:y> "secret" } }')
    return server


# --- same answers as the embedded mode --------------------------------------------------------


def test_competency_questions_are_present() -> None:
    assert CQ_FILES, f"no competency questions in {queries_dir() / 'cq'}"


@pytest.mark.parametrize("path", CQ_FILES, ids=[p.stem for p in CQ_FILES])
def test_competency_question_matches_embedded(path: Path, remote, embedded) -> None:
    query = path.read_text(encoding="utf-8")
    assert_same(
        remote.query(query, timeout=TIMEOUT),
        embedded.query(query, timeout=TIMEOUT),
        path.name,
    )


@pytest.mark.parametrize(
    ("query", "dataset"),
    [(q, d) for _, q, d in DATASET_QUERIES],
    ids=[name for name, _, _ in DATASET_QUERIES],
)
def test_dataset_query_matches_embedded(query: str, dataset: dict, remote, embedded) -> None:
    assert_same(
        remote.query(query, timeout=TIMEOUT, **dataset),
        embedded.query(query, timeout=TIMEOUT, **dataset),
        query,
    )


@pytest.mark.parametrize(
    ("family", "name"),
    [("solutions", n) for n in ("json", "xml", "csv", "tsv")]
    + [("graph", n) for n in ("turtle", "ntriples", "jsonld", "rdfxml")],
)
def test_every_format_is_passed_through(family: str, name: str, remote, embedded) -> None:
    if family == "solutions":
        query = "SELECT ?c ?l WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> ; "
        query += "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        choice = FormatChoice(solutions=name)
    else:
        query = "CONSTRUCT WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"
        choice = FormatChoice(graph=name)
    got = remote.query(query, timeout=TIMEOUT, formats=choice)
    want = embedded.query(query, timeout=TIMEOUT, formats=choice)
    assert (got.format, got.media_type) == (want.format, want.media_type)
    if name in ("csv", "tsv"):
        assert sorted(got.body.splitlines()[1:]) == sorted(want.body.splitlines()[1:])
        assert got.body.splitlines()[0] == want.body.splitlines()[0]
    elif family == "solutions":
        assert_same(got, want, name)
    else:
        fmt = ox.RdfFormat.from_media_type(got.media_type)
        assert triples(got.body, fmt) == triples(want.body, fmt)
        assert len(triples(got.body, fmt)) > 10


@pytest.mark.parametrize(
    ("forced", "family", "name"),
    [
        ("application/sparql-results+json", "solutions", "xml"),
        ("application/n-triples", "graph", "turtle"),
    ],
)
def test_other_formats_from_the_store_are_converted(
    forced, family, name, published, fault_proxy, embedded
) -> None:
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    assert backend.graph_names()  # looked up (and cached) with an honest Accept header
    proxy.faults.accept_override = forced
    if family == "solutions":
        query, choice = "SELECT ?s WHERE { ?s a ?c } LIMIT 20", FormatChoice(solutions=name)
    else:
        # IRIs only: rdflib's isomorphism check is exponential on many look-alike blank nodes
        query = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c FILTER(isIRI(?s)) }"
        choice = FormatChoice(graph=name)
    got = backend.query(query, timeout=TIMEOUT, formats=choice)
    want = embedded.query(query, timeout=TIMEOUT, formats=choice)
    if family == "solutions":
        assert got.media_type == "application/sparql-results+xml"
        assert len(answers(got)) == 20
    else:
        assert_same(got, want, query)


def test_resource_lookup_matches_embedded(remote, embedded) -> None:
    some = json.loads(
        embedded.query(
            f"SELECT ?s WHERE {{ GRAPH <{ASSERTED}> {{ ?s a ?c }} FILTER(isIRI(?s)) }} "
            "ORDER BY ?s LIMIT 3",
            timeout=TIMEOUT,
        ).body
    )["results"]["bindings"]
    assert len(some) == 3
    for row in some:
        iri = row["s"]["value"]
        got = {tuple(canon(t) for t in q) for q in remote.describe_resource(iri)}
        want = {tuple(canon(t) for t in q) for q in embedded.describe_resource(iri)}
        assert got == want, iri
        assert remote.describe_resource(iri, limit=2) == remote.describe_resource(iri)[:2]


def test_graph_names_and_counts_match_embedded(remote, embedded, published) -> None:
    assert remote.graph_names() == embedded.graph_names()
    for graph in embedded.graph_names():
        assert remote.count(graph) == embedded.count(graph) == published.expected[graph]
    assert remote.count() == embedded.count()


# --- same guarantees ------------------------------------------------------------------------


def test_service_is_refused_before_the_store_is_asked(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    target = fault_proxy(published.server.url)  # would count a federated call
    backend = RemoteBackend(proxy.url)
    for query in (
        f"SELECT * WHERE {{ SERVICE <{target.url}/query> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target.url}/query> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVI\\u0043E <{target.url}/query> {{ ?s ?p ?o }} }}",
    ):
        with pytest.raises(QueryRejected, match="SERVICE"):
            backend.query(query, timeout=TIMEOUT)
    assert proxy.faults.requests == 0
    assert target.faults.requests == 0


def test_updates_are_refused(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    with pytest.raises(QueryRejected, match="read-only"):
        backend.query(f"DROP GRAPH <{ASSERTED}>", timeout=TIMEOUT)
    assert proxy.faults.requests == 0
    stored = f"{ASSERTED}/{published.report['build']}"
    assert published.server.counts()[stored] == published.expected[ASSERTED]


def test_from_an_url_is_never_fetched(published, fault_proxy, remote) -> None:
    target = fault_proxy(published.server.url)
    outcome = remote.query(
        f"SELECT (COUNT(*) AS ?n) FROM <{target.url}/data.ttl> "
        f"FROM NAMED <{target.url}/other.ttl> WHERE {{ {{ ?s ?p ?o }} UNION "
        "{ GRAPH ?g { ?s ?p ?o } } }",
        timeout=TIMEOUT,
    )
    assert json.loads(outcome.body)["results"]["bindings"][0]["n"]["value"] == "0"
    assert target.faults.requests == 0


def test_other_graphs_of_the_store_stay_invisible(foreign_store) -> None:
    backend = RemoteBackend(foreign_store.url)
    assert "urn:someone-else" not in backend.graph_names()
    for query in (
        "SELECT * WHERE { GRAPH <urn:someone-else> { ?s ?p ?o } }",
        "SELECT * FROM <urn:someone-else> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <urn:someone-else> WHERE { GRAPH ?g { ?s ?p ?o } }",
        'SELECT * WHERE { { ?s ?p "secret" } UNION { GRAPH ?g { ?s ?p "secret" } } }',
    ):
        body = json.loads(backend.query(query, timeout=TIMEOUT).body)
        assert body["results"]["bindings"] == [], query
    assert (
        backend.query(
            'ASK { ?s ?p "secret" }', timeout=TIMEOUT, default_graphs=["urn:someone-else"]
        ).body.find(b"false")
        >= 0
    )
    assert backend.describe_resource("urn:x") == []
    held = foreign_store.counts()
    assert backend.count() == sum(n for g, n in held.items() if g.startswith(str(GRAPH)))


def test_slow_store_is_a_query_timeout(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    assert backend.graph_names()  # looked up (and cached) before the store slows down
    proxy.faults.delay = 3.0
    with pytest.raises(QueryTimeout) as caught:
        backend.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=0.5)
    assert caught.value.status == 503


def test_result_size_limit(remote) -> None:
    with pytest.raises(QueryTooLarge) as caught:
        remote.query("SELECT * WHERE { ?s ?p ?o }", timeout=TIMEOUT, max_result_bytes=2_000)
    assert caught.value.status == 413


def test_store_errors_are_502(published, fault_proxy) -> None:
    backend = RemoteBackend(fault_proxy(published.server.url, fail_queries=True).url)
    with pytest.raises(StoreAnswerError) as caught:
        backend.query("ASK {}", timeout=TIMEOUT)
    assert caught.value.status == 502
    assert "injected query failure" in str(caught.value)


def test_syntax_errors_are_400(remote) -> None:
    with pytest.raises(QueryError) as caught:
        remote.query("SELECT * WHERE { ?s ?p }", timeout=TIMEOUT)
    assert caught.value.status == 400
    assert "error at 1:" in str(caught.value)


def test_a_query_the_store_rejects_is_400(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    assert backend.graph_names()
    proxy.faults.fail_queries, proxy.faults.query_status = True, 400
    with pytest.raises(QueryError) as caught:
        backend.query("ASK { ?s ?p ?o }", timeout=TIMEOUT)
    assert caught.value.status == 400
    assert "the store rejected the query: injected query failure" in str(caught.value)


def test_unreachable_store_is_503(closed_port_url) -> None:
    with pytest.raises(StoreUnreachable) as caught:
        RemoteBackend(closed_port_url).query("ASK {}", timeout=TIMEOUT)
    assert caught.value.status == 503
    assert f"cannot reach the store at {closed_port_url}" in str(caught.value)


def test_credentials(published, fault_proxy, monkeypatch) -> None:
    proxy = fault_proxy(published.server.url, require_auth="Bearer t0ken")
    with pytest.raises(StoreAuthError):
        RemoteBackend(proxy.url).query("ASK {}", timeout=TIMEOUT)
    assert RemoteBackend(proxy.url, token="t0ken").query("ASK {}", timeout=TIMEOUT).body
    monkeypatch.setenv("SUBDIP_STORE_TOKEN", "t0ken")
    assert RemoteBackend(proxy.url).query("ASK {}", timeout=TIMEOUT).body


def test_dataset_clause_reading() -> None:
    assert dataset_clause("SELECT * WHERE { ?s ?p 'FROM <urn:x>' }") == (None, None)
    assert dataset_clause("SELECT * FROM <urn:a> FROM <urn:b> {}") == (["urn:a", "urn:b"], None)
    with pytest.raises(QueryRejected):
        dataset_clause("SELECT * FROM <relative> {}")
    assert EMPTY_GRAPH.startswith("urn:")


@pytest.mark.parametrize(
    "query",
    [
        'DEFINE get:soft "soft" SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }',
        'PREFIX b: <bif:> SELECT (b:file_to_string("/etc/passwd") AS ?x) WHERE {}',
        "SELECT (<sql:exec>(1) AS ?x) WHERE {}",
        "ASK WHERE { ?s ?p }",
    ],
    ids=["virtuoso-pragma", "bif-function", "sql-function", "malformed-ask"],
)
def test_store_specific_syntax_never_reaches_the_store(query, published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    with pytest.raises(QueryRejected):
        backend.query(query, timeout=TIMEOUT)
    assert proxy.faults.requests == 0


def test_queries_reuse_one_connection(published, fault_proxy) -> None:
    """Keep-alive: a series of queries from one thread costs one TCP connection, not one each."""
    proxy = fault_proxy(published.server.url)
    backend = RemoteBackend(proxy.url)
    try:
        answers = [
            backend.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} LIMIT {n}", timeout=TIMEOUT
            )
            for n in range(1, 21)
        ]
    finally:
        backend.close()
    assert len({a.body for a in answers}) == 1  # the same count each time
    assert proxy.faults.requests >= 20
    assert proxy.faults.connections == 1, proxy.faults


def test_a_connection_the_store_closed_is_replaced(published, fault_proxy) -> None:
    """A store that hangs up idle connections (keep-alive timeout) costs no failed query."""
    proxy = fault_proxy(published.server.url, close_after_answer=True)
    backend = RemoteBackend(proxy.url)
    try:
        for _ in range(5):
            outcome = backend.query("ASK { ?s ?p ?o }", timeout=TIMEOUT)
            assert json.loads(outcome.body)["boolean"] is True
    finally:
        backend.close()
    assert proxy.faults.connections >= 5  # each query needed a new one, and got it


def test_updates_never_reuse_a_pooled_connection(published, fault_proxy) -> None:
    """A request that changes the store is never retried, so it never takes a pooled one."""
    proxy = fault_proxy(published.server.url)
    client = StoreClient(StoreEndpoints.from_url(proxy.url))
    try:
        client.sparql_json("ASK {}")
        client.update("DROP SILENT GRAPH <urn:subdip:test:nothing>")
        client.update("DROP SILENT GRAPH <urn:subdip:test:nothing>")
    finally:
        client.close()
    assert proxy.faults.connections == 3


def test_readers_follow_the_pointer(start_oxigraph, tiny_artefact, monkeypatch) -> None:
    """Public graph names in queries and answers, whichever versioned graphs the store holds;
    a publish or a rollback moves the backend to the other build."""
    import subdip.backends.remote as remote_module
    from subdip.publish import rollback

    monkeypatch.setattr(remote_module, "_GRAPH_LIST_TTL", 0.0)  # read the pointer every time
    server = start_oxigraph()
    store = StoreClient(StoreEndpoints.from_url(server.url))
    backend = RemoteBackend(server.url)
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    queries = [
        f"SELECT ?g ?l WHERE {{ GRAPH ?g {{ <http://example.org/a> {label} ?l }} "
        'FILTER(LANG(?l) = "en") }',
        f"SELECT ?l WHERE {{ GRAPH <{ASSERTED}> {{ <http://example.org/a> {label} ?l }} "
        'FILTER(LANG(?l) = "en") }',
        "PREFIX g: <https://w3id.org/subdip/graph/> SELECT ?l FROM g:asserted WHERE "
        f'{{ <http://example.org/a> {label} ?l FILTER(LANG(?l) = "en") }}',
    ]

    def answers() -> list[list[dict]]:
        out = []
        for query in queries:
            rows = json.loads(backend.query(query, timeout=TIMEOUT).body)["results"]["bindings"]
            out.append([{k: v["value"] for k, v in row.items()} for row in rows])
        return out

    def expected(version: int) -> list[list[dict]]:
        text = f"version {version}"
        return [[{"g": ASSERTED, "l": text}], [{"l": text}], [{"l": text}]]

    publish(tiny_artefact(1), store)
    assert answers() == expected(1)
    assert backend.graph_names() == sorted(published_names(tiny_artefact(1)))
    first = backend.current_build()
    second = publish(tiny_artefact(2), store).build
    assert answers() == expected(2)
    assert first is not None and backend.current_build() == second != first
    quads = backend.describe_resource("http://example.org/a")
    assert {q.graph_name.value for q in quads} == {ASSERTED, INFERRED}
    assert backend.count(ASSERTED) == 5 + 2 * 5  # tiny_quads(2): 5 lines and 10 more
    rollback(store)
    assert answers() == expected(1)
    backend.close()


def published_names(build: Path) -> set[str]:
    return set(json.loads((build / "report.json").read_text())["graphs"].values())
