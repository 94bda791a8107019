"""gumd's SQLite store: schema, migrations and typed access. The only place that writes SQL."""

from gumd.store.database import retryable_write_error
from gumd.store.records import NewObservation, NewProposition, Observation, Proposition
from gumd.store.store import Store

__all__ = ["NewObservation", "NewProposition", "Observation", "Proposition", "Store", "retryable_write_error"]
