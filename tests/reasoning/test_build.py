"""build(): the artefact, its cache, its atomic replacement, and the build/explain commands."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from subdip import paths, progress
from subdip.build import build
from subdip.cli import main
from subdip.errors import BuildError, NotConformingError, UsageError
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY, SUBDIP
from subdip.store import artefact_ready, graph_from_store, open_store, read_report

GRAPHS = {
    "ontology": GRAPH_ONTOLOGY,
    "asserted": GRAPH_ASSERTED,
    "inferred": GRAPH_INFERRED,
    "links": GRAPH_LINKS,
}


def fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def break_the_data(project: Path) -> None:
    """Add a firm without a source: the project's shapes reject it."""
    (project / "data" / "bad.ttl").write_text(
        "<https://w3id.org/subdip/id/unsourced-firm> a <https://w3id.org/subdip/ontology#Firm> .\n",
        encoding="utf-8",
    )


def test_build_writes_the_four_graphs(project, tmp_path):
    out = tmp_path / "build"
    result = build(out=out, engine="fast")
    assert not result.up_to_date
    assert artefact_ready(out)
    report = read_report(out)
    assert report is not None and report["engine"] == "fast"
    assert set(report["timings"]) == {"load", "validate", "reason", "write"}
    store = open_store(out)
    for name, iri in GRAPHS.items():
        n = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(iri)))))
        assert n == report["counts"][name] > 0, name
    asserted = Graph().parse(project / "data" / "facts.ttl")
    assert report["counts"]["asserted"] == len(asserted)
    dataset = ox.Dataset(ox.parse(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(dataset) == sum(report["counts"].values())


def test_the_store_opens_read_only(project, tmp_path):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    store = open_store(out)
    with pytest.raises((OSError, RuntimeError)):
        store.add(
            ox.Quad(
                ox.NamedNode("http://example.org/s"),
                ox.NamedNode("http://example.org/p"),
                ox.Literal("o"),
                ox.NamedNode(str(GRAPH_ASSERTED)),
            )
        )


def test_second_build_reuses_the_artefact(project, tmp_path):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)
    again = build(out=out, engine="fast")
    assert again.up_to_date
    assert fingerprint(out) == before


def test_changed_input_rebuilds(project, tmp_path):
    out = tmp_path / "build"
    first = build(out=out, engine="fast")
    with (project / "data" / "facts.ttl").open("a", encoding="utf-8") as f:
        f.write(
            "\n<https://w3id.org/subdip/id/hainan> <https://w3id.org/subdip/ontology#"
            "twinnedWith> <https://w3id.org/subdip/id/prague> .\n"
        )
    second = build(out=out, engine="fast")
    assert not second.up_to_date
    assert second.report["input_hash"] != first.report["input_hash"]
    assert second.report["counts"]["asserted"] == first.report["counts"]["asserted"] + 1


def test_force_rebuilds(project, tmp_path):
    out = tmp_path / "build"
    first = build(out=out, engine="fast")
    forced = build(out=out, engine="fast", force=True)
    assert not forced.up_to_date
    assert forced.report["input_hash"] == first.report["input_hash"]
    assert forced.report["built_at"] >= first.report["built_at"]


def test_another_engine_is_another_build(project, tmp_path):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    assert not build(out=out, engine="owlrl").up_to_date


def test_failing_build_leaves_the_previous_artefact_intact(project, tmp_path):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)
    break_the_data(project)
    with pytest.raises(NotConformingError) as caught:
        build(out=out, engine="fast")
    assert not caught.value.report.conforms
    assert fingerprint(out) == before
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["build", "project"], "a temporary folder was left behind"


def test_links_are_kept_apart_from_reasoning(project, tmp_path):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    store = open_store(out)
    links = list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_LINKS))))
    assert len(links) == 1
    in_other_graphs = [
        q
        for q in store.quads_for_pattern(links[0].subject, links[0].predicate, None)
        if q.graph_name != ox.NamedNode(str(GRAPH_LINKS))
    ]
    assert in_other_graphs == []


def test_unknown_engine_is_refused_before_work(project, tmp_path):
    with pytest.raises(UsageError):
        build(out=tmp_path / "build", engine="pellet")
    assert not (tmp_path / "build").exists()


# --- the commands ---------------------------------------------------------------------------


def test_build_command_exit_codes(project, tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["build", "--out", str(out), "--engine", "fast"]) == 0
    assert "built" in capsys.readouterr().err
    assert main(["build", "--out", str(out), "--engine", "fast"]) == 0
    assert "up to date" in capsys.readouterr().err
    break_the_data(project)
    assert main(["build", "--out", str(out), "--engine", "fast"]) == 1
    captured = capsys.readouterr()
    assert "unsourced-firm" in captured.out
    assert "does not conform" in captured.err


