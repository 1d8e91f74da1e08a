"""Arrays-only kernels (no pandas, no Cohort): Cox and its batch, Firth, maxstat,
distributions, time ties."""
