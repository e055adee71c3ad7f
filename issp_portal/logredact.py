"""Keep secrets out of the logs: a2p2 secret-URL keys and API tokens are replaced before a record is written.

Django logs the request path of every 4xx/5xx answer ("Bad Request: /ob/submit/<key>/"), and
the secret URL *is* the credential a2p2 uses, so the filter sits on the loggers that create
those records (django.request, django.server) and on the console handler for everything else.
"""
from __future__ import annotations

import logging
import re

PATTERNS = [
    (re.compile(r"(/ob/submit/)[^/\s'\"?]+"), r"\1<redacted>"),
    (re.compile(r"((?:Token|Bearer)\s+)[0-9A-Za-z._\-]{16,}"), r"\1<redacted>"),
]


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is not ours to break
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
