"""Audit of published survival tables: do a printed HR, its CI and its p-value hold together?

:func:`check_table` takes rows as printed (label, the value headed "HR", the CI
bounds, p, optionally n and events) and flags the inconsistencies that can be
proved from the printed digits alone: an "HR" that is really a log-rank χ², a
p-value the CI cannot give, a value that is neither, and a CI narrower than
the number of events allows.  :func:`load_published_tables` gives the
reference study's Tables 3 and 4 as printed.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from mirprog._engine.dist import chi2_sf, normal_p, zcrit
from mirprog._result import Result
from mirprog.errors import AuditInputError, DataFileError

__all__ = ["AuditInputError", "AuditResult", "check_table", "load_published_tables",
           "main_report"]

REQUIRED = ("label", "value", "ci_lower", "ci_upper", "p")
# flag column -> its short form in summary()
FLAGS = {"hr_not_centered": "off-centre", "p_inconsistent_with_ci": "p≠CI", "value_is_chi2": "χ²",
         "ci_needs_more_events": "events", "value_impossible": "impossible"}
_CI_COLUMNS = ("hr_from_ci", "hr_from_ci_lo", "hr_from_ci_hi", "se_log_hr", "p_wald", "p_wald_lo",
               "p_wald_hi", "chi2_from_ci_lo", "chi2_from_ci_hi", "min_events")
_NUMBER = re.compile(r"([<>]?)\s*([-−]?)(\d+(?:\.\d*)?|\.\d+)")
_MISSING = {"", "n/a", "na", "nan", "nd", "none", "-", "–", "—"}
_FIX = ("expected columns label, value, ci_lower, ci_upper, p (optional n, events, table); "
        "enter numbers as printed, e.g. '6.80', and leave both CI cells empty (or N/A) when the "
        "table prints no CI")


class _Printed(NamedTuple):
    x: float  # the number as printed
    lo: float  # smallest true value that prints as x
    hi: float  # largest true value that prints as x
    text: str


def _parse(raw: Any, column: str, label: str, decimals: int) -> _Printed | None:
    """A printed number and the interval of true values that round to it (None when blank)."""
    if raw is None or raw is pd.NA:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in _MISSING:
            return None
        m = _NUMBER.search(text)
        if m is None:
            raise AuditInputError(f"Row {label!r}: {column} {raw!r} is not a number; {_FIX}.")
        x = float(m.group(3)) * (-1 if m.group(2) else 1)
        half = 0.5 * 10.0 ** -len(m.group(3).partition(".")[2])
        if m.group(1):
            return _Printed(x, 0.0, x, text) if m.group(1) == "<" else _Printed(x, x, 1.0, text)
        return _Printed(x, x - half, x + half, m.group(2) + m.group(3))
    try:
        x = float(raw)
    except (TypeError, ValueError):
        raise AuditInputError(f"Row {label!r}: {column} {raw!r} is not a number; {_FIX}.") from None
    if math.isnan(x):
        return None
    own = len(np.format_float_positional(x, trim="-").partition(".")[2])
    digits = max(decimals, min(own, 15))
    return _Printed(x, x - 0.5 * 10.0 ** -digits, x + 0.5 * 10.0 ** -digits, f"{x:.{digits}f}")


def _meets(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    """Do two closed intervals overlap (with a hair of float tolerance)?"""
    return a_lo <= b_hi + 1e-12 and b_lo <= a_hi + 1e-12


def _chi2_sf(x: float) -> float:
    return chi2_sf(x, 1)


def _ci_stats(lo: _Printed, hi: _Printed, zc: float) -> dict[str, float]:
    """Everything the CI implies, with its range over the rounding box of both bounds."""
    a, b = (math.log(lo.lo), math.log(lo.hi)), (math.log(hi.lo), math.log(hi.hi))
    sums = [ai + bi for ai in a for bi in b]
    z = [zc * abs(ai + bi) / (bi - ai) for ai in a for bi in b if bi > ai]
    straddles = min(sums) <= 0 <= max(sums)
    se_min, se_max = max(b[0] - a[1], 0.0) / (2 * zc), (b[1] - a[0]) / (2 * zc)
    beta_min = 0.0 if straddles else min(abs(s) for s in sums) / 2
    beta_max = max(abs(s) for s in sums) / 2
    se = (math.log(hi.x) - math.log(lo.x)) / (2 * zc)
    gm = math.sqrt(lo.x * hi.x)
    h_lo = min((1 - math.exp(-t)) ** 2 * math.exp(-t) for t in (beta_min, beta_max))
    h_hi = (math.exp(beta_max) - 1) ** 2 * math.exp(beta_max)
    return {
        "hr_from_ci": gm, "hr_from_ci_lo": math.sqrt(lo.lo * hi.lo),
        "hr_from_ci_hi": math.sqrt(lo.hi * hi.hi), "se_log_hr": se,
        "p_wald": float(normal_p(math.log(gm) / se)),
        "p_wald_lo": float(normal_p(max(z, default=math.inf))),
        "p_wald_hi": 1.0 if straddles else float(normal_p(min(z))),
        "chi2_from_ci_lo": h_lo / se_max**2,
        "chi2_from_ci_hi": math.inf if se_min <= 0 else h_hi / se_min**2,
        "min_events": float(math.ceil(4 / se_max**2 - 1e-9)),
    }


def _reading(hr_full: bool | None, centered: bool, chi2_ok: bool) -> str:
    """Which reading of the value fits: hr_full is None when there is no CI to test an HR."""
    if hr_full is None or hr_full:
        return "either" if chi2_ok else "hr"
    return "chi2" if chi2_ok else ("hr" if centered else "neither")


def _audit_row(r: Mapping[Any, Any], decimals: int, zc: float,
               events: float | None) -> tuple[dict[str, Any], dict[str, str]]:
    """One row's numbers and flags, plus the printed strings for the findings."""
    label = str(r["label"])
    v, lo, hi, p = (_parse(r[c], c, label, decimals if c != "p" else 0)
                    for c in ("value", "ci_lower", "ci_upper", "p"))
    n, ev = (_parse(r.get(c), c, label, 0) for c in ("n", "events"))
    v = _validate(label, v, lo, hi, p)
    out: dict[str, Any] = {
        "label": label, "value": v.x, "ci_lower": lo.x if lo else np.nan,
        "ci_upper": hi.x if hi else np.nan, "p": p.x if p else np.nan,
        "n": n.x if n else np.nan,
        "events": ev.x if ev else (np.nan if events is None else float(events))}
    has_ci = lo is not None and hi is not None
    ci = _ci_stats(lo, hi, zc) if lo and hi else dict.fromkeys(_CI_COLUMNS, np.nan)
    out.update(ci)
    out.update(p_if_chi2=_chi2_sf(v.x), p_if_chi2_lo=_chi2_sf(v.hi), p_if_chi2_hi=_chi2_sf(v.lo))
    centered = has_ci and _meets(v.lo, v.hi, ci["hr_from_ci_lo"], ci["hr_from_ci_hi"])
    p_bad = has_ci and p is not None and not _meets(p.lo, p.hi, ci["p_wald_lo"], ci["p_wald_hi"])
    chi2_ok = (p is not None and _meets(p.lo, p.hi, out["p_if_chi2_lo"], out["p_if_chi2_hi"])
               and (not has_ci or _meets(v.lo, v.hi, ci["chi2_from_ci_lo"],
                                         ci["chi2_from_ci_hi"])))
    caps = [x for x in (out["n"], out["events"]) if not math.isnan(x)]
    out.update(reading=_reading((centered and not p_bad) if has_ci else None, centered, chi2_ok),
               hr_not_centered=has_ci and not centered, p_inconsistent_with_ci=p_bad,
               ci_needs_more_events=bool(has_ci and caps and out["min_events"] > min(caps)))
    text = {"value": v.text, "ci": f"{lo.text}–{hi.text}" if lo and hi else "",
            "p": p.text if p else "NA"}
    return out, text


