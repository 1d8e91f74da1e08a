"""qPCR: from Ct values to relative marker levels, and replicate-consistent fold-change filters.

Both reference studies measure miRNAs by RT-qPCR normalised to U6 snRNA with
the 2^-ΔΔCt method, and the miR-125b study selects candidates by microarray
fold changes reproducible in two culture replicates (its Table 1).  This
module turns a Ct table into relative expression with every excluded value
reported (:func:`relative_expression`), joins it onto a :class:`~mirprog.Cohort`
(:func:`to_cohort`) and applies the Table 1 rule (:func:`fold_change_filter`).

Provenance of ``datasets/table1_fold_changes.csv`` (:func:`load_table1`): Table 1
of "MicroRNA-125b upregulation confers aromatase inhibitor resistance and is a
novel marker of poor prognosis in breast cancer" (microarrays: GEO GSE43766),
transcribed by hand from the printed table: 45 probe sets, Res-Let and Res-Ana
versus MCF-7aro cells, culture replicates 1 and 2.  ``fold_change`` is the
printed signed fold change; empty (NaN) where the paper prints "NC" (no
change, -1.70 < FC < 1.70, value not given).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, TypeVar, cast

import numpy as np
import pandas as pd

from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusion, Exclusions
from mirprog.errors import CohortError, format_ids

__all__ = ["QPCRResult", "fold_change_filter", "load_table1", "relative_expression",
           "signed_fold_change", "to_cohort"]

Layout = Literal["auto", "tidy", "wide"]
Agg = Literal["mean", "median"]
FLAG_COLUMNS = ["sample", "target", "replicate", "flag", "reason"]
_MISSING_TEXT = frozenset({"undetermined", "undet", "und", "nd", "n/a", "na", "nan", "nc", ""})
_TOL = 1e-9  # printed fold changes equal to the cutoff (1.70) pass despite float rounding
_T = TypeVar("_T", pd.Series, pd.DataFrame, np.ndarray)


@dataclass(frozen=True, eq=False)
class QPCRResult(Result):
    """Relative expression from a Ct table, with its quality flags and exclusions.

    Attributes
    ----------
    values : pandas.DataFrame
        Samples × targets relative expression (2^-ΔCt, or 2^-ΔΔCt with a
        calibrator); NaN where a value was excluded.
    delta_ct : pandas.DataFrame
        Samples × targets ΔCt = Ct(target) − mean Ct(references) (with
        efficiencies: −log2 of the efficiency-corrected ratio); NaN where the
        sample's own target or reference values were excluded.
    ct : pandas.DataFrame
        Samples × genes (targets then references) Ct aggregated over the valid
        replicates; NaN where no usable Ct.
    calibrator_delta_ct : pandas.Series or None
        Per target, the mean ΔCt of the calibrator sample(s); None without one.
    flags : pandas.DataFrame
        ``sample, target, replicate, flag, reason``, one row per QC finding
        (``replicate`` NaN if about a whole value): ``undetermined``,
        ``above_ct_limit``, ``not_measured``, ``too_few_replicates``, ``replicate_sd``,
        ``reference_out_of_range``, ``calibrator_partial``, ``calibrator_unavailable``.
    excluded : Exclusions
        One entry per excluded (sample, target) value: ``row`` is the sample,
        ``column`` the target, ``reason`` why.  ``n_total``/``n_used`` count values.
    method : str
        The computation in words, for a methods section.
    """

    values: pd.DataFrame
    delta_ct: pd.DataFrame
    ct: pd.DataFrame
    calibrator_delta_ct: pd.Series | None
    flags: pd.DataFrame
    excluded: Exclusions
    method: str

    @property
    def table(self) -> pd.DataFrame:
        """The main frame: ``values``, the samples × targets relative expression."""
        return self.values


def _as_list(x: Hashable | Sequence[Hashable]) -> list[Any]:
    if isinstance(x, list | tuple | set | frozenset | pd.Index | np.ndarray | pd.Series):
        return list(x)
    return [x]


def _hint(name: Any, known: Sequence[Any]) -> str:
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=3, cutoff=0.5)
    if close:
        return "Did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"Known: {format_ids(list(known))}."


def _tidy(ct_table: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    if not isinstance(ct_table, pd.DataFrame):
        raise CohortError("The Ct table must be a pandas DataFrame, got "
                          f"{type(ct_table).__name__}.")
    df = ct_table.copy()
    df.columns = [str(c) for c in df.columns]
    if layout == "auto":
        layout = "tidy" if {"sample", "target", "ct"} <= set(df.columns) else "wide"
    if layout == "tidy":
        need = [c for c in ("sample", "target", "ct") if c not in df.columns]
        if need:
            raise CohortError(f"A tidy Ct table needs columns sample, target, ct; missing {need}. "
                              "For a samples × targets table pass layout='wide'.", column=need[0])
        long = df[["sample", "target", "ct"] + (["replicate"] if "replicate" in df else [])]
    elif layout == "wide":
        if "sample" not in df.columns:
            df = df.rename_axis("sample").reset_index()
        ids = ["sample"] + (["replicate"] if "replicate" in df.columns else [])
        long = df.melt(id_vars=ids, var_name="target", value_name="ct")
    else:
        raise ValueError(f"layout must be 'auto', 'tidy' or 'wide', got {layout!r}")
    long = long.copy()
    long["target"] = long["target"].astype(str)
    if "replicate" not in long:
        long["replicate"] = long.groupby(["sample", "target"], sort=False).cumcount() + 1
    dup = long.duplicated(["sample", "target", "replicate"], keep=False).to_numpy()
    if dup.any():
        first = long.loc[dup].iloc[0]
        raise CohortError(
            f"{int(dup.sum())} rows repeat the same sample, target and replicate (first: sample "
            f"{first['sample']!r}, target {first['target']!r}, replicate {first['replicate']!r}). "
            "Number the replicates 1, 2, 3 or drop the repeated rows.", column="replicate")
    return long.reset_index(drop=True)


def _select_genes(long: pd.DataFrame, genes: list[str]) -> pd.DataFrame:
    """The rows of the requested genes, with numeric Ct (other columns may hold text)."""
    known = list(pd.unique(long["target"]))
    for g in genes:
        if g not in known:
            raise CohortError(f"Gene {g!r} is not in the Ct table. {_hint(g, known)}", column=g)
    long = long[long["target"].isin(genes)].copy()
    long["ct"] = _parse_numbers(long["ct"], "ct")
    if (long["ct"] < 0).any():
        raise CohortError("The ct column has negative values; Ct values are cycle numbers (> 0).",
                          column="ct")
    return long


def _parse_numbers(raw: pd.Series, name: str) -> pd.Series:
    """Numbers, with 'Undetermined'/'NC'/empty as NaN; any other text is an error."""
    num = pd.to_numeric(raw, errors="coerce").astype(float)
    text = raw[num.isna().to_numpy() & raw.notna().to_numpy()].astype(str)
    bad = text[~text.str.strip().str.lower().isin(_MISSING_TEXT)]
    if len(bad):
        shown = ", ".join(repr(v) for v in pd.unique(bad)[:3])
        raise CohortError(
            f"The {name} values include text that is neither a number nor 'Undetermined': "
            f"{shown}. Fix it before the analysis (decimal commas: .str.replace(',', '.')).",
            column=name)
    return num


def _cell(reps: pd.DataFrame, ct_limit: float, max_sd: float | None, agg: Agg,
          min_rep: int) -> tuple[float, str | None, list[tuple[Any, str, str]]]:
    """Aggregate one sample × gene: (Ct, ledger reason or None, replicate flags)."""
    flags: list[tuple[Any, str, str]] = []
    valid = []
    for rep, value in zip(reps["replicate"], reps["ct"], strict=True):
        if np.isnan(value):
            flags.append((rep, "undetermined", "Ct undetermined or missing"))
        elif value > ct_limit:
            flags.append((rep, "above_ct_limit", f"Ct {value:.2f} > ct_limit {ct_limit:g}"))
        else:
            valid.append(float(value))
    if not valid:
        return np.nan, f"no valid Ct (undetermined or > {ct_limit:g})", flags
    if len(valid) < min_rep:
        flags.append((np.nan, "too_few_replicates",
                      f"{len(valid)} valid replicate(s) < min_replicates {min_rep}"))
        return np.nan, f"fewer than {min_rep} valid replicates", flags
    if max_sd is not None and len(valid) >= 2:
        sd = float(np.std(valid, ddof=1))
        if sd > max_sd:
            cts = ", ".join(f"{v:.2f}" for v in valid)
            flags.append((np.nan, "replicate_sd",
                          f"SD {sd:.2f} of replicates ({cts}) > max_replicate_sd {max_sd:g}"))
            return np.nan, f"replicate SD > {max_sd:g}", flags
    return float(np.mean(valid) if agg == "mean" else np.median(valid)), None, flags


def _replicate_qc(long: pd.DataFrame, samples: list[Any], genes: list[str], ct_limit: float,
                  max_sd: float | None, agg: Agg, min_rep: int,
                  ) -> tuple[pd.DataFrame, list[tuple[Any, ...]], dict[tuple[Any, str], str]]:
    ct = pd.DataFrame(np.nan, index=pd.Index(samples, name="sample"),
                      columns=pd.Index(genes, name="target"))
    flags: list[tuple[Any, ...]] = []
    reasons: dict[tuple[Any, str], str] = {}
    groups = dict(list(long.groupby(["sample", "target"], sort=False)))
    for s in samples:
        for g in genes:
            reps = groups.get((s, g))
            if reps is None:
                flags.append((s, g, np.nan, "not_measured", f"no Ct row for {g}"))
                reasons[(s, g)] = "not measured"
                continue
            value, reason, cell_flags = _cell(reps, ct_limit, max_sd, agg, min_rep)
            flags.extend((s, g, *f) for f in cell_flags)
            ct.loc[s, g] = value
            if reason is not None:
                reasons[(s, g)] = reason
    return ct, flags, reasons


def _reference_qc(ct: pd.DataFrame, reference: list[str], max_shift: float | None,
                  flags: list[tuple[Any, ...]]) -> dict[Any, str]:
    """Samples whose reference Ct is unusable or far from that reference's median."""
    bad: dict[Any, str] = {}
    for r in reference:
        col = ct[r]
        for s in col.index[col.isna().to_numpy()]:
            bad.setdefault(s, f"reference {r} unusable")
        if max_shift is None or col.isna().all():
            continue
        median = float(col.median())
        shift = col - median
        for s in col.index[(shift.abs() > max_shift).to_numpy()]:
            flags.append((s, r, np.nan, "reference_out_of_range",
                          f"{r} Ct {col[s]:.2f} is {shift[s]:+.2f} cycles from its median "
                          f"{median:.2f} (limit {max_shift:g})"))
            bad.setdefault(s, f"reference {r} out of range")
    return bad


