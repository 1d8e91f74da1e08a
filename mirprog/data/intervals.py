"""(start, stop] follow-up: the checks a counting-process cohort must pass.

A cohort with an ``entry`` column holds one row per *interval* of follow-up,
as R ``Surv(start, stop, event)``: a patient enters the risk set after
``start`` and leaves it at ``stop``, where ``event`` says whether the event
happened.  The rows serve two designs:

* **left truncation (delayed entry)**: one row per patient, observed from
  ``start`` (e.g. the date of the first sample) rather than from time zero;
* **time-varying covariates**: several rows per patient (the same ``id``),
  one per stretch of time in which the covariates are constant (build them
  with :func:`mirprog.survsplit` or :func:`mirprog.tmerge`).

The checks are R's, made loud: ``start < stop`` in every row (``Surv`` refuses
``start >= stop``), one patient's intervals must not overlap (R's
``survcheck`` calls this an overlap), and by default nothing happens to a
patient after their event (an interval that starts after the event is a data
error unless the study is of recurrent events: ``recurrent=True``).  Gaps
between one patient's intervals are allowed -- a patient may be out of
observation for a while -- as in R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirprog.errors import CohortError, format_ids

__all__ = ["check_intervals", "continues", "interval_rows"]


def interval_rows(patients: pd.Index, entry: np.ndarray, id_col: str | None) -> pd.Index:
    """Row labels of an interval cohort: ``(id, start)`` pairs when an id column is given.

    Without an id column every row is its own patient and keeps its label.
    """
    if id_col is None:
        return patients
    return pd.MultiIndex.from_arrays([patients, entry], names=[None, None])


def _rows(patients: pd.Index, mask: np.ndarray) -> list[object]:
    return list(dict.fromkeys(patients[mask]))


def check_intervals(entry: np.ndarray, stop: np.ndarray, event: np.ndarray,
                    patients: pd.Index, names: tuple[str, str, str], *,
                    recurrent: bool = False) -> None:
    """Refuse intervals R would refuse or that cannot be one patient's follow-up.

    Parameters
    ----------
    entry, stop, event : numpy.ndarray
        Validated start times, stop times and 0/1 events, one per row.
    patients : pandas.Index
        The patient of each row (ids repeat across a patient's intervals).
    names : (str, str, str)
        The entry, time and id column names, for messages.
    recurrent : bool
        Allow intervals after a patient's event (recurrent events).

    Raises
    ------
    CohortError
        ``start >= stop``; overlapping intervals of one patient; an interval
        that starts after the patient's event (unless ``recurrent``).
    """
    start_col, stop_col, id_col = names
    bad = entry >= stop
    if bad.any():
        rows = _rows(patients, bad)
        raise CohortError(
            f"The entry column {start_col!r} is not before the time column {stop_col!r} in "
            f"{int(bad.sum())} row(s) (patients {format_ids(rows)}): every interval must have "
            f"start < stop, as R Surv(start, stop, event) requires. Drop zero-length intervals "
            "or fix the times.", column=start_col, rows=rows)
    order = np.lexsort((stop, entry, pd.factorize(patients)[0]))
    pat = pd.factorize(patients)[0][order]
    same = pat[1:] == pat[:-1]
    overlap = same & (entry[order][1:] < stop[order][:-1])
    if overlap.any():
        rows = _rows(patients[order][1:], overlap)
        raise CohortError(
            f"Patients {format_ids(rows)} have overlapping intervals ({start_col!r}, "
            f"{stop_col!r}]: one patient's intervals must not overlap (each moment of follow-up "
            f"belongs to one row). Check the {id_col!r} column and the interval times.",
            column=start_col, rows=rows)
    after = same & (event[order][:-1] == 1)
    if after.any() and not recurrent:
        rows = _rows(patients[order][1:], after)
        raise CohortError(
            f"Patients {format_ids(rows)} have intervals after their event (an event at the end "
            f"of an interval that is followed by another interval of the same {id_col!r}). "
            "For one event per patient, end follow-up at the event; for recurrent events pass "
            "recurrent=True.", column=stop_col, rows=rows)


def continues(patients: np.ndarray, entry: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Whether each row's patient has another row starting where this one stops.

    Such a row's end is not a censoring (the patient stays at risk), as R's
    ``survfit(..., id=)`` counts ``n.censor``.
    """
    codes = pd.factorize(pd.Index(patients))[0]
    starts = set(zip(codes.tolist(), entry.tolist(), strict=True))
    return np.fromiter(((c, t) in starts for c, t in zip(codes.tolist(), stop.tolist(),
                                                          strict=True)), bool, len(stop))
