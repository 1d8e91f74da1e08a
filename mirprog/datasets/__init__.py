"""Bundled cohorts, shipped with the package so examples and tests never download data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import DataFileError, MirprogError

__all__ = ["dataset_path", "load_gbsg2", "load_reference_cohort"]

_FILES = {"gbsg2": "gbsg2.csv", "reference": "reference_cohort.csv"}


def dataset_path(name: str) -> Path:
    """Path of a bundled data file (``"gbsg2"``).

    Examples
    --------
    >>> dataset_path("gbsg2").name
    'gbsg2.csv'
    """
    if name not in _FILES:
        raise MirprogError(f"No bundled dataset {name!r}; available: {sorted(_FILES)}.")
    return Path(str(resources.files(__name__).joinpath(_FILES[name])))


def load_gbsg2() -> Cohort:
    """The German Breast Cancer Study Group 2 cohort (686 patients, 299 recurrences).

    Recurrence-free survival in days (``time``, ``cens`` = 1 for recurrence or
    death), with hormonal therapy (``horTh``), ``age``, menopausal status,
    tumour size (mm), grade (``tgrade``, ordered I < II < III), positive nodes
    (``pnodes``), progesterone and oestrogen receptors (``progrec``,
    ``estrec``, fmol/l).  Rows are in the order of R's ``TH.data::GBSG2``,
    with an added ``id`` 1..686.

    References
    ----------
    Schumacher M et al. (1994), J Clin Oncol 12:2086-2093; data as distributed
    in the R package TH.data.

    Examples
    --------
    >>> gbsg = load_gbsg2()
    >>> gbsg.n, gbsg.n_events
    (686, 299)
    """
    df = pd.read_csv(dataset_path("gbsg2"))
    df["tgrade"] = pd.Categorical(df["tgrade"], categories=["I", "II", "III"], ordered=True)
    return Cohort(df, time="time", event="cens", id="id")


def load_reference_cohort() -> Cohort:
    """The SYNTHETIC 65-patient reference cohort of the miR-125b study (not patient data).

    Reconstructed from the published summary statistics of the reference study
    (miR-125b and aromatase-inhibitor resistance; Tables 3 and 4) by a seeded
    search (``scripts/reconstruct_reference_cohort.py``); its data card,
    ``reference_cohort.md`` beside the CSV, lists which published numbers it
    meets and which are provably infeasible.  Columns: ``id``, ``rfs_years``,
    ``relapse``, ``mir125b``, ``mir205``, ``mir424`` (relative expression),
    ``age``, ``tumour_size_mm`` (one missing), ``nodes``, ``sbr_grade``, ``er``,
    ``pr``, ``her2``.

    Examples
    --------
    >>> ref = load_reference_cohort()
    >>> ref.n, ref.n_events
    (65, 10)
    """
    path = dataset_path("reference")
    if not path.is_file():
        raise DataFileError(f"The reference cohort file {path.name} is missing from this "
                            "installation; regenerate it with "
                            "scripts/reconstruct_reference_cohort.py.")
    df = pd.read_csv(path)
    return Cohort(df, time="rfs_years", event="relapse", id="id")
