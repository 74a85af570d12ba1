"""One error hierarchy; every message is written for the person who has to act on it.

The CLI maps each class to its own exit code, so scripts can tell a data problem
(the data does not conform) from a usage problem (a bad path, a malformed file).
"""

from __future__ import annotations


class SubdipError(Exception):
    """Base of every error subdip raises on purpose. ``str(err)`` is the user-facing text."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class UsageError(SubdipError):
    """The command line or a request names something that cannot be used as given."""

    exit_code = 2


class LoadError(SubdipError):
    """A file could not be read or parsed. The message carries file:line:column."""

    exit_code = 2


class NotConformingError(SubdipError):
    """The data violates the SHACL shapes; ``report`` holds the validation result."""

    exit_code = 1

    def __init__(self, message: str, *, report: object = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class BuildError(SubdipError):
    """The build could not produce a dataset (missing artefact, inconsistent ontology...)."""

    exit_code = 3


class QueryError(SubdipError):
    """A SPARQL request is malformed or refused (a client error: HTTP 4xx)."""

    exit_code = 4
    status = 400


class QueryRejected(QueryError):
    """A query is refused before it reaches the engine (unsafe or beyond a limit)."""

    status = 400


class QueryTooLarge(QueryError):
    """The request or its result exceeds a configured size limit."""

    status = 413


class QueryTimeout(QueryError):
    """The query ran past the time limit and was stopped."""

    exit_code = 5
    status = 503


class StoreError(SubdipError):
    """An external triple store is unreachable, refuses us, or answers with an error."""

    exit_code = 6
