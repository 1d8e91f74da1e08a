"""The reference paper's names for the general tables: Table 3 and Table 4.

The library documents :func:`~mirprog.factor_table` and :func:`~mirprog.subgroup_table`;
the paper's verbs stay for scripts written against the study.
"""

from __future__ import annotations

from mirprog.stats.factor_table import Table3Result, factor_table
from mirprog.stats.subgroup_table import Table4Result, subgroup_table

__all__ = ["Table3Result", "Table4Result", "table3", "table4"]

table3 = factor_table
"""Table 3 of the reference paper: :func:`mirprog.factor_table`."""
table4 = subgroup_table
"""Table 4 of the reference paper: :func:`mirprog.subgroup_table`."""
