"""The external-store path against a second real store: Virtuoso 7 (Debian's package).

Virtuoso differs from Oxigraph where subdip must cope (docs/external-stores.md): a query or
update POSTed as ``application/sparql-query`` / ``application/sparql-update`` is never
answered (subdip sends HTML forms), TSV results come out quoted (subdip asks for JSON and
converts), a 20 MB Graph Store body gets HTTP 500 (subdip sends a large graph in chunks), and
``DELETE … INSERT … WHERE`` over an empty graph inserts nothing (the pointer is append-only).
Expected contents come from the artefact, never from what the store reports back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from test_publish import artefact_graphs, pointed
from test_remote import assert_same

import subdip.publish
from subdip.backends.embedded import EmbeddedBackend
from subdip.backends.remote import RemoteBackend
from subdip.errors import StoreError
from subdip.paths import queries_dir
from subdip.publication import PREVIOUS
from subdip.publish import publish, rollback
from subdip.sparql.formats import FormatChoice
from subdip.storeclient import StoreClient, StoreEndpoints

TIMEOUT = 60.0
CQ_FILES = sorted((queries_dir() / "cq").glob("*.rq"))
#: Competency questions Virtuoso 7.2 answers wrongly, with why (checked: they must still fail,
#: so a fixed Virtuoso shows up here). ``?x a/rdfs:subClassOf* C`` finds nothing once ``?x``
#: is bound by an earlier pattern, though the same path alone finds every instance.
VIRTUOSO_WRONG = {
    "04-strategies-towards-centre": "a/rdfs:subClassOf* after ?government is bound: no rows",
    "05-provinces-africa": "a/rdfs:subClassOf* after the province is bound: no rows",
    "10-issues-provinces-states": "a/rdfs:subClassOf* after the province is bound: no rows",
}


def client(server, **kwargs: object) -> StoreClient:
    return StoreClient(
        StoreEndpoints.from_url(server.url, graph_store=server.graph_store), **kwargs
    )


def assert_serves(server, build_dir: Path, role: str | None = None) -> None:
    served = pointed(server) if role is None else pointed(server, role)
    for name, graph in artefact_graphs(build_dir).items():
        held = Graph().parse(data=server.graph_ntriples(served[name]), format="nt")
        assert len(held) == len(graph), name
        assert isomorphic(held, graph), f"{name} differs from the artefact"


@pytest.fixture(scope="module")
def on_virtuoso(virtuoso, shipped_build):
    """The shipped build published to Virtuoso through its Graph Store, in small chunks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subdip.publish, "CHUNK_BYTES", 64 * 1024)  # several POSTs per graph
        report = publish(shipped_build, client(virtuoso))
    return report


def test_shipped_build_is_served_complete(virtuoso, shipped_build, on_virtuoso) -> None:
    assert on_virtuoso.method == "graph-store"
    assert on_virtuoso.graph_store == virtuoso.graph_store
    assert_serves(virtuoso, shipped_build)


@pytest.mark.parametrize("method", ["graph-store", "update"])
def test_blank_nodes_and_republishing(virtuoso, tiny_artefact, method) -> None:
    store = client(virtuoso)
    first = publish(tiny_artefact(1), store, method=method)
    second = publish(tiny_artefact(2), store, method=method, batch_triples=2)
    assert second.previous == first.build
    assert_serves(virtuoso, tiny_artefact(2))
    assert_serves(virtuoso, tiny_artefact(1), PREVIOUS)
    rollback(store)
    assert_serves(virtuoso, tiny_artefact(1))


def test_a_failing_switch_leaves_readers_on_the_previous_build(
    virtuoso, tiny_artefact, fault_proxy
) -> None:
    publish(tiny_artefact(3), client(virtuoso))
    proxy = fault_proxy(
        f"http://127.0.0.1:{virtuoso.http_port}",
        fail_update_containing="urn:subdip:publication:current",
    )
    through = StoreClient(
        StoreEndpoints.from_url(f"{proxy.url}/sparql", graph_store=f"{proxy.url}/sparql-graph-crud")
    )
    with pytest.raises(StoreError, match="readers stay on build"):
        publish(tiny_artefact(1), through)
    assert_serves(virtuoso, tiny_artefact(3))


@pytest.fixture(scope="module")
def remote(virtuoso, shipped_build):
    """A backend on Virtuoso serving the shipped build (published again here: the tests
    above leave other builds current)."""
    publish(shipped_build, client(virtuoso))
    backend = RemoteBackend(virtuoso.url)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def embedded(shipped_build):
    backend = EmbeddedBackend(shipped_build)
    yield backend
    backend.close()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=VIRTUOSO_WRONG[p.stem], strict=True))
        if p.stem in VIRTUOSO_WRONG
        else p
        for p in CQ_FILES
    ],
    ids=[p.stem for p in CQ_FILES],
)
def test_competency_questions_match_embedded(path: Path, remote, embedded) -> None:
    query = path.read_text(encoding="utf-8")
    assert_same(remote.query(query, timeout=TIMEOUT), embedded.query(query, timeout=TIMEOUT), query)


def test_tsv_comes_out_unquoted(remote, embedded) -> None:
    query = (
        "SELECT ?label WHERE { <https://w3id.org/subdip/id/hainan> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    )
    formats = FormatChoice(solutions="tsv")
    got = remote.query(query, timeout=TIMEOUT, formats=formats)
    want = embedded.query(query, timeout=TIMEOUT, formats=formats)
    assert got.media_type == "text/tab-separated-values"
    assert got.body.decode().splitlines()[0] == "?label"
    assert sorted(got.body.decode().splitlines()) == sorted(want.body.decode().splitlines())


def test_graph_names_are_public(remote, embedded) -> None:
    assert remote.graph_names() == embedded.graph_names()
    body = remote.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", timeout=TIMEOUT
    ).body
    names = [row["g"]["value"] for row in json.loads(body)["results"]["bindings"]]
    assert names == embedded.graph_names()


def test_older_builds_are_dropped(virtuoso, tiny_artefact) -> None:
    """Virtuoso lists no graphs for ``GRAPH ?g { }``; the pointer's records name them."""
    store = client(virtuoso)
    first = publish(tiny_artefact(1), store)
    publish(tiny_artefact(2), store)
    third = publish(tiny_artefact(3), store)
    assert third.dropped and all(g.endswith(first.build) for g in third.dropped)
    assert not [g for g in virtuoso.counts() if g.endswith(first.build)]
