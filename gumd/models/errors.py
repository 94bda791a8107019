"""The typed errors of the model layer; callers catch ModelError and go on."""

from __future__ import annotations


class ModelError(RuntimeError):
    """The model could not give a usable answer."""


class SchemaViolation(ModelError):
    """The model's answer broke the JSON schema twice in a row."""


class ModelTimeout(ModelError):
    """The model (a remote server) did not answer within the configured time."""


class ModelNotFound(FileNotFoundError, ModelError):
    """A model setting names no preset or no existing file; the message says what to do."""


class ServerRefused(ModelError):
    """A model server answered the request with an HTTP error; `status` is its code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status
