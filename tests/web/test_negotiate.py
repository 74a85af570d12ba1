"""Accept header parsing and format choice (RFC 9110 rules: q-values, wildcards, specificity)."""

from __future__ import annotations

import pytest

from subdip.sparql.formats import GRAPH_FORMATS, SOLUTION_FORMATS, NotAcceptable
from subdip.sparql.negotiate import choose, negotiate, parse_accept, weight


def test_parse_accept_reads_ranges_params_and_weights():
    ranges = parse_accept('text/csv;q=0.5;header=present, application/*;q=0.2, */*;q="0.1"')
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "csv", 0.5),
        ("application", "*", 0.2),
        ("*", "*", 0.1),
    ]
    assert ranges[0].params == (("header", "present"),)


@pytest.mark.parametrize("bad", ["text", "/csv", "*/csv", "text/csv;q=2", "text/csv;q=x"])
def test_malformed_ranges_are_skipped(bad):
    assert parse_accept(bad + ", text/tab-separated-values") == parse_accept(
        "text/tab-separated-values"
    )


def test_most_specific_range_decides():
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0.9, */*;q=0.1")
    assert weight(ranges, "text/csv") == 0.9
    assert weight(ranges, "text/tab-separated-values") == 0.3
    assert weight(ranges, "application/sparql-results+json") == 0.1


def test_q_zero_excludes_even_under_a_wildcard():
    best = choose("*/*, application/sparql-results+json;q=0", SOLUTION_FORMATS)
    assert best is not None and best.name == "xml"


def test_ties_go_to_the_server_preference():
    assert choose("*/*", SOLUTION_FORMATS).name == "json"
    assert choose("*/*", GRAPH_FORMATS).name == "turtle"
    assert choose(None, GRAPH_FORMATS).name == "turtle"


def test_charset_other_than_utf8_is_not_offered():
    assert choose("text/csv;charset=latin1", SOLUTION_FORMATS) is None
    assert choose("text/csv;charset=UTF-8", SOLUTION_FORMATS).name == "csv"


def test_format_parameter_overrides_accept():
    choice = negotiate("text/csv", "json")
    assert (choice.solutions, choice.graph) == ("json", "jsonld")
    choice = negotiate(None, "TTL")
    assert (choice.solutions, choice.graph) == (None, "turtle")
    with pytest.raises(NotAcceptable):
        choice.for_family("solutions")


def test_unknown_format_parameter():
    with pytest.raises(NotAcceptable, match="unknown result format"):
        negotiate(None, "yaml")
