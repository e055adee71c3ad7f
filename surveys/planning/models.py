"""Models of Night planner."""
