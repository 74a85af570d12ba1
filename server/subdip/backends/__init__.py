"""Query backends behind one interface (:class:`subdip.backends.base.Backend`).

:func:`open_backend` picks one from the app configuration: a ``STORE_URL`` means an external
SPARQL endpoint (``RemoteBackend``, imported only then), otherwise the build artefact's store.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from subdip.backends.base import Backend, QueryOutcome
from subdip.sparql.guard import GuardLimits

__all__ = ["Backend", "QueryOutcome", "open_backend"]


def open_backend(config: Mapping[str, Any], *, limits: GuardLimits | None = None) -> Backend:
    """The backend a configuration asks for (keys as in :func:`subdip.web.create_app`).

    ``limits`` are the guard limits the embedded backend re-checks before running a query.
    """
    store_url = config.get("STORE_URL")
    if store_url:
        from subdip.backends.remote import RemoteBackend

        return RemoteBackend(
            store_url,
            limits=limits,
            max_result_bytes=int(config.get("MAX_RESULT_BYTES", 50_000_000)),
        )
    from subdip.backends.embedded import EmbeddedBackend
    from subdip.sparql.executor import DEFAULT_MEMORY_MIB

    return EmbeddedBackend(
        Path(config["BUILD_DIR"]),
        processes=int(config.get("EXECUTOR_PROCESSES", 2)),
        limits=limits,
        max_result_bytes=int(config.get("MAX_RESULT_BYTES", 50_000_000)),
        memory_mib=int(config.get("EXECUTOR_MEMORY_MB", DEFAULT_MEMORY_MIB)),
        isolation=config.get("QUERY_ISOLATION", "process"),
    )
