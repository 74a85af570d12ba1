"""The notebook API: ``subdip.open()`` on a built dataset, ``.query()``, ``.to_dataframe()``.

On the pages fixture (facts from ../shared/facts: Sansha 三沙市 under Hainan 海南省, claim 33).
"""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import pandas
import pytest
from conftest_pages import ID, SUBDIP, pages_build  # noqa: F401  (fixtures)

import subdip
from subdip.errors import QueryError
from subdip.notebook import NotebookError, Rows

LABELS = (
    f"SELECT ?r ?label WHERE {{ VALUES ?r {{ <{ID}hainan> <{ID}sansha> }} "
    "?r <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?r ?label"
)


def test_query_returns_rows_of_python_values(pages_build):
    with subdip.open(pages_build) as ds:
        rows = ds.query(LABELS)
        number = ds.query(f"SELECT ?n WHERE {{ ?c <{SUBDIP}claimNumber> ?n }}")
    assert isinstance(rows, Rows) and rows.variables == ["r", "label"]
    assert {(r["r"], r["label"]) for r in rows} == {
        (ID + "hainan", "Hainan"),
        (ID + "hainan", "海南省"),
        (ID + "sansha", "Sansha"),
        (ID + "sansha", "三沙市"),
    }
    assert [r["n"] for r in number] == [33]  # an xsd:integer comes back as an int


def test_to_dataframe_has_one_column_per_variable(pages_build):
    with subdip.open(pages_build) as ds:
        frame = ds.query(LABELS).to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["r", "label"] and len(frame) == 4
    assert set(frame[frame["r"] == ID + "sansha"]["label"]) == {"Sansha", "三沙市"}


def test_ask_and_construct(pages_build):
    with subdip.open(pages_build) as ds:
        assert ds.query(f"ASK {{ <{ID}sansha> <{SUBDIP}subordinateTo> <{ID}hainan> }}") is True
        triples = ds.query(
            f"CONSTRUCT {{ ?a <{SUBDIP}subordinateTo> ?b }} "
            f"WHERE {{ ?a <{SUBDIP}subordinateTo> ?b }}"
        )
    assert triples == [(ID + "sansha", SUBDIP + "subordinateTo", ID + "hainan")]


def test_read_only_and_clear_errors(pages_build, tmp_path):
    with subdip.open(pages_build) as ds:
        with pytest.raises(QueryError):
            ds.query(f"INSERT DATA {{ <{ID}x> <{ID}y> <{ID}z> }}")
        with pytest.raises(QueryError, match="line 1"):
            ds.query("SELECT ?x WHERE { ?x ")
        assert ds.query(f"ASK {{ <{ID}x> ?p ?o }}") is False
    with pytest.raises(NotebookError, match="no built dataset") as err:
        subdip.open(tmp_path)
    assert "subdip build" in (err.value.hint or "")
