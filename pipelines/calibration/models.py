"""Models of L2 calibration."""