def _log2_efficiency(efficiency: Mapping[str, float] | None, genes: list[str]) -> pd.Series:
    if efficiency is None:
        return pd.Series(1.0, index=genes)
    missing = [g for g in genes if g not in efficiency]
    if missing:
        raise CohortError(f"efficiency has no value for {format_ids(missing)}; give one for "
                          "every target and reference (2.0 = perfect doubling).")
    e = pd.Series({g: float(efficiency[g]) for g in genes})
    bad = e[(e <= 1.0) | (e > 2.5) | e.isna()]
    if len(bad):
        raise CohortError(
            f"efficiency must be the amplification factor per cycle, in (1, 2.5] (2.0 = 100 %); "
            f"got {dict(bad)}. A 95 % efficiency is 1.95, i.e. 10**(-1/slope).")
    return pd.Series(np.log2(e.to_numpy()), index=genes)


def _calibrate(dct: pd.DataFrame, calibrator: Any, flags: list[tuple[Any, ...]],
               reasons: dict[tuple[Any, str], str]) -> tuple[pd.Series, list[Any]]:
    cal = _as_list(calibrator)
    unknown = [c for c in cal if c not in dct.index]
    if unknown or not cal:
        raise CohortError(f"calibrator sample(s) {format_ids(unknown)} are not in the Ct table. "
                          f"{_hint(unknown[0] if unknown else '', list(dct.index))}")
    cal_dct = dct.loc[cal].mean(axis=0)
    n_ok = dct.loc[cal].notna().sum(axis=0)
    for t in dct.columns:
        if n_ok[t] == 0:
            flags.extend((c, t, np.nan, "calibrator_unavailable",
                          f"no calibrator sample has a valid ΔCt for {t}") for c in cal)
            for s in dct.index:
                reasons.setdefault((s, t), "calibrator has no valid value")
        elif n_ok[t] < len(cal):
            flags.extend((c, t, np.nan, "calibrator_partial",
                          f"calibrator mean ΔCt for {t} uses {n_ok[t]} of {len(cal)} samples")
                         for c in cal)
    return cal_dct, cal


