"""``SELECT *`` answers with its columns in the order the query first names the variables (the
engine alone would sort them alphabetically), in every format; the solutions are unchanged."""

from __future__ import annotations

import json


def test_columns_follow_the_query(client) -> None:
    query = "SELECT * WHERE { ?zebra ?alpha ?middle } LIMIT 3"
    csv = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert csv.status_code == 200
    assert csv.data.split(b"\r\n", 1)[0] == b"zebra,alpha,middle"
    tsv = client.get("/sparql", query_string={"query": query, "format": "tsv"})
    assert tsv.data.split(b"\n", 1)[0] == b"?zebra\t?alpha\t?middle"
    doc = json.loads(client.get("/sparql", query_string={"query": query}).data)
    assert doc["head"]["vars"] == ["zebra", "alpha", "middle"]
    explicit = json.loads(
        client.get(
            "/sparql", query_string={"query": query.replace("*", "?alpha ?middle ?zebra")}
        ).data
    )
    assert doc["results"] == explicit["results"]


def test_a_subquery_star_and_escapes_are_left_alone(client) -> None:
    doc = json.loads(
        client.get(
            "/sparql",
            query_string={"query": "SELECT ?b ?a WHERE { { SELECT * { ?b ?x ?a } LIMIT 1 } }"},
        ).data
    )
    assert doc["head"]["vars"] == ["b", "a"]
    escaped = json.loads(
        client.get(
            "/sparql",
            query_string={"query": "SELECT * WHERE { ?z ?a ?m FILTER(?m != '\\u0041') } LIMIT 1"},
        ).data
    )
    assert sorted(escaped["head"]["vars"]) == ["a", "m", "z"]
