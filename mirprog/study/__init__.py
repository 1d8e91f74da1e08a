"""The reference paper as an application of the layers below: its Table 3 and Table 4
(:mod:`~mirprog.study.paper`), the reproduction (:mod:`~mirprog.study.reproduce`) and the
HTML report (:mod:`~mirprog.study.report`).
"""

from mirprog.study.paper import Table3Result, Table4Result, table3, table4

__all__ = ["Table3Result", "Table4Result", "table3", "table4"]