def relative_expression(
    ct_table: pd.DataFrame, targets: str | Sequence[str], reference: str | Sequence[str] = ("U6",),
    calibrator: Hashable | Sequence[Hashable] | None = None, replicate_agg: Agg = "mean",
    ct_limit: float = 35.0, max_replicate_sd: float | None = 0.5,
    efficiency: Mapping[str, float] | None = None, layout: Layout = "auto", *,
    max_reference_shift: float | None = 3.0, min_replicates: int = 1,
) -> QPCRResult:
    """Relative expression (2^-ΔCt or 2^-ΔΔCt) from raw Ct values, with QC flags.

    Parameters
    ----------
    ct_table : pandas.DataFrame
        Tidy (``sample, target, ct``[, ``replicate``]) or wide (a column per gene;
        samples in a ``sample`` column or the index; optional ``replicate``).  Ct
        may be "Undetermined"/empty; without ``replicate``, repeats are replicates.
    targets : str or sequence of str
        Genes (miRNAs) to quantify.
    reference : str or sequence of str, default ("U6",)
        Reference gene(s); several are combined by their geometric mean.
    calibrator : sample id or sequence of ids, optional
        None: 2^-ΔCt; one sample: 2^-ΔΔCt against it; several: against their mean ΔCt.
    replicate_agg : {"mean", "median"}, default "mean"
        How valid replicate Cts are combined.
    ct_limit : float, default 35.0
        Replicates with Ct above it (or undetermined) are flagged and dropped.
    max_replicate_sd : float or None, default 0.5
        Values whose valid replicates have an SD (ddof=1) above it are excluded.
    efficiency : mapping, optional
        Amplification factor per cycle (2.0 = 100 %) for every target and
        reference: the Pfaffl ratio.
    layout : {"auto", "tidy", "wide"}, default "auto"
        "auto": tidy if the table has ``sample, target, ct`` columns.
    max_reference_shift : float or None, default 3.0
        A sample whose reference Ct is further than this from that reference's
        median over samples is flagged and loses all its values.
    min_replicates : int, default 1
        Valid replicates needed for a value.

    Returns
    -------
    QPCRResult

    Raises
    ------
    CohortError
        Missing columns or genes, text Ct other than "Undetermined", negative Ct,
        repeated replicates, unknown calibrator ids, missing or implausible efficiencies.

    Notes
    -----
    With q_g(s) = −Ct_g(s)·log2(E_g) the log2 quantity of gene g in sample s
    (E_g = 2 without efficiencies), ΔCt_t(s) = −[q_t(s) − mean_r q_r(s)];
    with E = 2 this is Ct_t − mean_r Ct_r, and the arithmetic mean of
    reference Cts is the log2 of the geometric mean of reference quantities
    (Vandesompele et al. 2002).  Relative expression is 2^-ΔCt, or
    2^-(ΔCt − ΔCt_cal) with ΔCt_cal the calibrator's (mean) ΔCt: Livak &
    Schmittgen (2001).  With efficiencies and one reference this is the Pfaffl
    (2001) ratio E_t^(Ct_t,cal − Ct_t,s) / E_r^(Ct_r,cal − Ct_r,s); several
    references enter through their geometric mean.

    Replicates that are undetermined or above ``ct_limit`` are dropped (each
    flagged); a value needs ``min_replicates`` valid ones.  A sample with an
    unusable or out-of-range reference loses all its values (it is never
    normalised to a different reference set).  Every excluded value is in
    ``excluded`` and its cause in ``flags``.

    Examples
    --------
    >>> import pandas as pd
    >>> ct = pd.DataFrame({"sample": ["a", "a", "b", "b"], "target": ["miR-125b", "U6"] * 2,
    ...                    "ct": [30.0, 20.0, 28.0, 20.0]})
    >>> res = relative_expression(ct, "miR-125b", calibrator="a")
    >>> res.values["miR-125b"].tolist()  # b: ΔCt 8 vs 10 -> ΔΔCt -2 -> 4-fold
    [1.0, 4.0]
    >>> res.excluded.summary()
    '2 of 2 rows used; none excluded'
    """
    targets_l, refs = [str(t) for t in _as_list(targets)], [str(r) for r in _as_list(reference)]
    if not targets_l or not refs or set(targets_l) & set(refs):
        raise CohortError(f"targets {targets_l} and reference {refs} must be non-empty and "
                          "disjoint.")
    if replicate_agg not in ("mean", "median"):
        raise ValueError(f"replicate_agg must be 'mean' or 'median', got {replicate_agg!r}")
    long = _tidy(ct_table, layout)
    genes = targets_l + refs
    long = _select_genes(long, genes)
    log2e = _log2_efficiency(efficiency, genes)
    samples = list(pd.unique(long["sample"]))
    ct, flags, reasons = _replicate_qc(long, samples, genes, ct_limit, max_replicate_sd,
                                       replicate_agg, min_replicates)
    bad_ref = _reference_qc(ct, refs, max_reference_shift, flags)
    log2q = -ct.mul(log2e, axis=1)
    dct = -log2q[targets_l].sub(log2q[refs].mean(axis=1, skipna=False), axis=0)
    for s in samples:
        for t in targets_l:
            if (s, t) not in reasons and s in bad_ref:
                reasons[(s, t)] = bad_ref[s]
    for s, t in reasons:
        if t in targets_l:
            dct.loc[s, t] = np.nan
    cal_dct: pd.Series | None = None
    cal: list[Any] = []
    if calibrator is not None:
        cal_dct, cal = _calibrate(dct, calibrator, flags, reasons)
    values = 2.0 ** -(dct - cal_dct if cal_dct is not None else dct)
    entries = tuple(Exclusion(s.item() if isinstance(s, np.generic) else s, t, reasons[(s, t)])
                    for s in samples for t in targets_l if (s, t) in reasons)
    excluded = Exclusions(len(samples) * len(targets_l), int(values.notna().sum().sum()), entries)
    formula = "2^-ΔΔCt" if cal_dct is not None else "2^-ΔCt"
    if efficiency is not None:
        formula = "Pfaffl efficiency-corrected ratio (E: " + ", ".join(
            f"{g}={efficiency[g]:g}" for g in genes) + ")"
    method = (f"{formula}; ΔCt = Ct(target) − mean Ct of {', '.join(refs)} (geometric mean of "
              "reference quantities)" + (f"; calibrator: mean ΔCt of {format_ids(cal)}" if cal
                                         else "")
              + f"; replicates: {replicate_agg} of valid Ct; excluded: undetermined or Ct > "
              f"{ct_limit:g}, replicate SD > {max_replicate_sd}, reference more than "
              f"{max_reference_shift} cycles from its median.")
    return QPCRResult(values, dct, ct, cal_dct, pd.DataFrame(flags, columns=FLAG_COLUMNS),
                      excluded, method)


