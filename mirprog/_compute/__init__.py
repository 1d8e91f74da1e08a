"""Execution machinery every layer may use: threads, Dask, progress bars."""
