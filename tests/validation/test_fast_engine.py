"""The fast SHACL engine (``subdip.shacl_fast``) gives pySHACL's results, result for result.

pySHACL is the reference: every comparison runs both engines on the same graph and compares
the full results (focus node, path, constraint component, value, source shape, severity and
message). The graphs are every case of tests/cases/manifest.json, the shipped data, a
generated graph (bench/generate.py) with violations injected, and small hand-written shapes for
the SHACL constructs the shipped shapes do not use yet.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from validation_cases import CASES, load_manifest

from subdip import shacl_fast
from subdip.loading import data_files, link_files, load_graph
from subdip.namespaces import ID, SUBDIP
from subdip.validation import ValidationResult, _to_ox, validate, validate_store

SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
EX = Namespace("http://example.org/")
MANIFEST = load_manifest()
CASE_FILES = sorted(
    {c["valid"] for c in MANIFEST["cases"]} | {c["invalid"] for c in MANIFEST["cases"]}
)
BENCH = Path(__file__).resolve().parents[2] / "bench"


def _full(result: ValidationResult, messages: bool) -> set[tuple]:
    return {
        (r.focus, r.path, r.constraint, r.value, r.source_shape, r.severity, r.line)
        + ((r.message,) if messages else ())
        for r in result.results
    }


def _assert_same(
    reference: ValidationResult, fast: ValidationResult, what: str, *, messages: bool = True
) -> None:
    """Same results; ``messages=False`` for shapes without sh:message, where pySHACL makes up
    its own text (the shipped shapes all carry one: test_cases.py checks it)."""
    ref, got = _full(reference, messages), _full(fast, messages)
    only_ref, only_fast = ref - got, got - ref
    assert not only_ref and not only_fast, (
        f"{what}: only pySHACL {sorted(only_ref, key=str)}; only fast {sorted(only_fast, key=str)}"
    )
    assert reference.conforms == fast.conforms, what


# --- every case of the manifest ------------------------------------------------------------------


@pytest.mark.parametrize("case_file", CASE_FILES)
def test_fast_engine_gives_pyshacl_results_on_every_case(
    case_file: str, run_case, ontology: Graph, shapes: Graph
) -> None:
    reference = run_case(case_file)  # pySHACL (small graph), cached for the session
    loaded = load_graph([CASES / MANIFEST["base"], CASES / case_file])
    fast = validate(
        loaded.graph, ontology=ontology, shapes=shapes, locate=loaded.locate, engine="fast"
    )
    _assert_same(reference, fast, case_file)


def test_fast_engine_on_the_shipped_data(ontology: Graph, shapes: Graph) -> None:
    loaded = load_graph(data_files() + link_files())
    fast = validate(loaded.graph, ontology=ontology, shapes=shapes, engine="fast")
    assert fast.conforms, fast.text()
    reference = validate(loaded.graph, ontology=ontology, shapes=shapes, engine="pyshacl")
    _assert_same(reference, fast, "shipped data")


def test_fast_report_reads_like_pyshacl_report(run_case, ontology: Graph, shapes: Graph) -> None:
    """The text and JSON reports are those of the reference (same results, same order)."""
    case_file = next(c["invalid"] for c in MANIFEST["cases"] if len(c["expect"]) > 1)
    loaded = load_graph([CASES / MANIFEST["base"], CASES / case_file])
    fast = validate(
        loaded.graph, ontology=ontology, shapes=shapes, locate=loaded.locate, engine="fast"
    )
    reference = run_case(case_file)
    assert fast.text() == reference.text()
    assert fast.as_json() == reference.as_json()
    assert (None, SH.conforms, Literal(False)) in fast.report_graph


# --- a generated graph with violations injected ----------------------------------------------


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("subdip_bench_generate_v", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _first(graph: Graph, predicate: URIRef, obj: URIRef | None = None) -> URIRef:
    return sorted(s for s in graph.subjects(predicate, obj) if isinstance(s, URIRef))[0]


def _rename(graph: Graph, old: URIRef, new: URIRef) -> None:
    for s, p, o in list(graph.triples((old, None, None))):
        graph.remove((s, p, o))
        graph.add((new, p, o))
    for s, p, o in list(graph.triples((None, None, old))):
        graph.remove((s, p, o))
        graph.add((s, p, new))


def _inject(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    """Break the graph in known ways; return the (focus node, component) pairs that must be
    reported (others may follow from the same breakage)."""
    expected: set[tuple[URIRef, URIRef]] = set()
    # a required property dropped: a local government without its source
    gov = _first(graph, RDF.type, SUBDIP.Province)  # the generator writes 0.1.0 names
    graph.remove((gov, DCTERMS.source, None))
    expected.add((gov, SH.MinCountConstraintComponent))
    # a label in a language the shapes do not allow, and a second English label
    graph.add((gov, RDFS.label, Literal("Province synthétique", lang="fr")))
    graph.add((gov, RDFS.label, Literal("Another English name", lang="en")))
    expected |= {(gov, SH.LanguageInConstraintComponent), (gov, SH.UniqueLangConstraintComponent)}
    # a value of the wrong class: a firm owned by a publication
    owner, firm = sorted(graph.subject_objects(SUBDIP.owns))[0]
    publication = _first(graph, RDF.type, SUBDIP.Publication)
    graph.add((publication, SUBDIP.owns, firm))
    expected.add((publication, SH.ClassConstraintComponent))
    # a sister-city agreement with a third party (at most two)
    agreement = _first(graph, RDF.type, SUBDIP.SisterCityAgreement)
    graph.add((owner, SUBDIP.partyTo, agreement))
    expected.add((agreement, SH.MaxCountConstraintComponent))
    # a publication date that is a plain string
    dated = _first(graph, DCTERMS.date)
    graph.set((dated, DCTERMS.date, Literal("sometime in 2010")))
    # a claim number below 1, and one that is not an integer at all
    claims = sorted(graph.subjects(RDF.type, SUBDIP.Claim))
    graph.add((claims[0], SUBDIP.claimNumber, Literal(0)))
    graph.add((claims[1], SUBDIP.claimNumber, Literal("seven", datatype=XSD.integer)))
    expected |= {
        (claims[0], SH.MinInclusiveConstraintComponent),
        (claims[1], SH.DatatypeConstraintComponent),
    }
    # a resource IRI outside the readable-slug pattern
    firm_iri = URIRef(str(firm).replace("firm-", "Firm_No."))
    _rename(graph, firm, firm_iri)
    expected.add((firm_iri, SH.PatternConstraintComponent))
    # a strategy from the wrong scheme (sh:node)
    use = _first(graph, RDF.type, SUBDIP.StrategyUse)
    strategy = graph.value(use, SUBDIP.strategy)
    graph.set((strategy, SKOS.inScheme, ID["scheme/roles"]))
    expected.add((use, SH.NodeConstraintComponent))
    # an untyped resource that is still used as a source
    graph.add((claims[2], DCTERMS.source, ID["pub/not-described"]))
    expected.add((ID["pub/not-described"], SH.ClassConstraintComponent))
    return expected


@pytest.fixture(scope="session")
def broken_generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, set]:
    out = tmp_path_factory.mktemp("fast-shacl") / "synth.nt"
    _load_generator().generate(10_000, out, seed=11)
    graph = Graph().parse(out, format="nt")
    return graph, _inject(graph)


@pytest.mark.slow
def test_generated_graph_conforms_under_the_fast_engine(
    tmp_path_factory: pytest.TempPathFactory, ontology: Graph, shapes: Graph
) -> None:
    out = tmp_path_factory.mktemp("fast-shacl-clean") / "synth.nt"
    _load_generator().generate(10_000, out, seed=11)
    graph = Graph().parse(out, format="nt")
    result = validate(graph, ontology=ontology, shapes=shapes, engine="fast")
    assert result.conforms, result.text()


@pytest.mark.slow
def test_fast_engine_finds_injected_violations_as_pyshacl_does(
    broken_generated: tuple[Graph, set], ontology: Graph, shapes: Graph
) -> None:
    graph, expected = broken_generated
    fast = validate(graph, ontology=ontology, shapes=shapes, engine="fast")
    report = fast.report_graph
    found = {
        (report.value(r, SH.focusNode), report.value(r, SH.sourceConstraintComponent))
        for r in report.objects(None, SH.result)
    }
    assert expected <= found, sorted(expected - found, key=str)
    reference = validate(graph, ontology=ontology, shapes=shapes, engine="pyshacl")
    _assert_same(reference, fast, "generated graph with injected violations")


# --- SHACL constructs the shipped shapes do not use (yet) --------------------------------------

EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .

ex:Person a rdfs:Class , sh:NodeShape ;                      # implicit class target
    sh:property [ sh:path ex:name ; sh:minCount 2 ; sh:maxCount 3 ; sh:minLength 2 ] ,
        [ sh:path ( ex:knows ex:name ) ; sh:maxLength 5 ] ,   # sequence path
        [ sh:path [ sh:inversePath ex:knows ] ; sh:class ex:Person ] ,
        [ sh:path ex:age ; sh:datatype xsd:integer ; sh:maxExclusive 150 ; sh:minInclusive 0 ] ,
        [ sh:path ex:knows ; sh:qualifiedValueShape [ sh:class ex:Person ] ;
          sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 3 ] .

ex:BobShape a sh:NodeShape ;
    sh:targetNode ex:bob ;
    sh:xone ( [ sh:class ex:Person ] [ sh:hasValue ex:bob ] ) ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:pattern "^http://EXAMPLE" ; sh:flags "i" ] ) .

ex:TaggedShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:tag ;
    sh:property [ sh:path ex:tag ; sh:languageIn ( "*" ) ; sh:in ( "a"@en "b"@de ) ] ,
        [ sh:path [ sh:alternativePath ( ex:tag [ sh:zeroOrMorePath ex:next ] ) ] ;
          sh:nodeKind sh:BlankNodeOrLiteral ; sh:severity sh:Warning ] .
"""