def to_cohort(
    result: QPCRResult | pd.DataFrame, cohort: Cohort,
    id_map: Mapping[Hashable, Hashable] | None = None, prefix: str = "", *,
    drop: Sequence[Hashable] = (), allow_missing: bool = False,
) -> Cohort:
    """Add qPCR values to a cohort as marker columns, joined by patient id.

    Parameters
    ----------
    result : QPCRResult or pandas.DataFrame
        Relative expression, samples × targets; joined on ``cohort.ids``.
    cohort : Cohort
    id_map : mapping, optional
        Sample id -> patient id, when the bench labels differ from the cohort's.
    prefix : str, default ""
        Prepended to each target name to make the column name.
    drop : sequence, default ()
        Samples that are not patients (calibrator pool, controls).
    allow_missing : bool, default False
        Keep patients without a sample (markers NaN: each analysis excludes and
        reports them) instead of raising.

    Returns
    -------
    Cohort
        A new cohort with one column per target, aligned on the cohort's ids.

    Raises
    ------
    CohortError
        Samples matching no patient, patients without a sample (unless
        ``allow_missing``), samples missing from ``id_map``, two samples for one
        patient, or a column name already in the cohort.

    Examples
    --------
    >>> import pandas as pd
    >>> import mirprog as mp
    >>> cohort = mp.Cohort(pd.DataFrame({"id": ["p1", "p2"], "t": [5.0, 8.0], "e": [1, 0]}),
    ...                    time="t", event="e", id="id")
    >>> values = pd.DataFrame({"miR-125b": [1.0, 4.0]}, index=["p1", "p2"])
    >>> to_cohort(values, cohort, prefix="rel_").data["rel_miR-125b"].tolist()
    [1.0, 4.0]
    """
    values = result.values if isinstance(result, QPCRResult) else result
    if not isinstance(values, pd.DataFrame):
        raise CohortError("to_cohort needs a QPCRResult or a DataFrame, got "
                          f"{type(values).__name__}.")
    absent = [d for d in drop if d not in values.index]
    if absent:
        raise CohortError(f"drop names samples not in the qPCR values: {format_ids(absent)}.")
    values = values.drop(index=list(drop))
    if id_map is not None:
        unmapped = [s for s in values.index if s not in id_map]
        if unmapped:
            raise CohortError(f"id_map has no patient id for sample(s) {format_ids(unmapped)}; "
                              "add them, or list non-patient samples in drop=[...].", rows=unmapped)
        values = values.set_axis([id_map[s] for s in values.index], axis=0)
    if values.index.has_duplicates:
        dup = list(values.index[values.index.duplicated()].unique())
        raise CohortError(f"Several samples map to the same patient: {format_ids(dup)}. Average "
                          "or drop the repeats first.", rows=dup)
    columns = {prefix + str(t): t for t in values.columns}
    clash = [c for c in columns if c in cohort.columns]
    if clash:
        raise CohortError(f"The cohort already has column(s) {format_ids(clash)}; pass a "
                          "prefix (e.g. prefix='qpcr_').", column=clash[0])
    ids, have = set(cohort.ids), set(values.index)
    extra = [s for s in values.index if s not in ids]
    missing = [p for p in cohort.ids if p not in have]
    if extra or (missing and not allow_missing):
        raise CohortError(_join_message(extra, missing, cohort), rows=extra + missing)
    aligned = values.reindex(cohort.ids)
    return cohort.assign(**{c: aligned[t].to_numpy(dtype=float) for c, t in columns.items()})