def _validate(label: str, v: _Printed | None, lo: _Printed | None, hi: _Printed | None,
              p: _Printed | None) -> _Printed:
    """Raise an AuditInputError naming the row and the fix; return the (present) value."""
    if v is None or v.x < 0:
        raise AuditInputError(f"Row {label!r}: value must be a printed HR or χ² (≥ 0), got "
                              f"{v.text if v else 'nothing'}; {_FIX}.")
    if (lo is None) != (hi is None):
        raise AuditInputError(f"Row {label!r}: only one CI bound is given; give both bounds or "
                              "leave both empty.")
    if lo is not None and hi is not None:
        if lo.x <= 0 or hi.x <= 0:
            raise AuditInputError(f"Row {label!r}: CI bounds {lo.text}–{hi.text} must be positive "
                                  "(a hazard-ratio CI, not a log-HR or coefficient CI); "
                                  "exponentiate log-scale bounds first.")
        if lo.x >= hi.x:
            raise AuditInputError(f"Row {label!r}: ci_lower {lo.text} is not below ci_upper "
                                  f"{hi.text}; put the lower bound in ci_lower (swap them).")
    if p is not None and not 0 <= p.x <= 1:
        raise AuditInputError(f"Row {label!r}: p {p.text} is outside [0, 1]; give the p-value "
                              "as printed, e.g. 0.009 (not a percentage).")
    return v


