"""A query the engine cannot survive, shared by the tests that show it is contained."""

from __future__ import annotations

XSD = "http://www.w3.org/2001/XMLSchema#"

#: 48 literals of the W3C SPARQL 1.1 test data (numbers of four types, dates, date-times,
#: tagged and plain strings). ORDER BY over them makes pyoxigraph 0.5 panic ("user-provided
#: comparison function does not correctly implement a total order") and abort the process;
#: with any one of them left out, it sorts them.
UNORDERABLE_VALUES = [
    '"4,4"',
    '"100%"',
    f'"5"^^<{XSD}decimal>',
    '"c"',
    f'"3"^^<{XSD}integer>',
    '"2002-10-10T17:00:00Z"',
    '"bar"@en',
    f'"3"^^<{XSD}decimal>',
    '"2"',
    f'"1"^^<{XSD}float>',
    '"alice@example.org"',
    '"Eve"',
    '"français"@fr',
    '"食べ物"',
    f'"2"^^<{XSD}decimal>',
    '"John"',
    '"Bagel"',
    '"true"',
    '"a"',
    f'"1"^^<{XSD}decimal>',
    f'"1"^^<{XSD}integer>',
    f'"2010-01-15"^^<{XSD}date>',
    f'"0"^^<{XSD}decimal>',
    f'"23"^^<{XSD}integer>',
    f'"-1"^^<{XSD}decimal>',
    '"Sandwich"',
    f'"0"^^<{XSD}integer>',
    f'"2010-06-21T11:28:01Z"^^<{XSD}dateTime>',
    '"DEF"',
    '"Ben"',
    '"Alice"',
    '"bb"',
    '"+33.3300"',
    '"false"',
    '"1E0"',
    '"日本語"@ja',
    '"Pasta"',
    f'"1.1"^^<{XSD}decimal>',
    f'"-1.6"^^<{XSD}decimal>',
    '"Bob"',
    '"-10.2E3"',
    f'"2010-01-10"^^<{XSD}date>',
    f'"-3"^^<{XSD}integer>',
    f'"100"^^<{XSD}double>',
    f'"8"^^<{XSD}integer>',
    '"not a double"',
    f'"1.25"^^<{XSD}float>',
    f'"-7.875"^^<{XSD}float>',
]
UNORDERABLE_QUERY = (
    "SELECT ?x WHERE { VALUES ?x { " + " ".join(UNORDERABLE_VALUES) + " } } ORDER BY ?x"
)