def _join_message(extra: list[Any], missing: list[Any], cohort: Cohort) -> str:
    parts = []
    if extra:
        parts.append(f"{len(extra)} qPCR sample(s) match no patient id in the cohort "
                     f"({format_ids(extra)})")
    if missing:
        parts.append(f"{len(missing)} patient(s) have no qPCR sample ({format_ids(missing)})")
    msg = "Cannot join qPCR values onto the cohort: " + "; ".join(parts) + ". Fix: "
    if extra and {str(x) for x in extra} & {str(p) for p in cohort.ids}:
        msg += "the ids look equal as text but differ in type (e.g. 1 vs '1'): convert one side; "
    msg += ("pass id_map={sample id: patient id} to translate bench labels, drop=[...] for "
            "calibrator or control samples")
    if missing:
        msg += (", or allow_missing=True to keep patients without a sample (their marker is "
                "missing and each analysis excludes and reports them)")
    return msg + "."


def signed_fold_change(expr_a: _T, expr_b: _T, *, scale: Literal["linear", "log2"] = "linear",
                       ) -> _T:
    """Signed fold change of group a over group b: the ratio if ≥ 1, else −1/ratio.

    Parameters
    ----------
    expr_a, expr_b : Series, DataFrame or ndarray
        Expression of the same probes (and replicates) in group a (e.g.
        resistant cells) and group b (e.g. sensitive cells); pandas inputs must
        have identical labels.  Average several samples per group beforehand.
    scale : {"linear", "log2"}, default "linear"
        ``"log2"`` for log2 values such as RMA microarray intensities.

    Returns
    -------
    Same type as the inputs
        Signed fold changes: 2.0 for a doubling, −2.0 for a halving, 1.0 for none.

    Examples
    --------
    >>> import numpy as np
    >>> signed_fold_change(np.array([4.0, 1.0, 3.0]), np.array([2.0, 2.33, 3.0])).round(2)
    array([ 2.  , -2.33,  1.  ])
    """
    a: Any = expr_a
    b: Any = expr_b
    if isinstance(a, pd.Series | pd.DataFrame) and not (
            type(a) is type(b) and a.axes[0].equals(b.axes[0])
            and (a.ndim == 1 or a.axes[1].equals(b.axes[1]))):
        raise CohortError("The two groups' expression tables have different labels; align them "
                          "(same probes and replicates, same order) so no value is silently NaN.")
    if scale == "log2":
        ratio = np.exp2(a - b)
    elif scale == "linear":
        if (np.asarray(a) <= 0).any() or (np.asarray(b) <= 0).any():
            raise CohortError("Linear expression values must be positive; for log2 values "
                              "(e.g. RMA) pass scale='log2'.")
        ratio = a / b
    else:
        raise ValueError(f"scale must be 'linear' or 'log2', got {scale!r}")
    signed = np.maximum(ratio, 1.0 / ratio) * np.where(np.asarray(ratio) >= 1.0, 1.0, -1.0)
    return cast(_T, signed)


