"""The OB format moved to domain.ob_format; these names stay importable for the demo loader (obs_server.demo)."""
from domain.ob_format import ObDefinition, ObTarget, definition_to_payload  # noqa: F401
