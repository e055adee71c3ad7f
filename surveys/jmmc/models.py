"""Models of the JMMC catalog sync."""
