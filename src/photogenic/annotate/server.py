"""Run the annotation app under uvicorn."""

from __future__ import annotations

import uvicorn

from photogenic.annotate.app import create_app
from photogenic.annotate.db import Store
from photogenic.annotate.queue import CLAIM_TTL


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, claim_ttl: float = CLAIM_TTL) -> None:
    """Serve the store at ``db`` on ``host:port`` until interrupted (no access log: URLs stay private)."""
    store = Store(db)
    try:
        config = uvicorn.Config(
            create_app(store, claim_ttl=claim_ttl),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        uvicorn.Server(config).run()
    finally:
        store.close()
