"""The project's domain errors (no Django, no DRF).

Pure modules (``domain.ob_format``, the importers) raise these; the API maps
them to HTTP answers in ``issp_portal.exceptions.api_exception_handler`` and
the pages show their message, so the error classes carry their status code but
import nothing from the web layer.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "ApplicationError", "ConflictError", "NotFoundError", "PermissionRefused", "ServiceUnavailable",
    "ValidationFailed",
]


class ApplicationError(Exception):
    """Base of the project's errors; carries a message and per-field details."""

    http_status = 400

    def __init__(self, message: str, errors: dict[str, Any] | list | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(ApplicationError):
    """Input refused: `errors` maps each bad field to the reason."""


class PermissionRefused(ApplicationError):
    http_status = 403


class NotFoundError(ApplicationError):
    http_status = 404


class ConflictError(ApplicationError):
    http_status = 409


class ServiceUnavailable(ApplicationError):
    """An outside system (database, broker, archive, OiDB) cannot be reached."""

    http_status = 503
