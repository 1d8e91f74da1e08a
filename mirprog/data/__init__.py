"""Files and DataFrames in, a validated Cohort out: reading, checks, missing codes, qPCR, scales."""
