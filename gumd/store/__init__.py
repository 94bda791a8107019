"""gumd's SQLite store: schema, migrations and typed access. The only place that writes SQL."""

from gumd.store.models import NewObservation, NewProposition, Observation, Proposition
from gumd.store.store import Store, write_failure

__all__ = ["NewObservation", "NewProposition", "Observation", "Proposition", "Store", "write_failure"]
