"""loading.py: one merged graph, a source map to file:line, and the files it picks up."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from subdip import paths
from subdip.errors import LoadError
from subdip.loading import data_files, link_files, load_graph

EX = "https://example.org/"
TEXT = """@prefix ex: <https://example.org/> .
# a comment
ex:a ex:p ex:b ;
    ex:q [ ex:r 1 ] .

<https://example.org/c> ex:p ex:a .
ex:b
    ex:p ex:c .
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.ttl"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_locate_points_at_the_line_where_a_subject_is_written(sample: Path) -> None:
    loaded = load_graph([sample])
    expected = {"a": 3, "c": 6, "b": 7}
    for local, line in expected.items():
        where = loaded.locate(URIRef(EX + local))
        assert where is not None and (where.file, where.line) == (sample, line), local


def test_a_blank_node_is_located_at_the_subject_that_holds_it(sample: Path) -> None:
    loaded = load_graph([sample])
    inner = loaded.graph.value(URIRef(EX + "a"), URIRef(EX + "q"))
    where = loaded.locate(inner)
    assert where is not None and where.line == 3


def test_an_unknown_node_has_no_location(sample: Path) -> None:
    assert load_graph([sample]).locate(URIRef(EX + "nowhere")) is None


def test_files_are_merged_and_the_first_definition_wins(sample: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.nt"
    other.write_text(f"<{EX}a> <{EX}p> <{EX}d> .\n<{EX}e> <{EX}p> <{EX}a> .\n", encoding="utf-8")
    loaded = load_graph([sample, other])
    assert loaded.files == [sample, other]
    assert len(loaded.graph) == 7  # five triples in sample.ttl, two in other.nt
    assert loaded.locate(URIRef(EX + "a")).file == sample
    assert loaded.locate(URIRef(EX + "e")).file == other


def test_a_folder_is_searched_recursively(tmp_path: Path, sample: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.ttl").write_text(TEXT, encoding="utf-8")
    (tmp_path / "readme.md").write_text("not RDF", encoding="utf-8")
    assert sorted(p.name for p in load_graph([tmp_path]).files) == ["more.ttl", "sample.ttl"]


def test_nt_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}a> <{EX}p> .\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_graph([path])
    assert str(caught.value).startswith(f"{path}:2:1: malformed nt")


def test_shipped_data_files_exclude_the_links() -> None:
    files = data_files()
    assert files, "the shipped data/ holds no Turtle file"
    links = paths.data_dir() / "links"
    assert not any(links in f.parents for f in files)
    assert all(links in f.parents for f in link_files())


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    loaded = load_graph([path])
    assert len(loaded.graph) == 5
    assert loaded.locate(URIRef(EX + "a")).line == 3


def test_the_file_that_types_a_node_is_its_definition(tmp_path: Path) -> None:
    early = tmp_path / "a-links.ttl"  # sorts first, but only mentions ex:a
    early.write_text(f"@prefix ex: <{EX}> .\nex:a ex:sameAs ex:z .\n", encoding="utf-8")
    late = tmp_path / "b-data.ttl"
    late.write_text(f"@prefix ex: <{EX}> .\n\nex:a a ex:Thing .\n", encoding="utf-8")
    where = load_graph([tmp_path]).locate(URIRef(EX + "a"))
    assert where is not None and (where.file, where.line) == (late, 3)


def test_trig_and_nquads_are_merged_into_one_graph(tmp_path: Path) -> None:
    trig = tmp_path / "named.trig"
    trig.write_text(
        f"@prefix ex: <{EX}> .\nex:g {{ ex:a ex:p ex:b . }}\nex:c ex:p ex:d .\n", encoding="utf-8"
    )
    quads = tmp_path / "quads.nq"
    quads.write_text(f"<{EX}e> <{EX}p> <{EX}f> <{EX}g2> .\n", encoding="utf-8")
    loaded = load_graph([trig, quads])
    assert len(loaded.graph) == 3
    assert (URIRef(EX + "e"), URIRef(EX + "p"), URIRef(EX + "f")) in loaded.graph
