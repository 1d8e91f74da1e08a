"""Columns derived from a cohort by frozen, JSON-serialisable rules: cutpoints, subtypes."""
