"""Every shape has a valid and an invalid case (tests/cases/manifest.json); each invalid case
raises exactly the results the manifest lists, and nothing else."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from validation_cases import CASES, load_manifest

from subdip.loading import load_graph
from subdip.validation import ValidationResult, validate

SH = Namespace("http://www.w3.org/ns/shacl#")
SUBDIPSH = Namespace("https://w3id.org/subdip/shapes#")
MANIFEST = load_manifest()
CASE_IDS = [case["id"] for case in MANIFEST["cases"]]
VALID_FILES = sorted({case["valid"] for case in MANIFEST["cases"]})


def _violations(result: ValidationResult) -> set[tuple[str, str | None, str]]:
    return {(r.focus, r.path, r.constraint) for r in result.results if r.severity == "Violation"}


def test_base_fixture_conforms(ontology, shapes) -> None:
    loaded = load_graph([CASES / MANIFEST["base"]])
    result = validate(loaded.graph, ontology=ontology, shapes=shapes)
    assert result.conforms, result.text()


@pytest.mark.parametrize("valid_file", VALID_FILES)
def test_valid_case_conforms(valid_file: str, run_case) -> None:
    result = run_case(valid_file)
    assert result.conforms, f"{valid_file} should conform:\n{result.text()}"


@pytest.mark.parametrize("case", MANIFEST["cases"], ids=CASE_IDS)
def test_invalid_case_raises_exactly_the_expected_results(case: dict, run_case) -> None:
    result = run_case(case["invalid"])
    report = result.text()
    assert not result.conforms, f"{case['invalid']} should not conform:\n{report}"
    expected = {(x["focus"], x["path"], x["component"]) for x in case["expect"]}
    assert _violations(result) == expected, f"{case['invalid']}:\n{report}"
    for expectation in case["expect"]:
        matching = [
            r
            for r in result.results
            if (r.focus, r.path, r.constraint)
            == (expectation["focus"], expectation["path"], expectation["component"])
        ]
        assert any(expectation["message"] in r.message for r in matching), (
            f"{case['invalid']}: no message containing {expectation['message']!r}:\n{report}"
        )


def _family(shapes: Graph, name: str) -> set[str]:
    """A shape and its property shapes (a node shape's results come from them)."""
    node = URIRef(name.replace("subdipsh:", str(SUBDIPSH)))
    members = {node, *shapes.objects(node, SH.property)}
    return {
        "subdipsh:" + str(m).split("#", 1)[1] for m in members if str(m).startswith(str(SUBDIPSH))
    }


@pytest.mark.parametrize("case", MANIFEST["cases"], ids=CASE_IDS)
def test_invalid_case_exercises_its_shape(case: dict, run_case, shapes) -> None:
    result = run_case(case["invalid"])
    hit = {r.source_shape for r in result.results}
    assert hit & _family(shapes, case["shape"]), (
        f"{case['invalid']} does not exercise {case['shape']}:\n{result.text()}"
    )


def test_every_named_shape_has_a_case(shapes) -> None:
    """A shape added without a case fails here (relation usage shapes have their own test)."""
    named: set[str] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            if isinstance(shape, URIRef) and str(shape).startswith(str(SUBDIPSH)):
                local = str(shape).split("#", 1)[1]
                if not local.endswith(("Usage", "Value")):
                    named.add("subdipsh:" + local)
    covered: set[str] = set()
    for case in MANIFEST["cases"]:
        covered |= _family(shapes, case["shape"])
    # a node shape is covered when one of its property shapes has a case
    for name in named:
        if _family(shapes, name) & {case["shape"] for case in MANIFEST["cases"]}:
            covered.add(name)
    helpers = {  # parts of other shapes (sh:node, sh:or), exercised through them
        "subdipsh:InStrategiesScheme",
        "subdipsh:InRolesScheme",
        "subdipsh:HasChineseLocalParty",
        "subdipsh:HasOnlyForeignParties",
    }
    missing = sorted(named - covered - helpers)
    assert not missing, f"shapes without an invalid case in tests/cases/manifest.json: {missing}"


SPARQL_CASES = [case for case in MANIFEST["cases"] if "SPARQL" in case["expect"][0]["component"]]


@pytest.mark.parametrize("case", SPARQL_CASES, ids=[c["id"] for c in SPARQL_CASES])
def test_global_rules_agree_with_pyshacl(case: dict, run_case) -> None:
    """The fast path (global SPARQL on pyoxigraph) gives pySHACL's own results."""
    fast = run_case(case["invalid"], "oxigraph")
    reference = run_case(case["invalid"], "pyshacl")
    assert _violations(fast) == _violations(reference), (
        f"oxigraph:\n{fast.text()}\npyshacl:\n{reference.text()}"
    )


CONSTRAINT_PARAMETERS = {
    SH[name]
    for name in [
        "class",
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "minInclusive",
        "maxInclusive",
        "pattern",
        "languageIn",
        "uniqueLang",
        "in",
        "hasValue",
        "node",
        "not",
        "or",
        "and",
        "xone",
        "qualifiedValueShape",
        "sparql",
    ]
}


def test_every_constraint_has_a_message_for_people(shapes) -> None:
    """A shape with its own constraints carries sh:message (helpers used inside sh:node, sh:or or
    sh:qualifiedValueShape report through the shape that uses them)."""
    used_inside = set()
    for parameter in (SH.node, SH.qualifiedValueShape, SH["not"]):
        used_inside |= set(shapes.objects(None, parameter))
    for parameter in (SH["or"], SH["and"], SH.xone):
        for members in shapes.objects(None, parameter):
            used_inside |= set(Collection(shapes, members))
    for helper in list(used_inside):  # and the property shapes of those helpers
        used_inside |= set(shapes.objects(helper, SH.property))
    silent = []
    for shape in (
        set(shapes.subjects(RDF.type, SH.NodeShape))
        | set(shapes.subjects(RDF.type, SH.PropertyShape))
        | set(shapes.objects(None, SH.property))
    ):
        if shape in used_inside or not CONSTRAINT_PARAMETERS & set(shapes.predicates(shape)):
            continue
        sparql = list(shapes.objects(shape, SH.sparql))
        if sparql and all(shapes.value(c, SH.message) for c in sparql):
            continue
        if shapes.value(shape, SH.message) is None:
            silent.append(str(shape))
    assert not silent, f"shapes without sh:message: {sorted(silent)}"


RULE_VALID_FILES = ["valid/agreement.ttl", "valid/approvals.ttl", "valid/claim.ttl"]


@pytest.mark.parametrize("valid_file", RULE_VALID_FILES)
def test_global_rules_agree_with_pyshacl_on_valid_data(valid_file: str, run_case) -> None:
    """No false positive on either path: the valid files that exercise the rules conform."""
    reference = run_case(valid_file, "pyshacl")
    assert reference.conforms, reference.text()
    assert run_case(valid_file, "oxigraph").conforms
