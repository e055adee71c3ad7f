"""Turn a lost database connection into a clear 503, and a full disk into a clear 507, instead of a 500 page."""
from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from domain.storage import MESSAGE as DISK_FULL_MESSAGE
from domain.storage import disk_full

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable while serving %s: %s", request.path, exception)
        message = "The portal's database is unavailable right now; please retry in a minute."
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": message, "errors": {"database": "unreachable"}}, status=503)
        return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")


class DiskFullMiddleware:
    """A write refused by the disk (full, over quota, read-only) answers 507 Insufficient Storage with the
    reason; the writers have already removed what they wrote and rolled their rows back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        full = disk_full(exception)
        if full is None:
            return None
        logger.error("disk full while serving %s: %s", request.path, full)
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": DISK_FULL_MESSAGE, "errors": {"storage": "disk full"}}, status=507)
        return HttpResponse(DISK_FULL_MESSAGE, status=507, content_type="text/plain; charset=utf-8")


class UploadSizeLimitMiddleware:
    """Refuse oversized request bodies with 413 and the limit, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        limit = settings.PORTAL_MAX_UPLOAD_BYTES
        if not request.content_type.startswith("multipart/") and settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
            # Non-file bodies are read into memory: Django would refuse them past DATA_UPLOAD_MAX_MEMORY_SIZE
            # with a bare HTML 400 (RequestDataTooBig); say it here, as JSON, with the limit.
            limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header.",
                                 "errors": {"Content-Length": "not an integer"}}, status=400)
        if length > limit:
            message = f"Request body of {length} bytes exceeds the {limit} byte limit."
            return JsonResponse({"detail": message, "errors": {"body": message}}, status=413)
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """Answers given to a logged-in user (session or token) may hold proprietary data: no cache
    (browser, proxy) keeps them. A view that set its own Cache-Control (the ETag'd queue) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if signed_in and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
