"""Typed errors and warnings raised by mirprog: every public one is defined here.

Every error a user can cause derives from :class:`MirprogError`, so a script
can catch them all in one place; messages name the column, the first
offending row ids and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mirprog.output import escape_terminal

__all__ = [
    "ArgumentError",
    "AuditInputError",
    "BandwidthWarning",
    "BootstrapFitWarning",
    "CauseError",
    "CohortError",
    "ConvergenceWarning",
    "DataFileError",
    "HorizonWarning",
    "MirprogError",
    "MirprogWarning",
    "ModelFileError",
    "ModelFileWarning",
    "MonotoneLikelihoodWarning",
    "NonPositiveMarkerWarning",
    "ScaleWarning",
    "StudyFileError",
    "UnitWarning",
    "format_ids",
]

MAX_IDS_SHOWN = 5


class MirprogError(Exception):
    """Base class of every error mirprog raises for a user mistake."""


class CohortError(MirprogError, ValueError):
    """A cohort table is unusable as given: a column is missing, mis-coded or inconsistent.

    Attributes
    ----------
    column : str or None
        The column at fault, when there is one.
    rows : tuple
        Up to the first few offending row ids.
    """

    def __init__(self, message: str, *, column: str | None = None, rows: Sequence[Any] = ()):
        super().__init__(message)
        self.column = column
        self.rows = tuple(rows)[:MAX_IDS_SHOWN]


class CauseError(CohortError):
    """A cohort with competing causes used where one event is needed, or an unknown cause.

    The message says how to choose: ``cohort.for_cause("recurrence")`` (cause-specific,
    other causes censored), ``cohort.for_cause("any")`` (composite) or ``cause=``.
    """


class ArgumentError(MirprogError, ValueError):
    """An argument of a mirprog function is out of its domain (a p-value above 1, a bad option).

    Subclasses ``ValueError`` too, so code that caught the ``ValueError`` raised before
    keeps working.

    Attributes
    ----------
    argument : str or None
        The name of the argument at fault.
    """

    def __init__(self, message: str, *, argument: str | None = None):
        super().__init__(message)
        self.argument = argument


class DataFileError(MirprogError, OSError):
    """A data file cannot be found or read in a format mirprog knows."""


class ModelFileError(MirprogError, ValueError):
    """A model or cutpoints file is corrupted, tampered with, or of an unknown schema.

    The message names the offending field as a JSON path (e.g.
    ``cutpoints[0].thresholds[1]``), what is wrong with it and the fix.
    """


class StudyFileError(MirprogError, ValueError):
    """A study file (TOML) is unreadable or asks for something it cannot have.

    The message names the key as ``table.key``, its line in the file and the fix.
    """


class MirprogWarning(UserWarning):
    """Base class of mirprog's warnings."""


class MonotoneLikelihoodWarning(MirprogWarning):
    """A Cox coefficient is drifting to infinity (e.g. a group with no events).

    The reported hazard ratio and its confidence interval are not meaningful;
    a Firth-penalised fit is the usual remedy.
    """


class UnitWarning(MirprogWarning):
    """Follow-up times look like a mix of units, or implausible for the stated ``time_unit``.

    A warning, not an error: the heuristics behind it (see :class:`mirprog.Cohort`,
    Notes) can be wrong for an unusual cohort.  If the times are right, silence
    it with ``warnings.simplefilter("ignore", mp.UnitWarning)``.
    """


class ModelFileWarning(MirprogWarning):
    """A model file loads, but from an older schema that lacks something (e.g. the time unit)."""


class ConvergenceWarning(MirprogWarning):
    """An iterative fit stopped at its iteration limit before converging."""


class HorizonWarning(MirprogWarning):
    """A requested horizon lies beyond the training follow-up: its survival is NaN."""


class NonPositiveMarkerWarning(MirprogWarning):
    """Rows with marker + offset <= 0 cannot be log-transformed and were excluded."""


class BandwidthWarning(MirprogWarning):
    """R's default bandwidth of a smoothed calibration curve (``KernSmooth::dpik``) does not
    exist at a horizon (most predicted risks tie there; R stops): n^(-1/4) is used there
    (``calibration_curve["bandwidth"]``); give ``smooth_bandwidth`` to choose it."""


class BootstrapFitWarning(MirprogWarning):
    """Some bootstrap refits failed (singular, monotone or not converged) and were left out."""


class AuditInputError(MirprogError, ValueError):
    """A table given to :func:`mirprog.audit.check_table` cannot be audited as given."""


class ScaleWarning(MirprogWarning):
    """A marker in the scored cohort looks like it is on another scale than in training.

    Raised by :meth:`PrognosticModel.score` and :meth:`Cutpoints.apply` (see
    :func:`check_scale` for the rule), e.g. raw Ct values scored by a model
    trained on relative expression.  The frozen threshold is still applied as
    it is; check units and normalisation.
    """


def format_ids(ids: Sequence[Any], total: int | None = None) -> str:
    """Render the first few offending ids, and how many there are in all.

    Control characters in an id are shown as escapes (:func:`~mirprog.output.escape_terminal`).

    Examples
    --------
    >>> format_ids(["p1", "p7"])
    'p1, p7'
    >>> format_ids(list(range(9)))
    '0, 1, 2, 3, 4 (and 4 more)'
    """
    ids = list(ids)
    count = len(ids) if total is None else total
    shown = ", ".join(escape_terminal(i, newlines=False) for i in ids[:MAX_IDS_SHOWN])
    more = count - min(len(ids), MAX_IDS_SHOWN)
    return shown + (f" (and {more} more)" if more > 0 else "")
