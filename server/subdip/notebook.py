"""The dataset from Python (a notebook, a script): ``subdip.open()``, then ``.query(sparql)``.

    >>> import subdip
    >>> with subdip.open() as ds:                                    # doctest: +SKIP
    ...     rows = ds.query("SELECT ?x WHERE { id:ccp subdip:controls ?x }")
    ...     rows[0]["x"]
    'https://w3id.org/subdip/id/hainan'
    >>> rows.to_dataframe()                                          # doctest: +SKIP

Queries go through the same guard, time limit and engine as ``subdip query`` and the
endpoint (the build artefact opened read-only, queried in a child process), so what works here
works at ``/sparql``. The project's prefixes need no PREFIX lines where the endpoint accepts
that. Values come back as Python values: IRIs and blank nodes as ``str``, literals converted
by their datatype (``int``, ``float``, ``bool``, ``datetime.date``; other literals as ``str``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from subdip.errors import SubdipError
from subdip.sparql.formats import FormatChoice

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    f"{XSD}{t}"
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOATS = {f"{XSD}decimal", f"{XSD}double", f"{XSD}float"}


class NotebookError(SubdipError):
    """What the notebook API cannot do (no artefact, pandas missing)."""


def value_of(binding: dict[str, str]) -> Any:
    """A Python value from one SPARQL JSON binding."""
    kind = binding["type"]
    text = binding["value"]
    if kind in ("uri", "bnode"):
        return text
    datatype = binding.get("datatype")
    try:
        if datatype in _INTEGERS:
            return int(text)
        if datatype in _FLOATS:
            return float(text)
        if datatype == f"{XSD}boolean":
            return text in ("true", "1")
        if datatype == f"{XSD}date":
            return dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return text


class Rows(list):
    """The solutions of a SELECT: a list of ``{variable: value}`` (unbound ones left out)."""

    def __init__(self, variables: list[str], rows: list[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.variables = variables

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame, one column per variable (needs pandas)."""
        try:
            import pandas
        except ImportError as err:
            raise NotebookError(
                "to_dataframe() needs pandas, which is not installed",
                hint="pip install pandas (or the 'notebook' extra: pip install 'subdip[notebook]')",
            ) from err
        return pandas.DataFrame(
            [[row.get(v) for v in self.variables] for row in self], columns=self.variables
        )


class Dataset:
    """The built dataset, read-only. Close it (or use ``with``) to stop its query process."""

    def __init__(self, build_dir: Path, timeout: float) -> None:
        from subdip.backends.embedded import EmbeddedBackend

        self.build_dir = build_dir
        self.timeout = timeout
        self._backend = EmbeddedBackend(build_dir, processes=1)

    def query(self, sparql: str) -> Any:
        """SELECT: :class:`Rows`; ASK: ``bool``; CONSTRUCT/DESCRIBE: a list of (s, p, o).

        Raises :class:`subdip.errors.QueryError` for a refused or malformed query (with the
        line and column) and :class:`subdip.errors.QueryTimeout` past the time limit.
        """
        outcome = self._backend.query(
            sparql,
            timeout=self.timeout,
            formats=FormatChoice(solutions="json", graph="ntriples"),
        )
        if outcome.media_type.endswith("json"):
            document = json.loads(outcome.body)
            if "boolean" in document:
                return bool(document["boolean"])
            variables = document["head"].get("vars", [])
            rows = [
                {name: value_of(term) for name, term in binding.items()}
                for binding in document["results"]["bindings"]
            ]
            return Rows(variables, rows)
        import pyoxigraph

        triples = pyoxigraph.parse(outcome.body, format=pyoxigraph.RdfFormat.N_TRIPLES)
        return [(_plain(t.subject), _plain(t.predicate), _plain(t.object)) for t in triples]

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _plain(term: Any) -> Any:
    return term.value


def open(build_dir: str | Path | None = None, *, timeout: float = 60.0) -> Dataset:
    """The built dataset (``subdip build``'s artefact; default ``./build`` in a checkout).

    Nothing is written: the store is opened read-only. A missing artefact is an error that
    says how to make it.
    """
    from subdip import paths
    from subdip.store import artefact_ready

    folder = Path(build_dir) if build_dir is not None else paths.default_build_dir()
    if not artefact_ready(folder):
        raise NotebookError(
            f"no built dataset in {folder}",
            hint="run 'subdip build' (or pass the folder it wrote: subdip.open('path/to/build'))",
        )
    return Dataset(folder, timeout)
