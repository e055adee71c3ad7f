"""The one loader for plug-in classes named by dotted path in settings."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


def load_plugin(setting_name: str, key: str | None = None) -> Any:
    """Import the class named by `settings.<setting_name>` (or its entry `key`)."""
    value = getattr(settings, setting_name, None)
    if value is None:
        raise ImproperlyConfigured(f"settings.{setting_name} is not set.")
    if key is not None:
        if not isinstance(value, dict) or key not in value:
            raise ImproperlyConfigured(f"settings.{setting_name} has no entry for {key!r}.")
        value = value[key]
    if not value:  # e.g. an instrument's L1 runner in production, where no stand-in is the default
        where = f"settings.{setting_name}" + (f"[{key!r}]" if key is not None else "")
        raise ImproperlyConfigured(f"{where} is empty: nothing is configured.")
    try:
        return import_string(value)
    except ImportError as exc:
        raise ImproperlyConfigured(f"settings.{setting_name}[{key!r}] = {value!r} cannot be imported: {exc}")