EXTRA_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Student rdfs:subClassOf ex:Person .
ex:ann a ex:Student ; ex:name "Ann" ; ex:age 200 ; ex:knows ex:bob , ex:cy , ex:dee .
ex:bob a ex:Person ; ex:name "Bob" , "Bobby" , "Robert" , "R" ; ex:age "x"^^xsd:integer ;
    ex:knows ex:ann , ex:cy , ex:dee , ex:eve , ex:fay .
ex:cy a ex:Person ; ex:name "Cyrille the Great" , "C" ; ex:age -1 ; ex:knows ex:bob .
ex:dee a ex:Person ; ex:knows ex:ann , ex:bob , ex:cy .
ex:eve ex:knows ex:ann . ex:fay a ex:Person , ex:Student ; ex:name "Fay" , "Faye" .
ex:box ex:tag "a"@en , "b"@en , "c" , 3 ; ex:next _:n1 . _:n1 ex:next ex:end .
ex:eve ex:tag "b"@de .
"""


@pytest.fixture(scope="module")
def extra() -> tuple[Graph, Graph]:
    prefix = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    return Graph().parse(data=EXTRA_SHAPES, format="turtle"), Graph().parse(
        data=prefix + EXTRA_DATA, format="turtle"
    )


def test_constructs_beyond_the_shipped_shapes_agree(extra: tuple[Graph, Graph]) -> None:
    shapes, data = extra
    reference = validate(data, ontology=Graph(), shapes=shapes, engine="pyshacl")
    fast = validate(data, ontology=Graph(), shapes=shapes, engine="fast")
    components = {r.constraint for r in fast.results}
    # the hand-written data breaks each of these (so the comparison is not vacuous)
    assert {
        "sh:MinCountConstraintComponent",
        "sh:MaxCountConstraintComponent",
        "sh:MaxLengthConstraintComponent",
        "sh:ClassConstraintComponent",
        "sh:DatatypeConstraintComponent",
        "sh:MaxExclusiveConstraintComponent",
        "sh:MinInclusiveConstraintComponent",
        "sh:QualifiedMaxCountConstraintComponent",
        "sh:QualifiedMinCountConstraintComponent",
        "sh:XoneConstraintComponent",
        "sh:InConstraintComponent",
        "sh:LanguageInConstraintComponent",
        "sh:NodeKindConstraintComponent",
    } <= components, components
    _assert_same(reference, fast, "hand-written shapes", messages=False)


# --- refusing what it cannot compile; choosing the engine ---------------------------------------

UNSUPPORTED = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:equals ex:label ] .
"""


