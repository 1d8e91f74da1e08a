"""St Gallen surrogate subtypes from ER, PR, HER2 and grade (the reference study's Methods)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mirprog.data._checks import row_mask
from mirprog.data.cohort import Cohort
from mirprog.errors import CohortError, format_ids

__all__ = ["SUBTYPE_COLUMNS", "st_gallen"]

SUBTYPE_COLUMNS = ("hr_pos", "hr_pos_her2_neg", "luminal_a", "luminal_b")
_POS = {"1", "1.0", "TRUE", "POS", "POSITIVE", "+", "YES"}
_NEG = {"0", "0.0", "FALSE", "NEG", "NEGATIVE", "-", "NO"}
_ROMAN = {"I": 1, "II": 2, "III": 3}


def _status(cohort: Cohort, column: str) -> pd.Series:
    values = cohort.column(column)
    text = values.astype("string").str.strip().str.upper()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_POS).fillna(False).to_numpy(dtype=bool)] = True
    out[text.isin(_NEG).fillna(False).to_numpy(dtype=bool)] = False
    bad = values.notna().to_numpy() & out.isna().to_numpy()
    if bad.any():
        rows = list(values.index[bad])
        found = sorted({str(v) for v in values[bad]})[:5]
        raise CohortError(
            f"Column {column!r} must be a receptor status (1/0, True/False, pos/neg, +/-); "
            f"found {found} in rows {format_ids(rows)}. Recode it, or set unknown values to "
            "missing.", column=column, rows=rows)
    return out


def _grade(cohort: Cohort, column: str) -> pd.Series:
    values = cohort.column(column)
    text = values.astype("string").str.strip().str.upper().str.replace(
        r"^(SBR|GRADE|G)\s*", "", regex=True)
    parsed = [_parse_grade(t) for t in text.fillna("")]
    out = pd.Series(parsed, index=values.index, dtype="Int64")
    bad = values.notna().to_numpy() & out.isna().to_numpy()
    if bad.any():
        rows = list(values.index[bad])
        found = sorted({str(v) for v in values[bad]})[:5]
        raise CohortError(
            f"Column {column!r} must be a grade 1/2/3 (or I/II/III, SBR1..3); found {found} in "
            f"rows {format_ids(rows)}.", column=column, rows=rows)
    return out


def _parse_grade(text: str) -> int | None:
    if text in _ROMAN:
        return _ROMAN[text]
    if re.fullmatch(r"[123](\.0)?", text):
        return int(float(text))
    return None


def st_gallen(cohort: Cohort, *, er: str, pr: str, her2: str, grade: str,
              high_grade: int = 3) -> Cohort:
    """Add St Gallen surrogate-subtype indicator columns.

    As in the reference study's Methods: HR+ = ER+ and/or PR+; HR+/HER2- ;
    luminal A = HR+, HER2- and grade (SBR) 1 or 2; luminal B = HR+ and
    (HER2+ and/or grade 3).

    Parameters
    ----------
    cohort : Cohort
    er, pr, her2 : str
        Status columns coded 1/0, True/False, "pos"/"neg", "positive"/"negative" or "+"/"-".
    grade : str
        Grade column coded 1/2/3, "I"/"II"/"III" or "SBR1".."SBR3".
    high_grade : int, default 3
        The grade counted as high proliferation.

    Returns
    -------
    Cohort
        With nullable boolean columns ``hr_pos``, ``hr_pos_her2_neg``,
        ``luminal_a``, ``luminal_b``.  A subtype is missing (<NA>) only when
        the missing status decides it (e.g. ER missing and PR negative); ER+
        with PR missing is still HR+.

    Examples
    --------
    >>> import pandas as pd
    >>> import mirprog as mp
    >>> df = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 0], "er": [1, 0, 1, 0],
    ...                    "pr": [0, 1, None, 0], "her2": ["neg", "pos", "neg", "neg"],
    ...                    "sbr": [2, 3, 3, 1]})
    >>> c = mp.st_gallen(mp.Cohort(df, time="t", event="e"), er="er", pr="pr", her2="her2",
    ...                  grade="sbr")
    >>> c.data[["hr_pos", "luminal_a", "luminal_b"]]
       hr_pos  luminal_a  luminal_b
    0    True       True      False
    1    True      False       True
    2    True      False       True
    3   False      False      False
    """
    for name in SUBTYPE_COLUMNS:
        if name in cohort.columns:
            raise CohortError(f"Column {name!r} already exists; st_gallen() would overwrite it.",
                              column=name)
    er_s, pr_s, her2_s = _status(cohort, er), _status(cohort, pr), _status(cohort, her2)
    g = _grade(cohort, grade)
    high = (g == high_grade).astype("boolean")  # Int64 comparison keeps <NA>
    hr_pos = er_s | pr_s
    her2_neg = ~her2_s
    columns = {
        "hr_pos": hr_pos,
        "hr_pos_her2_neg": hr_pos & her2_neg,
        "luminal_a": hr_pos & her2_neg & ~high,
        "luminal_b": hr_pos & (her2_s | high),
    }
    return cohort.assign(**{k: v.astype("boolean") for k, v in columns.items()})


def subgroup_mask(cohort: Cohort, subgroup: str | np.ndarray | pd.Series) -> np.ndarray:
    """Boolean mask of a subgroup given as a boolean column name or a mask (NA = not in it)."""
    name = subgroup if isinstance(subgroup, str) else None
    values = cohort.column(subgroup) if isinstance(subgroup, str) else subgroup
    return row_mask(values, cohort.ids, f"Subgroup {name or 'mask'!r}", column=name)
