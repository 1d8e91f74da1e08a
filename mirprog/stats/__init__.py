"""Cohort in, frozen result out: Kaplan–Meier, log-rank, Cox and its relatives, tables, screens."""
