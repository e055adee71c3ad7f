"""Domain errors shared by every app, and their mapping to HTTP answers."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


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


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF handler: domain errors become JSON with the message and the field errors."""
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "errors": exc.errors}, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": "Invalid input.", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        return Response(
            {"detail": "The database is unavailable; try again shortly.", "errors": {"database": str(exc)}},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return exception_handler(exc, context)
