"""Models of L3 survey analyses."""
