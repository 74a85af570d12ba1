"""`subdip publish` against a real Oxigraph server: counts, content, replacement, failures.

Expected counts and content come from the artefact itself (its dataset.nq and report.json),
never from what the store or subdip reports back.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from subdip.errors import BuildError, StoreError
from subdip.namespaces import GRAPH, GRAPH_ASSERTED
from subdip.publication import CURRENT, HAS_GRAPH, POINTER_GRAPH, PREVIOUS, SEQ, VERSION_OF
from subdip.publish import publish, rollback
from subdip.storeclient import (
    Credentials,
    StoreAuthError,
    StoreClient,
    StoreEndpoints,
    StoreUnreachable,
)

SUBDIP = str(Path(sys.executable).with_name("subdip"))
#: A text only the pointer switch sends (the fault proxy's trigger).
SWITCH = "urn:subdip:publication:current"


def client(url: str, **kwargs: object) -> StoreClient:
    graph_store = kwargs.pop("graph_store", None)
    return StoreClient(StoreEndpoints.from_url(url, graph_store=graph_store), **kwargs)


def artefact_graphs(build_dir: Path) -> dict[str, Graph]:
    """The artefact's named graphs, parsed with rdflib (independently of subdip's splitter)."""
    ds = Dataset()
    with warnings.catch_warnings():  # rdflib's own N-Quads parser uses a deprecated alias
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(build_dir / "dataset.nq", format="nquads")
    return {str(g.identifier): g for g in ds.graphs() if str(g.identifier).startswith("http")}


def store_graph(server, graph: str) -> Graph:
    return Graph().parse(data=server.graph_ntriples(graph), format="nt")


def pointed(server, role: str = CURRENT) -> dict[str, str]:
    """public graph -> stored graph of the build the pointer names (read with the server's
    own SPARQL, not subdip's reader)."""
    rows = server.select(
        f"SELECT ?public ?version WHERE {{ GRAPH <{POINTER_GRAPH}> {{ "
        f"{{ SELECT ?rec WHERE {{ ?rec <{SEQ}> ?seq }} ORDER BY DESC(?seq) LIMIT 1 }} "
        f"?rec <{role}> ?b . ?b <{HAS_GRAPH}> ?version . ?version <{VERSION_OF}> ?public }} }}"
    )["results"]["bindings"]
    return {r["public"]["value"]: r["version"]["value"] for r in rows}


def assert_store_holds(server, build_dir: Path, role: str = CURRENT) -> None:
    """Every graph of the artefact is what readers get (the pointer's current build, or
    ``role``), isomorphic (blank nodes included)."""
    expected = artefact_graphs(build_dir)
    assert expected, f"no named graph parsed from {build_dir}"
    served = pointed(server, role)
    for name, graph in expected.items():
        held = store_graph(server, served[name])
        assert len(held) == len(graph), name
        assert isomorphic(held, graph), f"{name} differs from the artefact"


def stray_graphs(server) -> list[str]:
    """subdip graphs in the store that neither the current nor the previous build uses."""
    rows = server.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")["results"]["bindings"]
    used = set(pointed(server).values()) | set(pointed(server, PREVIOUS).values())
    return [
        r["g"]["value"]
        for r in rows
        if r["g"]["value"].startswith(str(GRAPH)) and r["g"]["value"] not in used
    ]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SUBDIP, "publish", *args], capture_output=True, text=True, timeout=120)


# --- the shipped data -------------------------------------------------------------------------


def test_shipped_graphs_have_the_artefact_counts(published) -> None:
    report = published.report
    assert report["method"] == "graph-store"
    by_graph = {g["graph"]: g for g in report["graphs"]}
    assert set(by_graph) == set(published.expected)
    held = published.server.counts()
    served = pointed(published.server)
    for graph, n in published.expected.items():
        assert by_graph[graph]["published"] == n
        assert served[graph] == f"{graph}/{report['build']}"
        assert held.get(served[graph], 0) == n, graph
    assert sum(published.expected.values()) > 1000  # the shipped graph, not an empty one


def test_shipped_graphs_are_isomorphic_to_the_artefact(published) -> None:
    assert_store_holds(published.server, published.build_dir)
    assert stray_graphs(published.server) == []