def test_fast_engine_refuses_a_construct_it_does_not_compile(extra: tuple[Graph, Graph]) -> None:
    shapes = Graph().parse(data=UNSUPPORTED, format="turtle")
    with pytest.raises(shacl_fast.UnsupportedShape, match="equals"):
        validate(extra[1], ontology=Graph(), shapes=shapes, engine="fast")


def test_auto_falls_back_to_pyshacl_on_an_unsupported_construct(
    extra: tuple[Graph, Graph], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subdip.validation as validation

    monkeypatch.setattr(validation, "FAST_THRESHOLD", 1)
    shapes = Graph().parse(data=UNSUPPORTED, format="turtle")
    result = validate(extra[1], ontology=Graph(), shapes=shapes, engine="auto")
    assert {r.constraint for r in result.results} == {"sh:EqualsConstraintComponent"}


def test_auto_uses_the_fast_engine_above_the_threshold(
    extra: tuple[Graph, Graph], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subdip.validation as validation

    calls: list[int] = []
    original: Callable = shacl_fast.compile_checks

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(shacl_fast, "compile_checks", spy)
    shapes, data = extra
    validate(data, ontology=Graph(), shapes=shapes, engine="auto")
    assert not calls  # a few triples: the reference engine
    monkeypatch.setattr(validation, "FAST_THRESHOLD", len(data))
    validate(data, ontology=Graph(), shapes=shapes, engine="auto")
    assert calls


def test_unknown_engine_is_refused(extra: tuple[Graph, Graph]) -> None:
    with pytest.raises(ValueError, match="engine"):
        validate(extra[1], ontology=Graph(), shapes=extra[0], engine="turbo")


# --- validating a graph already in Oxigraph (the large-build path) ------------------------------


@pytest.mark.slow
def test_validate_store_gives_the_results_of_validate(
    broken_generated: tuple[Graph, set], ontology: Graph, shapes: Graph
) -> None:
    graph, _injected = broken_generated
    store = ox.Store()
    data = ox.NamedNode("urn:x-test:data")
    store.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), data) for s, p, o in graph)
    store.add(
        ox.Quad(
            ox.NamedNode(str(EX.other)),
            ox.NamedNode(str(RDF.type)),
            ox.NamedNode(str(SUBDIP.Claim)),
        )
    )
    before = sorted(map(str, store))
    in_store = validate_store(store, data, ontology=ontology, shapes=shapes)
    assert sorted(map(str, store)) == before  # the ontology mixed in for the check is gone
    in_memory = validate(graph, ontology=ontology, shapes=shapes, engine="fast")
    assert not in_store.conforms
    _assert_same(in_memory, in_store, "validate_store")
    assert EX.other not in {r.focus for r in in_store.results}  # other graphs are not data


def test_cli_engine_flag_gives_the_same_report(capsys: pytest.CaptureFixture[str]) -> None:
    from subdip import cli

    case = [str(CASES / MANIFEST["base"]), str(CASES / "invalid/territory-actor.ttl")]
    reports = {}
    for engine in ("pyshacl", "fast"):
        code = cli.main(["validate", "--engine", engine, "--format", "json", *case])
        assert code == 1, engine
        reports[engine] = capsys.readouterr().out
    assert reports["fast"] == reports["pyshacl"]
    assert "sh:NotConstraintComponent" in reports["fast"]
