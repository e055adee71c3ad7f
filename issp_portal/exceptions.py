"""The DRF exception handler: domain errors (``domain.errors``) become HTTP answers."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from domain.errors import ApplicationError


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
