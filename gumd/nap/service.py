"""The predictor inside the daemon: it follows the store's new observations as actions, learns from
each (scoring earlier predictions, growing the trace library), and answers the API's predict_next().
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Callable

from gumd.nap.actions import Segmenter, moment_of, record
from gumd.nap.predict import Predictor
from gumd.store import Store, retryable_write_error

log = logging.getLogger(__name__)


class NapService:
    """`follow()` on a timer, `predict_next()` from the API; `model_free()` says whether the model may be used now."""

    def __init__(
        self,
        store: Store,
        predictor: Predictor,
        model_free: Callable[[], bool] = lambda: True,
        publish: Callable[[str, dict[str, Any]], Any] = lambda kind, data: None,
    ):
        self.store = store
        self.predictor = predictor
        self.model_free = model_free
        self.publish = publish
        self.segmenter = Segmenter()
        self._last_id = store.observations.newest_id()
        self._lock = threading.Lock()
        self.write_error: str | None = None

    def follow(self) -> int:
        """Turn observations stored since the last call into actions and learn from them; returns how many actions.

        While the database refuses writes (a full disk), the actions of the observations read meanwhile are
        skipped, with one log line: they are derived data, and the observations themselves stay.
        """
        with self._lock:
            actions = 0
            for o in self.store.observations.after(self._last_id):
                self._last_id = o.id
                try:
                    for action in record(self.store, self.segmenter, moment_of(o)):
                        self.predictor.observe(action)
                        actions += 1
                except Exception as e:
                    if (reason := retryable_write_error(e)) is None:
                        raise
                    if self.write_error is None:
                        log.warning("the next-action predictor cannot store actions (%s); it skips them until "
                                    "the database takes writes again", reason)
                    self.write_error = reason
                    return actions
            if self.write_error is not None and actions:
                log.info("the next-action predictor stores actions again")
                self.write_error = None
            return actions

    def predict_next(self) -> dict[str, Any]:
        """The next action(s) as a dict for the API; the model is used only when it is not busy with a batch."""
        newest = self.store.observations.newest(limit=1)
        screen = newest[0].text if newest else ""
        with self._lock:
            prediction = self.predictor.predict_next(screen_text=screen, use_model=self.model_free())
        data = dataclasses.asdict(prediction)
        self.publish("prediction", data)
        return data

