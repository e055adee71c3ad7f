"""Companion (binary) search with detection limits: CANDID's scheme, vectorised. Pure numpy/scipy, no Django."""
from .data import BinaryData, CompanionDataError, read_binary_data
from .errors import Systematics
from .search import Companion, SearchResult, companion_search

__all__ = ["BinaryData", "Companion", "CompanionDataError", "SearchResult", "Systematics", "companion_search",
           "read_binary_data"]
