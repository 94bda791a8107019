"""The next-action prediction the API and MCP serve: the predictor's answer, or why there is none."""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Predictor(Protocol):
    """Anything that can guess the user's next action (gumd.nap.service.NapService is the real one): the
    fields of a gumd.nap.predict.Prediction."""

    def predict_next(self) -> dict[str, Any]: ...


class PredictionUnavailable(RuntimeError):
    """No prediction now; `code` and the message say why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def next_action(predictor: Predictor | None) -> dict[str, Any]:
    """The predictor's guess at the user's next action; PredictionUnavailable when this daemon runs no
    predictor or it failed (a model's bad day is the caller's refusal, not the daemon's crash)."""
    if predictor is None:
        raise PredictionUnavailable("predictor_unavailable", "this daemon runs no next-action predictor")
    try:
        return predictor.predict_next()
    except Exception as e:
        log.exception("next-action prediction failed")
        raise PredictionUnavailable("prediction_failed",
                                    f"the predictor failed ({type(e).__name__}); try again later") from e