def _as_frame(rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    frame = rows.reset_index(drop=True) if isinstance(rows, pd.DataFrame) else pd.DataFrame(
        list(rows))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if frame.empty or missing:
        what = f"no column(s) {', '.join(map(repr, missing))}" if missing else "no rows"
        raise AuditInputError(f"The table to audit has {what}; {_FIX}. Rename columns to match, "
                              "e.g. rows.rename(columns={'HR': 'value'}).")
    return frame


def _by_column(table: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """Within a table, rows that fit either reading are χ² when the others prove the column is."""
    by_col = pd.Series(False, index=table.index)
    for _, idx in table.groupby(groups).groups.items():
        reading = table.loc[idx, "reading"]
        if (reading == "chi2").any() and not (reading == "hr").any():
            flip = reading.index[reading == "either"]
            table.loc[flip, "reading"] = "chi2"
            by_col[flip] = True
    return by_col


def _row_findings(r: Any, t: dict[str, str], name: str, group: str, by_col: bool) -> list[str]:
    v, p, ci = t["value"], t["p"], t["ci"]
    implied = (f"the CI {ci} implies HR {r.hr_from_ci:.2f} (Wald p {r.p_wald:.3g})" if ci
               else "no CI is printed")
    out = []
    if r.reading == "chi2" and by_col:
        out.append(f'{name}: the printed "HR" {v} fits either reading on its own (chi2.sf({v}, 1) '
                   f"= {r.p_if_chi2:.3g} against p {p}; {implied}), but the other rows of "
                   f"{group!r} show that column holds log-rank χ² statistics.")
    elif r.reading == "chi2":
        out.append(f'{name}: the printed "HR" {v} is a χ² statistic, not a hazard ratio: '
                   f"chi2.sf({v}, 1) = {r.p_if_chi2:.3g} matches the printed p {p}, whereas "
                   f"{implied}.")
    elif r.reading == "neither":
        p_note = (f"the printed p {p} does fit the CI" if not r.p_inconsistent_with_ci else
                  f"nor does p {p} fit it: Wald p {r.p_wald_lo:.3g}–{r.p_wald_hi:.3g}")
        bound = (f", and the CI allows a log-rank χ² of at most {r.chi2_from_ci_hi:.3g}"
                 if r.value > r.chi2_from_ci_hi else "")
        out.append(f"{name}: the printed {v} fits neither reading. As a hazard ratio it is not the "
                   f"geometric mean of its CI {ci} ({r.hr_from_ci_lo:.3f}–{r.hr_from_ci_hi:.3f} "
                   f"allowing for rounding; {p_note}); as a χ² its p would be {r.p_if_chi2:.3g}, "
                   f"not {p}{bound}.")
    elif r.p_inconsistent_with_ci:
        out.append(f"{name}: the printed p {p} cannot come from the Wald test of the CI {ci} "
                   f"(p {r.p_wald_lo:.3g}–{r.p_wald_hi:.3g} allowing for rounding); it may be from "
                   "another test (log-rank, likelihood ratio) or a misprint.")
    if r.ci_needs_more_events:
        cap, known = ((r.events, "events") if r.events <= r.n or math.isnan(r.n)
                      else (r.n, "patients"))
        out.append(f"{name}: a CI as narrow as {ci} (SE(log HR) ≥ {r.se_log_hr:.3f}) needs at "
                   f"least {r.min_events:.0f} events for a binary factor, more than the "
                   f"{cap:.0f} {known} given.")
    return out


def _event_notes(table: pd.DataFrame, groups: pd.Series) -> list[str]:
    """Per table, when event counts are unknown: the most events any CI width demands."""
    notes = []
    unknown = table["events"].isna() & table["min_events"].notna() & ~table["ci_needs_more_events"]
    for group, idx in table[unknown].groupby(groups[unknown]).groups.items():
        r = table.loc[table.loc[idx, "min_events"].idxmax()]
        where = f"{group}: " if group else ""
        notes.append(f"{where}events not given; the narrowest CI ({r['label']}, "
                     f"{r['ci_lower']:.2f}–{r['ci_upper']:.2f}) needs at least "
                     f"{r['min_events']:.0f} events if the factor is binary (min_events gives "
                     "every row's bound); compare with the cohort's event count (events=).")
    return notes


@dataclass(frozen=True)
class AuditResult(Result):
    """What :func:`check_table` found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per input row (see :func:`check_table` for the columns).
    findings : tuple of str
        Plain-English findings, in row order, then notes on unknown event counts.
    conf_level : float
    """

    table: pd.DataFrame
    findings: tuple[str, ...]
    conf_level: float


    def summary(self) -> str:
        """A text report: the findings, then one line per row."""
        t = self.table
        lines = [f"Audit of {len(t)} published row(s) ({self.conf_level:.0%} CIs, allowing for "
                 f"rounding): {len(self.findings)} finding(s)."]
        lines += [textwrap.fill(f, 100, initial_indent="- ", subsequent_indent="  ")
                  for f in self.findings]
        show = pd.DataFrame({
            "label": [s if len(s) <= 30 else s[:29] + "…" for s in t["label"]],
            "value": t["value"], "CI": [f"{a:.2f}–{b:.2f}" if b == b else "" for a, b in
                                       zip(t["ci_lower"], t["ci_upper"], strict=True)],
            "p": t["p"], "HR from CI": t["hr_from_ci"].round(2), "Wald p": t["p_wald"].round(3),
            "χ² p": t["p_if_chi2"].round(3), "min events": t["min_events"].astype("Int64"),
            "reading": t["reading"],
            "flags": [" ".join(s for f, s in FLAGS.items() if r[f]) for _, r in t.iterrows()]})
        if "table" in t.columns:
            show.insert(0, "table", t["table"])
        return "\n".join([*lines, "", show.to_string(index=False, na_rep="")])

    def __repr__(self) -> str:
        return f"AuditResult({len(self.table)} rows, {len(self.findings)} findings)"


def check_table(rows: pd.DataFrame | Sequence[Mapping[str, Any]], *, conf_level: float = 0.95,
                decimals: int | None = None, events: float | None = None) -> AuditResult:
    """Check that each published row's value, CI and p-value can hold together.

    Parameters
    ----------
    rows : DataFrame or sequence of mappings
        Columns ``label, value, ci_lower, ci_upper, p`` and optionally ``n``,
        ``events`` and ``table`` (rows sharing a ``table`` are one printed
        column).  ``value`` is the number printed under "HR".  Give numbers as
        printed strings (``"6.80"``, ``"NS (0.17)"``, ``"<0.001"``) so their
        rounding is known; empty or ``"N/A"`` CI cells mean no CI.
    conf_level : float, default 0.95
        Level of the printed CIs.
    decimals : int, optional
        Decimals of numeric (non-string) value and CI entries (default 2); a
        numeric p's precision is read from its own digits (0.009 → ±0.0005).
    events : float, optional
        Number of events, or an upper bound such as the cohort's total, for
        rows whose ``events`` cell is empty.

    Returns
    -------
    AuditResult
        ``table`` has, per input row: ``label`` (``table``), ``value,
        ci_lower, ci_upper, p, n, events`` as numbers; ``hr_from_ci`` (the
        CI's geometric mean) with ``hr_from_ci_lo/_hi``, its range under
        rounding; ``se_log_hr``; ``p_wald`` with ``p_wald_lo/_hi``;
        ``chi2_from_ci_lo/_hi``, the log-rank χ² the CI allows; ``min_events``;
        ``p_if_chi2`` with ``p_if_chi2_lo/_hi``; ``reading`` (``"hr"``,
        ``"chi2"``, ``"either"`` or ``"neither"``); and the boolean flags
        ``hr_not_centered, p_inconsistent_with_ci, value_is_chi2,
        ci_needs_more_events, value_impossible``.

    Raises
    ------
    AuditInputError
        A required column is missing, a number is unreadable, a CI has one
        bound, non-positive bounds or lower ≥ upper, or p is outside [0, 1].

    Notes
    -----
    Every printed number x with k decimals stands for [x − ½·10⁻ᵏ, x + ½·10⁻ᵏ];
    a check fails only if no values in those intervals satisfy it.  From the CI
    (l, u): HR = √(l·u), SE = (ln u − ln l)/(2 z), Wald p = 2Φ(−|ln HR|/SE).

    * ``min_events`` = ⌈4/SE²⌉: for a binary factor the Cox information is
      Σ p(1 − p) over events ≤ d/4 (Breslow or Efron, any other covariates),
      so SE ≥ 2/√d.  Not valid for continuous factors.
    * The χ² reading must also fit the CI: with β = |ln HR|, the information
      ratio I(b)/I(β) lies in exp(±|b − β|), which bounds the log-rank (score)
      χ² between (1 − e^−β)² e^−β / SE² and (e^β − 1)² e^β / SE² (exact for
      untied times; ties raise the log-rank χ² slightly).
    * ``value_is_chi2``: p matches chi2.sf(value, 1) but the HR reading fails
      (off-centre, or p not the Wald p).  A row that fits both readings is
      called χ² when another row of its ``table`` is χ² and none is an HR.
    * ``value_impossible``: the value is off-centre as an HR and fails as a χ².

    Examples
    --------
    >>> res = check_table([{"label": "miR-125b", "value": "6.80", "ci_lower": "1.35",
    ...                     "ci_upper": "35.26", "p": "0.009"}])
    >>> row = res.table.iloc[0]
    >>> str(row["reading"]), round(float(row["hr_from_ci"]), 2), round(float(row["p_wald"]), 3)
    ('chi2', 6.9, 0.02)
    >>> print(res.findings[0])
    miR-125b: the printed "HR" 6.80 is a χ² statistic, not a hazard ratio: chi2.sf(6.80, 1) =
    0.00912 matches the printed p 0.009, whereas the CI 1.35–35.26 implies HR 6.90 (Wald p 0.0203).
    """
    frame = _as_frame(rows)
    if decimals is not None and (not isinstance(decimals, int) or decimals < 0):
        raise AuditInputError(f"decimals must be a non-negative integer, got {decimals!r}.")
    zc = zcrit(conf_level)
    done = [_audit_row(r, 2 if decimals is None else decimals, zc, events)
            for r in frame.to_dict("records")]
    table = pd.DataFrame([row for row, _ in done])
    groups = (frame["table"].fillna("").astype(str) if "table" in frame.columns
              else pd.Series("", index=table.index))
    if "table" in frame.columns:
        table.insert(1, "table", groups)
    by_col = _by_column(table, groups)
    table["value_is_chi2"] = table["reading"] == "chi2"
    table["value_impossible"] = table["reading"] == "neither"
    table = table[[c for c in table.columns if c not in FLAGS] + list(FLAGS)]
    findings: list[str] = []
    for r, (_, text), group, col in zip(table.itertuples(), done, groups, by_col, strict=True):
        name = f"{group} · {r.label}" if group else str(r.label)
        findings += _row_findings(r, text, name, group, bool(col))
    return AuditResult(table, tuple(findings + _event_notes(table, groups)), conf_level)


def published_path() -> Any:
    return resources.files("mirprog.datasets").joinpath("published_tables.csv")


def load_published_tables() -> pd.DataFrame:
    """The reference study's Table 3 (univariate, multivariate) and Table 4, as printed.

    Columns ``table, label, value, ci_lower, ci_upper, p, n, events, note``,
    all kept as the printed strings (so :func:`check_table` knows their
    rounding); ``events`` is empty (not published), "NS (0.17)" is entered as
    0.17 and "N/A" CIs as empty cells.

    Examples
    --------
    >>> tables = load_published_tables()
    >>> tables.shape, tables.loc[0, "value"]
    ((19, 9), '6.80')
    """
    return pd.read_csv(StringIO(published_path().read_text(encoding="utf-8")), dtype=str)


def main_report(path: str | Path, *, events: float | None = None,
                conf_level: float = 0.95) -> str:
    """Text report of :func:`check_table` on a CSV file (the ``mirprog audit`` command).

    Examples
    --------
    >>> print(main_report(str(published_path())).splitlines()[0])
    Audit of 19 published row(s) (95% CIs, allowing for rounding): ... finding(s).
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(f"No table file at {str(file)!r}; give a CSV with columns "
                            "label, value, ci_lower, ci_upper, p (optional n, events, table).")
    try:
        frame = pd.read_csv(file, dtype=str)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(f"Cannot read {str(file)!r} as a CSV table: {exc}") from exc
    return check_table(frame, events=events, conf_level=conf_level).summary()
