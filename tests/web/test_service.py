"""``answer_sparql`` is the one path of a protocol request: the same refusals and answers
whether it is called directly (as the W3C runner does) or through ``/sparql`` GET and POST."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from subdip.errors import QueryRejected
from subdip.sparql.formats import NotAcceptable
from subdip.sparql.guard import GuardLimits
from subdip.sparql.service import QuerySettings, answer_sparql, prepare

ID = "https://w3id.org/subdip/id/"


@pytest.fixture
def settings() -> QuerySettings:
    return QuerySettings(limits=GuardLimits(), timeout=10.0, max_result_bytes=1_000_000)


def test_direct_call_and_both_methods_give_the_same_bytes(client, shared_backend, settings):
    query = f"SELECT ?p ?o WHERE {{ <{ID}hainan> ?p ?o }} ORDER BY ?p ?o"
    direct = answer_sparql(
        "GET",
        b"query=" + quote(query).encode(),
        None,
        b"",
        None,
        backend=shared_backend,
        settings=settings,
    )
    assert direct is not None and direct.content_type == "application/sparql-results+json"
    assert json.loads(direct.body)["results"]["bindings"]  # Hainan has statements
    got = client.get("/sparql?query=" + quote(query))
    posted = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert got.data == posted.data == direct.body


def test_no_parameters_means_the_service_description(shared_backend, settings):
    assert (
        answer_sparql("GET", b"", None, b"", None, backend=shared_backend, settings=settings)
        is None
    )


def test_parameters_without_query_are_a_400_that_says_so(client):
    response = client.get("/sparql?foo=bar", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "'query' parameter is missing" in text and "foo" in text


def test_refusals_happen_before_the_engine(settings):
    class NoEngine:
        def query(self, *args, **kwargs):  # pragma: no cover - must not be reached
            raise AssertionError("the engine was asked")

    with pytest.raises(QueryRejected):
        answer_sparql(
            "GET",
            b"query=" + quote("SELECT * { SERVICE <http://x.org/> { ?s ?p ?o } }").encode(),
            None,
            b"",
            None,
            backend=NoEngine(),
            settings=settings,
        )  # type: ignore[arg-type]
    with pytest.raises(NotAcceptable):
        answer_sparql(
            "GET", b"query=ASK%7B%7D", None, b"", "image/png", backend=NoEngine(), settings=settings
        )  # type: ignore[arg-type]


def test_the_cache_key_ignores_how_the_query_was_encoded(settings):
    a = prepare("GET", b"query=ASK+%7B%7D", None, b"", None, settings.limits)
    b = prepare("POST", b"", "application/sparql-query", b"ASK {}", None, settings.limits)
    c = prepare("GET", b"query=ASK+%7B%7D", None, b"", "text/csv", settings.limits)
    assert a is not None and b is not None and c is not None
    assert a.cache_key == b.cache_key
    assert a.cache_key != c.cache_key  # another negotiated format is another answer
