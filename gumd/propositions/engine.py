"""The propositions engine: claim a batch of pending observations, propose, store, mark done.

One batch at a time. A model failure marks the batch failed with its reason
(the model layer already retried once) and the daemon goes on. At shutdown a
batch still inside the model is abandoned: its observations go back to
pending, and its answer, if it comes later, is thrown away.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from gumd.models.lm import LanguageModel, ModelError
from gumd.propositions.propose import propose
from gumd.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOutcome:
    batch_id: int
    observations: int
    propositions: list[int]
    error: str | None
    seconds: float


class Engine:
    def __init__(
        self,
        store: Store,
        language_model: Callable[[], LanguageModel],
        max_observations: int = 8,
        max_chars: int = 6000,
        max_tokens: int = 768,
    ):
        self.store = store
        self._language_model = language_model
        self.max_observations = max_observations
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self._commit = threading.Lock()
        self._current: int | None = None
        self._stopping = False
        self.last_error: str | None = None

    @property
    def busy(self) -> bool:
        return self._current is not None

    def run_once(self) -> BatchOutcome | None:
        """Process the oldest pending batch; None when nothing is pending or the engine is stopping."""
        with self._commit:
            if self._stopping:
                return None
            claimed = self.store.claim_batch(self.max_observations, self.max_chars)
            if claimed is None:
                return None
            batch_id, observations = claimed
            self._current = batch_id
        start = time.monotonic()
        error, ids = None, []
        try:
            candidates = propose(self._language_model(), observations, max_tokens=self.max_tokens)
        except ModelError as e:
            error, candidates = str(e), []
        except Exception as e:  # a bug or a broken model backend must not kill the daemon
            log.exception("batch %d crashed", batch_id)
            error, candidates = f"{type(e).__name__}: {e}", []
        with self._commit:
            self._current = None
            if self._stopping:
                log.info("batch %d finished after shutdown began; its result is discarded", batch_id)
                return None
            for c in candidates:
                ids.append(self.store.add_proposition(c.proposition, c.observation_ids))
            self.store.finish_batch(batch_id, error)
        self.last_error = error
        seconds = time.monotonic() - start
        if error:
            log.warning("batch %d (%d observations) failed: %s", batch_id, len(observations), error)
        else:
            log.info("batch %d: %d observations -> %d propositions in %.1f s", batch_id, len(observations), len(ids), seconds)
        return BatchOutcome(batch_id, len(observations), ids, error, seconds)

    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> list[BatchOutcome]:
        """Run batches until nothing is pending (used by replay and tests)."""
        outcomes = []
        while not should_stop():
            outcome = self.run_once()
            if outcome is None:
                break
            outcomes.append(outcome)
        return outcomes

    def stop(self) -> None:
        """Refuse new batches; give a batch still in the model back to the queue."""
        with self._commit:
            if self._current is not None:
                self.store.release_batch(self._current)
                log.info("batch %d abandoned at shutdown; its observations stay pending", self._current)
            self._stopping = True
