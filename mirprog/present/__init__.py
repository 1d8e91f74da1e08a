"""Results into strings, tables and figures; computes nothing."""
