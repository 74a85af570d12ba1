"""The build's store loader process (``subdip.store_load.StoreLoad``): what its parent says
when the child fails, whichever way it fails. The child's interpreter is replaced by a small
shell script that says and does what each case needs."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from subdip import store_load
from subdip.errors import BuildError
from subdip.namespaces import GRAPH_ASSERTED


@pytest.fixture
def fake_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Make the loader start ``sh`` running ``body`` instead of Python."""

    def use(body: str) -> None:
        script = tmp_path / "fake-python"
        script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        script.chmod(0o755)
        monkeypatch.setattr(store_load.sys, "executable", str(script))

    return use


def _load(tmp_path: Path) -> store_load.StoreLoad:
    return store_load.StoreLoad(tmp_path / "store", str(GRAPH_ASSERTED), [tmp_path / "data.nt"])


def test_the_childs_reason_is_the_error_even_after_warnings(tmp_path, fake_interpreter):
    fake_interpreter(
        "echo 'DeprecationWarning: something' >&2\n"
        "echo 'cannot write the store: No space left on device' >&2\nexit 1"
    )
    with pytest.raises(BuildError) as raised:
        _load(tmp_path).wait()
    assert raised.value.message == "cannot write the store: No space left on device"
    assert "disk space" in str(raised.value)


def test_a_crash_is_reported_with_its_exit_code_and_last_words(tmp_path, fake_interpreter):
    fake_interpreter("echo 'Traceback (most recent call last):' >&2\necho 'Boom' >&2\nexit 3")
    with pytest.raises(BuildError, match=r"(?s)ended with exit code 3: Traceback.*Boom"):
        _load(tmp_path).wait()


def test_a_child_killed_by_a_signal_says_so(tmp_path, fake_interpreter):
    fake_interpreter("kill -9 $$")
    with pytest.raises(BuildError, match=r"exit code -9: no message") as raised:
        _load(tmp_path).wait()
    assert "out of memory" in str(raised.value)


def test_stop_ends_a_running_child(tmp_path, fake_interpreter):
    fake_interpreter("exec sleep 60")
    load = _load(tmp_path)
    started = time.perf_counter()
    load.stop()
    assert time.perf_counter() - started < 10
    assert load._process.poll() is not None


def test_a_successful_load_fills_the_graph(tmp_path):
    (tmp_path / "data.nt").write_text(
        "<https://w3id.org/subdip/id/a> <https://w3id.org/subdip/ontology#partyTo> "
        "<https://w3id.org/subdip/id/b> .\n",
        encoding="utf-8",
    )
    load = _load(tmp_path)
    load.wait()
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert [q.graph_name for q in store] == [ox.NamedNode(str(GRAPH_ASSERTED))]
    assert load.seconds > 0
