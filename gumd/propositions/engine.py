"""The propositions engine: claim a batch of pending observations, propose, revise, store, mark done.

One batch at a time. A batch whose model work fails is retried later with a
doubling backoff, then parked as failed with its reason (never retried forever,
never dropped silently); the daemon goes on. At shutdown a batch still inside
the model is abandoned: its observations go back to pending, and its answer,
if it comes later, is thrown away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from gumd.config import Settings
from gumd.models.lm import LanguageModel, ModelError
from gumd.propositions.calibrate import Calibrator
from gumd.propositions.digest import Digester
from gumd.propositions.propose import MIN_CONFIDENCE, merge, propose
from gumd.propositions.retrieve import Retriever
from gumd.propositions.revise import Operation, revise
from gumd.store import Store

log = logging.getLogger(__name__)

CONTRADICTION_PENALTY = 3  # confidence points an existing belief loses to contradicting evidence


@dataclass(frozen=True)
class BatchOutcome:
    batch_id: int
    observations: int
    propositions: list[int]  # ids written or supported by this batch
    error: str | None
    seconds: float
    operations: dict[str, int] = field(default_factory=dict)
    status: str = "done"  # done | retry | failed


def apply_operations(store: Store, operations: list[Operation]) -> list[int]:
    """Write the revise step's decisions; returns the ids of the propositions they touched.

    A proposition the user confirmed is never rewritten or weakened by the model: a refinement
    of it only adds evidence, a contradiction only adds the new proposition.
    """
    touched = []
    for op in operations:
        evidence = op.candidate.observation_ids
        confirmed = op.target is not None and op.target.verdict == "confirmed"
        if (op.kind == "duplicate" or op.kind == "refine" and confirmed) and op.target is not None:
            store.propositions.support(op.target.id, evidence)
            touched.append(op.target.id)
        elif op.kind == "refine" and op.target is not None and op.revised is not None:
            touched.append(store.propositions.refine(op.target.id, op.revised, evidence))
        else:
            if op.kind == "contradict" and op.target is not None and not confirmed:
                store.propositions.weaken(op.target.id, CONTRADICTION_PENALTY)
            touched.append(store.propositions.add(op.candidate.proposition, evidence))
    return touched


class Engine:
    def __init__(
        self,
        store: Store,
        language_model: Callable[[], LanguageModel],
        retriever: Retriever | None = None,
        *,
        max_observations: int = 8,
        max_chars: int = 6000,
        window_s: float = 3600.0,
        max_tokens: int = 768,
        max_attempts: int = 3,
        backoff_s: float = 60.0,
        calibrator: Calibrator | None = None,
        min_confidence: int = MIN_CONFIDENCE,
    ):
        self.store = store
        self._language_model = language_model
        self.retriever = retriever or Retriever(store)
        self.max_observations = max_observations
        self.max_chars = max_chars
        self.window_s = window_s
        self.max_tokens = max_tokens
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self._commit = threading.Lock()
        self._current: int | None = None
        self._stopping = False
        self._stranded: int | None = None  # a batch whose result could not be written; given back before the next
        self.last_error: str | None = None
        self.digester = Digester()
        self.calibrator = calibrator  # None: the table packaged for the model that answers
        self.min_confidence = min_confidence  # candidates under it are not stored (1: all, as a table's fit needs)
        self.dropped: Counter = Counter()  # sentences the checks refused, by reason, since start

    @classmethod
    def from_settings(
        cls, store: Store, language_model: Callable[[], LanguageModel], retriever: Retriever | None, s: Settings
    ) -> "Engine":
        return cls(
            store, language_model, retriever, max_observations=s.batch_max_observations,
            max_chars=s.batch_max_chars, window_s=s.batch_window_s, max_tokens=s.model_max_tokens,
            max_attempts=s.batch_max_attempts, backoff_s=s.batch_retry_backoff_s,
        )

    @property
    def busy(self) -> bool:
        return self._current is not None

    def run_once(self) -> BatchOutcome | None:
        """Process the next batch; None when nothing is due or the engine is stopping."""
        with self._commit:
            if self._stopping:
                return None
            if self._stranded is not None:  # its write failed (disk full): back to the queue, to be done again
                self.store.batches.release(self._stranded)
                self._stranded = None
            claimed = self.store.batches.claim(self.max_observations, self.max_chars, self.window_s)
            if claimed is None:
                return None
            batch_id, observations = claimed
            self._current = batch_id
        start = time.monotonic()
        error, operations = None, []
        try:
            lm = self._language_model()
            candidates, dropped = [], Counter()
            for activity in self.digester.digest(observations):
                proposal = propose(lm, activity, self.calibrator or Calibrator.packaged(lm.name), self.max_tokens,
                                   self.min_confidence)
                candidates += proposal.candidates
                dropped += proposal.dropped
            candidates = merge(candidates)
            operations = revise(lm, self.retriever, candidates, self.max_tokens) if candidates else []
        except ModelError as e:
            error = str(e)
        except Exception as e:  # a bug or a broken model backend must not kill the daemon
            log.exception("batch %d crashed", batch_id)
            error = f"{type(e).__name__}: {e}"
        with self._commit:
            self._current = None
            if self._stopping:
                log.info("batch %d finished after shutdown began; its result is discarded", batch_id)
                return None
            try:
                if error:
                    ids, status = [], self.store.batches.fail(batch_id, error, self.max_attempts, self.backoff_s)
                else:
                    with self.store.database.transaction():  # a crash leaves the batch either fully applied or pending
                        ids, status = apply_operations(self.store, operations), "done"
                        self.store.batches.finish(batch_id)
            except Exception:  # nothing of it was written (one transaction); it goes back to the queue first
                self._stranded = batch_id
                raise
        self.retriever.index_pending()
        self.last_error = error
        if not error:
            self.dropped += dropped
        seconds = time.monotonic() - start
        counts = dict(Counter(op.kind for op in operations))
        if error:
            log.warning("batch %d (%d observations) %s: %s", batch_id, len(observations),
                        "will be retried" if status == "retry" else "failed for good", error)
        else:
            log.info("batch %d: %d observations -> %s in %.1f s%s", batch_id, len(observations), counts, seconds,
                     f"; the checks dropped {dict(dropped)}" if dropped else "")
        return BatchOutcome(batch_id, len(observations), ids, error, seconds, counts, status)

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
                self.store.batches.release(self._current)
                log.info("batch %d abandoned at shutdown; its observations stay pending", self._current)
            self._stopping = True
