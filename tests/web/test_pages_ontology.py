"""The ontology at its IRI (conneg, pyLODE HTML, versioned copies) and the SHACL shapes.

Expected values are read from the shipped ontology and shapes files with rdflib.
"""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import re

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
    parse_rdf,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from subdip import docs_gen, loading, paths

ONTOLOGY = URIRef("https://w3id.org/subdip/ontology")
FORMATS = {
    "turtle": ("text/turtle", "ttl"),
    "json-ld": ("application/ld+json", "jsonld"),
    "nt": ("application/n-triples", "nt"),
    "xml": ("application/rdf+xml", "rdf"),
}


def same_graph(served: Graph, expected: Graph) -> bool:
    """Same size and the same ground triples (language tags case-insensitive, as in RDF 1.1).

    Cheaper than a full isomorphism check, which is slow on the blank nodes of OWL axioms
    and SHACL lists; a lost or duplicated blank-node triple still changes the size.
    """

    def ground(graph: Graph) -> set:
        out = set()
        for s, p, o in graph:
            if isinstance(s, BNode) or isinstance(o, BNode):
                continue
            if isinstance(o, Literal) and o.language:
                o = Literal(str(o), lang=o.language.lower())
            out.add((s, p, o))
        return out

    return len(served) == len(expected) and ground(served) == ground(expected)


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The whole ontology: the entry point and the modules it imports, merged."""
    return loading.ontology_graph()


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    graph = Graph()
    files = [
        path
        for path in sorted(paths.shapes_dir().rglob("*.ttl"))
        if path.parent.name in ("core", "china", "dataset")
    ]
    assert files, "no shapes files shipped"
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def test_ontology_html_is_the_pylode_documentation(pages_client, ontology_graph):
    response = pages_client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "pyLODE" in html or "OntPub" in html
    assert '<html lang="en">' in html
    # every class of the ontology has an anchor, so hash IRIs land on their term
    classes = {
        str(c)
        for c in ontology_graph.subjects(RDF.type, OWL.Class)
        if str(c).startswith(str(ONTOLOGY))
    }
    assert classes
    for iri in classes:
        assert f'id="{iri.split("#")[1]}"' in html, iri


def test_ontology_html_separates_english_and_chinese_labels(pages_client, ontology_graph):
    html = pages_client.get("/ontology").get_data(as_text=True)
    province = URIRef(str(ONTOLOGY) + "#ChineseProvince")
    english = next(
        str(o) for o in ontology_graph.objects(province, RDFS.label) if o.language == "en"
    )
    chinese = next(
        str(o) for o in ontology_graph.objects(province, RDFS.label) if o.language == "zh"
    )
    assert f'{english} · <span lang="zh">{chinese}</span>' in html
    assert english + chinese not in html  # the run-together form pyLODE would print


def test_join_bilingual_labels_keeps_single_language_labels():
    graph = Graph()
    both, only = URIRef("urn:x:both"), URIRef("urn:x:only")
    graph.add((both, RDFS.label, Literal("province", lang="en")))
    graph.add((both, RDFS.label, Literal("省", lang="zh")))
    graph.add((only, RDFS.label, Literal("actor", lang="en")))
    joined = docs_gen.join_bilingual_labels(graph)
    assert set(joined.objects(both, RDFS.label)) == {Literal("province · 省", lang="en")}
    assert set(joined.objects(only, RDFS.label)) == {Literal("actor", lang="en")}
    assert len(graph) == 3  # the input is untouched


def test_mark_chinese_leaves_scripts_and_titles_alone():
    html = '<title>本体</title><script>var a = "省";</script><p>province · 省</p>'
    marked = docs_gen.mark_chinese(html)
    assert marked == (
        '<title>本体</title><script>var a = "省";</script>'
        '<p>province · <span lang="zh">省</span></p>'
    )


def test_without_pylode_the_html_is_a_clear_501(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pylode(name, *args, **kwargs):
        if name == "pylode" or name.startswith("pylode."):
            raise ImportError("No module named 'pylode'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pylode)
    with pytest.raises(docs_gen.DocsUnavailable) as caught:
        docs_gen.generate_html(paths.ontology_files(), tmp_path / "doc.html")
    assert caught.value.status == 501
    assert "pylode==3.3.4" in str(caught.value)


@pytest.mark.parametrize("module", ["core", "china"])
def test_module_turtle_is_the_file_as_written(pages_client, module):
    for path in (f"/ontology/{module}", f"/ontology/{module}/0.2.0"):
        response = pages_client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200 and response.mimetype == "text/turtle", path
        assert response.data == paths.ontology_module(module).read_bytes(), path


@pytest.mark.parametrize("module", ["core", "china"])
@pytest.mark.parametrize("rdflib_format", sorted(FORMATS))
def test_module_in_each_format(pages_client, module, rdflib_format):
    media_type, extension = FORMATS[rdflib_format]
    expected = Graph().parse(paths.ontology_module(module), format="turtle")
    for response in (
        pages_client.get(f"/ontology/{module}", headers={"Accept": media_type}),
        pages_client.get(f"/ontology/{module}.{extension}"),
    ):
        assert response.status_code == 200 and response.mimetype == media_type
        assert same_graph(parse_rdf(response.data, rdflib_format), expected)
    html = pages_client.get(f"/ontology/{module}", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and "pyLODE" in html.get_data(as_text=True)


def test_release_0_1_0_is_the_archived_file(pages_client):
    archived = paths.ontology_dir() / "versions" / "0.1.0" / "subdip.ttl"
    response = pages_client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.data == archived.read_bytes()
    old = Graph().parse(archived, format="turtle")
    assert old.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    for rdflib_format, (media_type, _) in FORMATS.items():
        served = pages_client.get("/ontology/0.1.0", headers={"Accept": media_type})
        assert served.mimetype == media_type
        assert same_graph(parse_rdf(served.data, rdflib_format), old)


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (paths.ontology_dir() / "alignments").glob("*.ttl"))
)
def test_alignment_iris_resolve_in_each_format(pages_client, name):
    expected = Graph().parse(paths.ontology_dir() / "alignments" / f"{name}.ttl")
    assert (URIRef(f"{ONTOLOGY}/alignments/{name}"), RDF.type, OWL.Ontology) in expected
    for rdflib_format, (media_type, extension) in FORMATS.items():
        for response in (
            pages_client.get(f"/ontology/alignments/{name}", headers={"Accept": media_type}),
            pages_client.get(f"/ontology/alignments/{name}.{extension}"),
        ):
            assert response.status_code == 200 and response.mimetype == media_type
            served = parse_rdf(response.data, rdflib_format)
            assert same_graph(served, expected)


@pytest.mark.parametrize("rdflib_format", sorted(FORMATS))
def test_ontology_in_each_format(pages_client, ontology_graph, rdflib_format):
    media_type, extension = FORMATS[rdflib_format]
    for response in (
        pages_client.get("/ontology", headers={"Accept": media_type}),
        pages_client.get(f"/ontology.{extension}"),
    ):
        assert response.status_code == 200 and response.mimetype == media_type
        served = parse_rdf(response.data, rdflib_format)
        assert same_graph(served, ontology_graph)


def test_versioned_copy_of_the_current_version(pages_client, ontology_graph):
    version = str(ontology_graph.value(ONTOLOGY, OWL.versionInfo))
    version_iri = ontology_graph.value(ONTOLOGY, OWL.versionIRI)
    assert str(version_iri).endswith("/" + version)
    path = "/ontology/" + version
    turtle = pages_client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert same_graph(Graph().parse(data=turtle.data, format="turtle"), ontology_graph)
    ntriples = pages_client.get(path + ".nt")
    assert ntriples.mimetype == "application/n-triples"
    assert same_graph(Graph().parse(data=ntriples.data, format="nt"), ontology_graph)
    assert pages_client.get(path).mimetype == "text/html"


def test_trailing_slash_redirects_to_the_ontology(pages_client):
    response = pages_client.get("/ontology/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/ontology")


def test_unknown_version_is_404(pages_client):
    response = pages_client.get("/ontology/99.0.0")
    assert response.status_code == 404
    assert "known versions" in response.get_data(as_text=True)


def test_shapes_listing_names_every_node_shape(pages_client, shapes_graph):
    response = pages_client.get("/shapes")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    shapes = set(shapes_graph.subjects(RDF.type, SH.NodeShape))
    shapes.update(shapes_graph.subjects(SH.targetClass, None))
    assert shapes
    for shape in shapes:
        assert f"<code>{shape}</code>" in html
    # each targeted class appears by its prefixed name (the prefixes the shapes files bind)
    for target in set(shapes_graph.objects(None, SH.targetClass)):
        name = shapes_graph.qname(target)
        assert re.search(rf"sh:targetClass {re.escape(name)}\b", html), name


@pytest.mark.parametrize("rdflib_format", sorted(FORMATS))
def test_shapes_in_each_format(pages_client, shapes_graph, rdflib_format):
    media_type, extension = FORMATS[rdflib_format]
    response = pages_client.get(f"/shapes.{extension}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert same_graph(parse_rdf(response.data, rdflib_format), shapes_graph)


@pytest.mark.parametrize("name", ["asserted", "inferred", "links", "ontology"])
def test_graph_iris_resolve_to_their_download(pages_client, name):
    for media_type, extension in (
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
    ):
        response = pages_client.get(f"/graph/{name}", headers={"Accept": media_type})
        assert response.status_code == 303, (name, media_type)
        assert response.headers["Location"].endswith(f"/download/{name}.{extension}")
        assert "Accept" in response.headers["Vary"]
    browser = pages_client.get(f"/graph/{name}", headers={"Accept": "text/html"})
    assert browser.status_code == 303 and browser.headers["Location"].endswith("/download/")


def test_unknown_graph_is_404(pages_client):
    assert pages_client.get("/graph/dataset").status_code == 404
    assert pages_client.get("/graph/nothing").status_code == 404


def test_every_path_the_w3id_rules_produce_is_a_route(pages_app):
    """w3id/.htaccess sends ontology, module, release, alignment, id/ and graph/ IRIs to these."""
    routes = {rule.rule for rule in pages_app.url_map.iter_rules()}
    for needed in (
        "/ontology",
        "/ontology/<path:name>",
        "/id/<path:path>",
        "/graph/<name>",
        "/shapes",
        "/sparql",
        "/void",
        "/",
    ):
        assert needed in routes, (needed, sorted(routes))


def test_the_sssom_mapping_set_is_served(pages_client):
    response = pages_client.get("/ontology/alignments/subdip.sssom.tsv")
    assert response.status_code == 200
    assert response.mimetype == "text/tab-separated-values"
    expected = (paths.ontology_dir() / "alignments" / "subdip.sssom.tsv").read_bytes()
    assert response.data == expected