def test_build_command_is_quiet_when_not_a_terminal(project, tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path / "build"), "--engine", "fast"]) == 0
    assert "[1/" not in capsys.readouterr().err


def test_explain_command_text_and_json(project, tmp_path, capsys):
    out = tmp_path / "build"
    args = ["explain", "id:ccp", "subdip:controls", "id:sansha", "--out", str(out)]
    assert main([*args, "--engine", "fast"]) == 0
    text = capsys.readouterr().out
    assert "prp-trp" in text and "id:sansha subdip:subordinateTo id:hainan" in text
    assert "Wong, 2018" in text
    assert main([*args, "--engine", "fast", "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["status"] == "inferred" and tree["rule"] == "prp-trp"


def test_explain_command_full_iris_and_a(project, tmp_path, capsys):
    out = tmp_path / "build"
    args = [
        "explain", "https://w3id.org/subdip/id/beijing", "a",
        "<https://w3id.org/subdip/ontology#SubnationalDiplomaticActor>",
        "--out", str(out), "--engine", "fast",
    ]  # fmt: skip
    assert main(args) == 0
    assert "cls-svf1" in capsys.readouterr().out


def test_explain_command_says_when_a_triple_does_not_hold(project, tmp_path, capsys):
    out = tmp_path / "build"
    args = ["explain", "id:sansha", "subdip:controls", "id:ccp", "--out", str(out)]
    assert main([*args, "--engine", "fast"]) == 0
    assert "does not hold" in capsys.readouterr().out
    assert (
        main(
            [
                "explain",
                "id:sansha",
                "subdip:controls",
                "id:nowhere",
                "--out",
                str(out),
                "--engine",
                "fast",
            ]
        )
        == 0
    )
    assert "occurs nowhere" in capsys.readouterr().err


def test_explain_command_rejects_an_unknown_prefix(project, tmp_path, capsys):
    code = main(["explain", "nope:x", "subdip:controls", "id:ccp", "--out", str(tmp_path / "b")])
    assert code == 2
    assert "nope:x" in capsys.readouterr().err


def test_owlrl_and_fast_builds_write_the_same_graphs(project, tmp_path):
    """The fast build reads the data with Oxigraph, the owlrl build with rdflib: same result."""
    build(out=tmp_path / "a", engine="owlrl")
    build(out=tmp_path / "b", engine="fast")
    for name, iri in GRAPHS.items():
        a = graph_from_store(open_store(tmp_path / "a"), [iri])
        b = graph_from_store(open_store(tmp_path / "b"), [iri])
        assert len(a) > 0 and isomorphic(a, b), name


def test_data_paths_with_a_links_folder(project, tmp_path):
    folder = tmp_path / "elsewhere"
    shutil.copytree(project / "data", folder)
    result = build(data_paths=[folder], out=tmp_path / "build", engine="fast")
    assert result.report["counts"]["links"] == 1
    assert result.report["counts"]["asserted"] == len(Graph().parse(folder / "facts.ttl"))


def test_progress_is_shown_on_a_terminal_only(project, tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    assert progress.wanted(Terminal()) and not progress.wanted(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(Terminal())
    stream = Terminal()
    reporter = progress.Reporter(stream, total=3, enabled=True)
    build(out=tmp_path / "build", engine="fast", progress=reporter)
    shown = stream.getvalue()
    for n, stage in enumerate(
        ("loading", "validating", "reasoning and writing the artefact"), start=1
    ):
        assert f"[{n}/3] {stage}" in shown, shown
    quiet = io.StringIO()  # not a terminal: the reporter stays silent
    build(out=tmp_path / "b2", engine="fast", progress=progress.Reporter(quiet, total=3))
    assert quiet.getvalue() == ""


def test_cycle_collector_is_off_while_building_and_restored_after(project, tmp_path):
    seen: list[bool] = []

    def record(_stage: str) -> None:
        seen.append(gc.isenabled())

    assert gc.isenabled()
    build(out=tmp_path / "build", engine="fast", progress=record)
    assert seen and not any(seen), seen
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that had it off keeps it off
        build(out=tmp_path / "build", engine="fast", force=True)
        assert not gc.isenabled()
    finally:
        gc.enable()
    break_the_data(project)
    with pytest.raises(NotConformingError):
        build(out=tmp_path / "other", engine="fast", progress=record)
    assert gc.isenabled(), "a failed build left the collector off"


@pytest.mark.parametrize("engine", ["fast", "owlrl"])
def test_inconsistent_data_fails_the_build_and_keeps_the_artefact(project, tmp_path, engine):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)
    (project / "data" / "clash.ttl").write_text(
        "@prefix id: <https://w3id.org/subdip/id/> .\n"
        "@prefix subdip: <https://w3id.org/subdip/ontology#> .\n"
        "id:hainan a subdip:State .\n"  # a Polity, disjoint with Firm ...
        "id:jiangxi subdip:owns id:hainan .\n",  # ... and what is owned is a Firm
        encoding="utf-8",
    )
    with pytest.raises(BuildError, match="inconsistent"):
        build(out=out, engine=engine)
    assert fingerprint(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "project"]
    assert main(["build", "--out", str(out), "--engine", engine]) == BuildError.exit_code


def test_explain_reuses_the_artefact_whichever_engine_built_it(project, tmp_path, capsys):
    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)
    assert main(["explain", "id:ccp", "subdip:controls", "id:sansha", "--out", str(out)]) == 0
    assert "prp-trp" in capsys.readouterr().out
    assert fingerprint(out) == before  # not rebuilt with owlrl


# --- the large-input path: Oxigraph load, validation in a forked process beside reasoning ------


@pytest.fixture
def at_scale(monkeypatch):
    """Send any input down the path a large one takes (Oxigraph load, forked validation)."""
    import subdip.build

    monkeypatch.setattr(subdip.build, "SCALE_BYTES", 0)


def test_large_input_path_writes_the_same_graphs(project, tmp_path, monkeypatch):
    import subdip.build

    build(out=tmp_path / "small", engine="fast")
    monkeypatch.setattr(subdip.build, "SCALE_BYTES", 0)
    build(out=tmp_path / "large", engine="fast")
    for name, iri in GRAPHS.items():
        a = graph_from_store(open_store(tmp_path / "small"), [iri])
        b = graph_from_store(open_store(tmp_path / "large"), [iri])
        assert len(a) > 0 and isomorphic(a, b), name


def test_large_input_path_reports_the_violations_of_the_small_one(project, tmp_path, monkeypatch):
    import subdip.build

    break_the_data(project)
    with pytest.raises(NotConformingError) as small:
        build(out=tmp_path / "small", engine="fast")
    monkeypatch.setattr(subdip.build, "SCALE_BYTES", 0)
    with pytest.raises(NotConformingError) as large:
        build(out=tmp_path / "large", engine="fast")

    def key(report):
        return sorted((v.focus, v.path, v.constraint, v.message) for v in report.results)

    assert key(large.value.report) == key(small.value.report) != []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_a_failing_validation_process_fails_the_build(project, tmp_path, at_scale, monkeypatch):
    import subdip.build
    from subdip.errors import LoadError

    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)

    def unsupported(*_args):
        raise LoadError("shape x uses sh:closed, which the fast SHACL engine does not compile")

    monkeypatch.setattr(subdip.build, "_validate_at_scale", unsupported)
    with pytest.raises(LoadError, match="sh:closed"):
        build(out=out, engine="fast", force=True)

    def crash(*_args):
        raise RuntimeError("boom in the child")

    monkeypatch.setattr(subdip.build, "_validate_at_scale", crash)
    with pytest.raises(BuildError, match="boom in the child"):
        build(out=out, engine="fast", force=True)
    assert fingerprint(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "project"]


@pytest.mark.parametrize("scale", [False, True])
def test_a_failing_dump_fails_the_build_and_keeps_the_artefact(
    project, tmp_path, monkeypatch, scale, request
):
    """dataset.nq is written in a thread of its own: its failure (here, a folder that does
    not exist) must still be a BuildError naming the file, with nothing left behind."""
    import subdip.build

    if scale:
        request.getfixturevalue("at_scale")
    _fails_and_keeps_the_artefact(
        tmp_path,
        lambda: monkeypatch.setattr(subdip.build, "DATASET_FILE", "absent/dataset.nq"),
        r"cannot write absent/dataset\.nq",
    )


def test_a_failing_store_load_fails_the_build_and_keeps_the_artefact(
    project, tmp_path, monkeypatch, at_scale
):
    """N-Triples data is bulk-loaded into the store by a process of its own, started with the
    build: its failure (here, a folder that does not exist) must reach the parent as a
    BuildError naming the store, with the previous artefact kept and nothing left behind."""
    import subdip.build

    assert subdip.build._direct_files(_facts_as_ntriples(project))
    _fails_and_keeps_the_artefact(
        tmp_path,
        lambda: monkeypatch.setattr(subdip.build, "STORE_DIR", "absent/store"),
        r"cannot write the store: .*absent/store",
    )


def _fails_and_keeps_the_artefact(tmp_path: Path, break_it, message: str) -> None:
    """Build once, ``break_it()``, then a forced build must raise a BuildError matching
    ``message`` and leave the first artefact as it was, with no temporary folder beside it."""
    out = tmp_path / "build"
    build(out=out, engine="fast")
    before = fingerprint(out)
    break_it()
    with pytest.raises(BuildError, match=message):
        build(out=out, engine="fast", force=True)
    assert fingerprint(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "project"]


def _facts_as_ntriples(project: Path) -> list[Path]:
    """The project's data with facts.ttl replaced by the same triples in N-Triples."""
    facts = project / "data" / "facts.ttl"
    Graph().parse(facts).serialize(project / "data" / "facts.nt", format="nt")
    facts.unlink()
    return sorted((project / "data").glob("*.*"))


def _quads(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_large_ntriples_input_fills_the_store_from_the_file(project, tmp_path, at_scale):
    """N-Triples data without blank nodes is bulk-loaded into the on-disk store from the file
    itself, beside the in-memory load; store and dataset.nq must still hold the same quads,
    and the same graphs as the Turtle path."""
    import subdip.build

    build(out=tmp_path / "turtle", engine="fast")
    assert subdip.build._direct_files(_facts_as_ntriples(project))
    build(out=tmp_path / "nt", engine="fast")
    store = open_store(tmp_path / "nt")
    assert set(store.quads_for_pattern(None, None, None)) == _quads(tmp_path / "nt" / "dataset.nq")
    for name, iri in GRAPHS.items():
        a = graph_from_store(open_store(tmp_path / "turtle"), [iri])
        b = graph_from_store(store, [iri])
        assert len(a) > 0 and isomorphic(a, b), name


#: A script that builds at module level, with no ``if __name__ == "__main__"`` guard
_UNGUARDED_SCRIPT = """
import sys
from pathlib import Path

import subdip.build
import subdip.paths

subdip.paths.resource_root = lambda: Path(sys.argv[1])
subdip.build.SCALE_BYTES = 0
result = subdip.build.build(out=Path(sys.argv[2]), engine="fast")
print(result.report["counts"]["asserted"])
"""


def test_a_script_without_a_main_guard_can_build_at_scale(project, tmp_path):
    """The store's loader process must not run the calling script again: a process started
    by multiprocessing's spawn re-imports ``__main__``, which here would start a second build
    inside the loader and fail it. The script must build, and report the data's triples."""
    import subprocess
    import sys

    files = _facts_as_ntriples(project)
    asserted = len(Graph().parse(project / "data" / "facts.nt"))
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(project), str(tmp_path / "build")],
        capture_output=True,
        text=True,
        timeout=120,
        env=paths.child_environment(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.name for p in files] == ["facts.nt"]
    assert int(done.stdout.split()[-1]) == asserted
    assert artefact_ready(tmp_path / "build")


@pytest.mark.parametrize("blank", [False, True])
def test_store_and_dataset_hold_the_same_quads(project, tmp_path, at_scale, blank):
    """Turtle data goes to the store through the in-memory copy: as a file of triples when
    the asserted graph has no blank node, else as quads (a bulk load renames blank nodes, so
    the store and dataset.nq would name them differently and inferences would lose them).
    The inferred graph follows the same rule: an inference about a blank node (here its
    type from partyTo's domain) names the node the asserted graph names."""
    if blank:
        (project / "data" / "blank.ttl").write_text(
            "[] <http://www.w3.org/2000/01/rdf-schema#comment> 'anonymous' ;\n"
            "   <https://w3id.org/subdip/ontology#partyTo> <https://w3id.org/subdip/id/x> .\n",
            encoding="utf-8",
        )
    build(out=tmp_path / "b", engine="fast")
    store = open_store(tmp_path / "b")
    stored = set(store.quads_for_pattern(None, None, None))
    assert stored == _quads(tmp_path / "b" / "dataset.nq")
    asserted = ox.NamedNode(str(GRAPH_ASSERTED))
    inferred = ox.NamedNode(str(GRAPH_INFERRED))
    blanks = {q.subject for q in stored if q.graph_name == asserted}
    blanks = {b for b in blanks if isinstance(b, ox.BlankNode)}
    assert bool(blanks) is blank
    typed = {
        q.subject
        for q in stored
        if q.graph_name == inferred and q.object == ox.NamedNode(f"{SUBDIP}Actor")
    }
    assert (blanks & typed) == blanks


def test_blank_node_labels_are_found_across_read_blocks(tmp_path):
    """The check reads large files in 16 MB blocks: a label split by a block's end counts."""
    from subdip.build import _labels_blank_nodes

    block = 1 << 24
    cases = {
        b"x" * (block - 1) + b"_:b1": True,  # "_" ends the first block, ":" starts the next
        b"x" * block + b"_:b1": True,
        b"<http://e/a_b> <http://e/p:q> <http://e/c> .\n": False,
    }
    for text, expected in cases.items():
        path = tmp_path / "data.nt"
        path.write_bytes(text)
        assert _labels_blank_nodes(path) is expected
