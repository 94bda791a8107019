"""The Store: one data dir's database and a repository per family of tables.

A call site names the tables it touches: `store.observations.add(obs)`,
`store.batches.claim(...)`, `store.propositions.get(prop_id)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gumd.store.access import Access
from gumd.store.actions import Actions
from gumd.store.batches import Batches
from gumd.store.behaviour import Behaviour
from gumd.store.capture import Capture
from gumd.store.curation import Curation
from gumd.store.database import Database
from gumd.store.observations import Observations
from gumd.store.propositions import Propositions
from gumd.store.search import Search
from gumd.store.vectors import Vectors


class Store:
    """The one SQLite database of a data dir; with `key` (32 bytes) an SQLCipher-encrypted one.

    Open a data dir's store with `gumd.store.encryption.open_store(settings)`, which
    fetches the key from the OS keyring when `encrypt` is on.
    """

    def __init__(self, path: Path | str, key: bytes | None = None):
        self.database = Database(path, key)
        self.observations = Observations(self.database)
        self.batches = Batches(self.database)
        self.propositions = Propositions(self.database)
        self.search = Search(self.database)
        self.vectors = Vectors(self.database)
        self.behaviour = Behaviour(self.database)
        self.capture = Capture(self.database)
        self.actions = Actions(self.database)
        self.access = Access(self.database)
        self.curation = Curation(self.database, self.propositions)

    def close(self) -> None:
        """Close every connection the store opened, checkpointing the WAL."""
        self.database.close()

    def counts(self) -> dict[str, Any]:
        """Numbers for /v1/status: observations by status, propositions, batches failed."""
        batches = self.batches.count_by_status()
        return {
            "observations": self.observations.count_by_status(),
            "propositions": self.propositions.count_active(),
            "failed_batches": batches.get("failed", 0),
            "retrying_batches": batches.get("retry", 0),
        }
