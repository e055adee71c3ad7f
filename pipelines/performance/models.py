"""Models of Instrument performance."""