def fold_change_filter(fold_changes: pd.DataFrame, cutoff: float = 1.7) -> pd.DataFrame:
    """Probes deregulated in every replicate: signed fold change ≥ cutoff (up) or ≤ −cutoff (down).

    Parameters
    ----------
    fold_changes : pandas.DataFrame
        Probes × replicates signed fold changes (:func:`signed_fold_change`); NaN
        or "NC" where not reported, which counts as not passing.
    cutoff : float, default 1.7
        The miR-125b study's threshold (> 1); values equal to it pass.

    Returns
    -------
    pandas.DataFrame
        Indexed by probe: ``direction`` (``"up"``, ``"down"`` or ``"none"``)
        followed by the replicate columns as numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> fc = pd.DataFrame({"rep1": [1.87, -2.33, 1.73, "NC"], "rep2": [2.44, -2.07, 1.5, 3.68]},
    ...                   index=["miR-125b", "miR-424", "miR-x", "miR-31"])
    >>> fold_change_filter(fc)["direction"].tolist()
    ['up', 'down', 'none', 'none']
    """
    if not isinstance(fold_changes, pd.DataFrame) or fold_changes.shape[1] == 0:
        raise CohortError("fold_changes must be a probes × replicates DataFrame with at least "
                          "one replicate column.")
    if not cutoff > 1:
        raise ValueError(f"cutoff must be > 1 for signed fold changes, got {cutoff}")
    fc = fold_changes.apply(lambda col: _parse_numbers(col, f"fold change {col.name!r}"))
    vals = fc.to_numpy(dtype=float)
    inside = np.isfinite(vals) & (np.abs(vals) < 1.0)
    if inside.any():
        probes = list(fc.index[inside.any(axis=1)])
        raise CohortError(f"Signed fold changes are ≥ 1 or ≤ −1, but probes {format_ids(probes)} "
                          "have values in (−1, 1): ratios or log fold changes? Convert them with "
                          "mp.qpcr.signed_fold_change.", rows=probes)
    up = np.all(vals >= cutoff - _TOL, axis=1)
    down = np.all(vals <= -cutoff + _TOL, axis=1)
    out = fc.copy()
    out.insert(0, "direction", np.where(up, "up", np.where(down, "down", "none")))
    return out


def load_table1() -> pd.DataFrame:
    """Table 1 of the miR-125b study: printed fold changes (tidy; NaN = "NC").

    Returns
    -------
    pandas.DataFrame
        Columns ``probe, line`` ("Res-Let"/"Res-Ana"), ``replicate`` (1, 2),
        ``fold_change``; 45 probes × 2 lines × 2 replicates, in the paper's order.

    Examples
    --------
    >>> t1 = load_table1()
    >>> let = t1[t1["line"] == "Res-Let"].pivot(index="probe", columns="replicate",
    ...                                         values="fold_change")
    >>> fold_change_filter(let)["direction"].value_counts().to_dict()
    {'down': 18, 'up': 15, 'none': 12}
    """
    path = resources.files("mirprog.datasets").joinpath("table1_fold_changes.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)