# --- transport --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["graph-store", "update"])
def test_publish_keeps_content_and_blank_nodes(start_oxigraph, tiny_artefact, method) -> None:
    server = start_oxigraph()
    store = client(server.url)
    publish(tiny_artefact(2), store, method=method)  # a previous version to replace
    build = tiny_artefact(1)
    report = publish(build, store, method=method, batch_triples=2)
    assert report.method == method
    assert_store_holds(server, build)
    # the blank-node chain a -> period -> _:i -> hasBeginning -> _:s -> 1991 survived batching
    chain = server.select(
        "ASK { GRAPH ?g { <http://example.org/a> <http://example.org/period> ?i . "
        "?i <http://www.w3.org/2006/time#hasBeginning> ?s . "
        "?s <http://www.w3.org/2006/time#inXSDgYear> ?y } }"
    )
    assert chain["boolean"] is True
    assert stray_graphs(server) == []


def test_republishing_replaces_every_graph(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    store = client(server.url)
    first = publish(tiny_artefact(1), store)
    v2 = tiny_artefact(2)
    report = publish(v2, store)
    assert_store_holds(server, v2)
    assert_store_holds(server, tiny_artefact(1), PREVIOUS)  # kept for a rollback
    assert report.previous == first.build != report.build
    assert report.graphs[0].published == report.graphs[0].expected
    assert stray_graphs(server) == []


def test_older_builds_are_dropped_after_the_switch(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    store = client(server.url)
    first = publish(tiny_artefact(1), store)
    second = publish(tiny_artefact(2), store)
    third = publish(tiny_artefact(3), store)
    held = server.counts()
    assert not [g for g in held if g.endswith(first.build)]  # two builds back: gone
    assert sorted(third.dropped) == sorted(pointed_after(first))
    assert_store_holds(server, tiny_artefact(3))
    assert_store_holds(server, tiny_artefact(2), PREVIOUS)
    kept = publish(tiny_artefact(1), store, keep_old=True)
    assert kept.dropped == []
    assert [g for g in server.counts() if g.endswith(second.build)]  # left for the next one


def pointed_after(report) -> list[str]:
    """The stored names of a build's graphs (what a later publish must drop; Oxigraph keeps
    an empty graph uploaded with the Graph Store Protocol as a graph)."""
    return [f"{g.graph}/{report.build}" for g in report.graphs]


def test_rollback_returns_to_the_previous_build_and_back(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    store = client(server.url)
    first = publish(tiny_artefact(1), store)
    second = publish(tiny_artefact(2), store)
    back = rollback(store)
    assert (back.build, back.previous) == (first.build, second.build)
    assert_store_holds(server, tiny_artefact(1))
    run = run_cli("--to", server.url, "--rollback")  # and forward again, from the CLI
    assert run.returncode == 0, run.stderr
    assert_store_holds(server, tiny_artefact(2))
    assert_store_holds(server, tiny_artefact(1), PREVIOUS)


def test_rollback_without_a_previous_build_changes_nothing(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    run = run_cli("--to", server.url, "--rollback")
    assert run.returncode == StoreError.exit_code
    assert "no previous build" in run.stderr
    publish(tiny_artefact(1), client(server.url))
    with pytest.raises(StoreError, match="no previous build"):
        rollback(client(server.url))
    assert_store_holds(server, tiny_artefact(1))


def test_rollback_refuses_a_damaged_previous_build(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    store = client(server.url)
    first = publish(tiny_artefact(1), store)
    publish(tiny_artefact(2), store)
    store.update(f"DROP GRAPH <{GRAPH_ASSERTED}/{first.build}>")  # someone removed part of it
    with pytest.raises(StoreError, match="no longer complete"):
        rollback(store)
    assert_store_holds(server, tiny_artefact(2))


def test_a_store_published_by_an_older_subdip_is_taken_over(start_oxigraph, tiny_artefact) -> None:
    """Graphs under their public names (no pointer) stay served until the first switch, and
    can be rolled back to."""
    server = start_oxigraph()
    store = client(server.url)
    legacy = artefact_graphs(tiny_artefact(1))
    for name, graph in legacy.items():
        store.update(f"INSERT DATA {{ GRAPH <{name}> {{ {graph.serialize(format='nt')} }} }}")
    report = publish(tiny_artefact(2), store)
    assert report.previous == "legacy"
    assert_store_holds(server, tiny_artefact(2))
    rollback(store)
    assert pointed(server) == {name: name for name in legacy}


def test_without_a_graph_store_it_falls_back_to_update(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    build = tiny_artefact(1)
    run = run_cli(
        "--to",
        server.url,
        "--graph-store",
        f"{server.url}/no-such-endpoint",
        "--build-dir",
        str(build),
    )
    assert run.returncode == 0, run.stderr
    assert "SPARQL Update" in run.stdout
    assert_store_holds(server, build)


def test_other_graphs_of_the_store_are_left_alone(start_oxigraph, tiny_artefact) -> None:
    server = start_oxigraph()
    store = client(server.url)
    store.update('INSERT DATA { GRAPH <urn:someone-else> { <urn:x> <urn:y> "kept" } }')
    publish(tiny_artefact(1), store)
    assert server.counts()["urn:someone-else"] == 1


# --- failures lose nothing ----------------------------------------------------------------------


def test_unreachable_store_is_a_store_error(tiny_artefact, closed_port_url) -> None:
    url = closed_port_url
    run = run_cli("--to", url, "--build-dir", str(tiny_artefact(1)))
    assert run.returncode == StoreError.exit_code == 6
    assert f"cannot reach the store at {url}" in run.stderr
    assert "is it running?" in run.stderr
    with pytest.raises(StoreUnreachable):
        publish(tiny_artefact(1), client(url))


def test_missing_artefact_is_a_build_error(tmp_path, start_oxigraph) -> None:
    server = start_oxigraph()
    run = run_cli("--to", server.url, "--build-dir", str(tmp_path / "nothing"))
    assert run.returncode == BuildError.exit_code
    assert "subdip build" in run.stderr


def test_refused_credentials(start_oxigraph, fault_proxy, tiny_artefact) -> None:
    server = start_oxigraph()
    proxy = fault_proxy(server.url, require_auth="Bearer s3cret")
    build = tiny_artefact(1)
    run = run_cli("--to", proxy.url, "--build-dir", str(build))
    assert run.returncode == 6
    assert "refused our credentials (HTTP 401)" in run.stderr
    assert "--token" in run.stderr
    with pytest.raises(StoreAuthError):
        publish(build, client(proxy.url, credentials=Credentials(token="wrong")))
    assert server.counts() == {}

    run = run_cli("--to", proxy.url, "--token", "s3cret", "--build-dir", str(build))
    assert run.returncode == 0, run.stderr
    assert_store_holds(server, build)


def test_basic_credentials_from_the_url(start_oxigraph, fault_proxy, tiny_artefact) -> None:
    server = start_oxigraph()
    basic = "Basic " + base64.b64encode(b"editor:pa ss").decode()
    proxy = fault_proxy(server.url, require_auth=basic)
    host = proxy.url.removeprefix("http://")
    run = run_cli("--to", f"http://editor:pa%20ss@{host}", "--build-dir", str(tiny_artefact(1)))
    assert run.returncode == 0, run.stderr
    assert "pa ss" not in run.stdout + run.stderr  # the password is never printed
    run = run_cli("--to", proxy.url, "--user", "editor:pa ss", "--build-dir", str(tiny_artefact(1)))
    assert run.returncode == 0, run.stderr


def _publish_v1_then_fail_v2(server, proxy, tiny_artefact) -> StoreError:
    publish(tiny_artefact(1), client(server.url))
    with pytest.raises(StoreError) as caught:
        publish(tiny_artefact(2), client(proxy.url))
    assert_store_holds(server, tiny_artefact(1))  # the previous version, complete
    assert stray_graphs(server) == []
    return caught.value


def test_upload_cut_off_midway_keeps_the_previous_graphs(
    start_oxigraph, fault_proxy, tiny_artefact
) -> None:
    server = start_oxigraph()
    proxy = fault_proxy(server.url, cut_put_number=2)
    err = _publish_v1_then_fail_v2(server, proxy, tiny_artefact)
    assert "nothing was switched" in str(err)
    assert proxy.faults.puts == 2


def test_short_upload_is_caught_by_the_count_check(
    start_oxigraph, fault_proxy, tiny_artefact
) -> None:
    server = start_oxigraph()
    proxy = fault_proxy(server.url, truncate_puts=True)
    err = _publish_v1_then_fail_v2(server, proxy, tiny_artefact)
    assert "do not have the artefact's triple counts" in str(err)
    assert str(GRAPH_ASSERTED) in str(err)


def test_store_failing_the_swap_keeps_the_previous_graphs(
    start_oxigraph, fault_proxy, tiny_artefact
) -> None:
    server = start_oxigraph()
    proxy = fault_proxy(server.url, fail_update_containing=SWITCH)
    err = _publish_v1_then_fail_v2(server, proxy, tiny_artefact)
    assert "HTTP 500" in str(err)
    assert "injected failure" in str(err)
    assert "readers stay on build" in str(err)


def test_the_swap_is_one_transaction_in_oxigraph(
    start_oxigraph, fault_proxy, tiny_artefact
) -> None:
    """A switch request that fails in the store after its first operation changes nothing."""
    server = start_oxigraph()
    proxy = fault_proxy(server.url, sabotage_update_containing=SWITCH)
    err = _publish_v1_then_fail_v2(server, proxy, tiny_artefact)
    assert "no-such-graph" in str(err)  # Oxigraph's own error, passed on


def test_unanswered_swap_is_not_undone(start_oxigraph, fault_proxy, tiny_artefact) -> None:
    """No answer to the switch: subdip must not drop the graphs the store may still switch to."""
    server = start_oxigraph()
    publish(tiny_artefact(1), client(server.url))
    proxy = fault_proxy(server.url, delay_update_containing=SWITCH, delay=6.0)
    with pytest.raises(StoreError, match="may still apply it"):
        publish(tiny_artefact(2), client(proxy.url, timeout=2.0))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and stray_graphs(server):
        time.sleep(0.1)  # the proxy forwards the switch once its delay is over
    assert_store_holds(server, tiny_artefact(2))
    assert stray_graphs(server) == []


def test_cli_exit_code_on_a_store_error(start_oxigraph, fault_proxy, tiny_artefact) -> None:
    server = start_oxigraph()
    proxy = fault_proxy(server.url, fail_update_containing=SWITCH)
    run = run_cli("--to", proxy.url, "--build-dir", str(tiny_artefact(1)))
    assert run.returncode == 6
    assert "answered HTTP 500" in run.stderr
    assert server.counts() == {}


def test_unknown_graph_in_the_artefact_is_refused(
    tmp_path, start_oxigraph, artefact_writer
) -> None:
    build = artefact_writer(tmp_path / "odd", ["<urn:a> <urn:b> <urn:c> <urn:not-subdip> .\n"])
    server = start_oxigraph()
    with pytest.raises(BuildError, match="inconsistent"):
        publish(build, client(server.url))
    assert server.counts() == {}


def test_store_url_is_checked() -> None:
    with pytest.raises(StoreError, match="not an http"):
        StoreEndpoints.from_url("ftp://example.org/store")


@pytest.mark.parametrize(
    ("url", "query", "update"),
    [
        ("http://h:7878", "http://h:7878/query", "http://h:7878/update"),
        ("http://h:3030/ds/", "http://h:3030/ds/query", "http://h:3030/ds/update"),
        ("http://h:3030/ds/query", "http://h:3030/ds/query", "http://h:3030/ds/update"),
        ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql"),
    ],
)
def test_endpoint_layouts(url: str, query: str, update: str) -> None:
    endpoints = StoreEndpoints.from_url(url)
    assert (endpoints.query, endpoints.update) == (query, update)


def test_credentials_are_removed_from_urls() -> None:
    from subdip.storeclient import split_credentials

    url, creds = split_credentials("https://u%40x:p%3Aw@store.example.org:8443/ds")
    assert url == "https://store.example.org:8443/ds"
    assert (creds.user, creds.password) == ("u@x", "p:w")
    assert creds.header() == "Basic " + base64.b64encode(b"u@x:p:w").decode()
    assert URIRef(url)  # a clean URL, usable anywhere
