"""The reference study as a study file: ``mirprog reproduce`` is this file run by the study runner.

:func:`reference_toml` writes the study file of the reference paper's analysis for a
set of column roles (:class:`~mirprog.study.reproduce.StudyColumns`); on the default
roles it is the bundled ``reference.toml`` (``mirprog study --template reference``), kept
equal to it by a test.  Every analysis of the paper is a key of the study-file language:
the paper's binary factors are cuts with a ``name``, the grade pairs are two-level
contrasts kept out of the multivariable model, Table 4 is the first marker within the St
Gallen subtypes, and the marker x grade table is an association.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from mirprog.errors import CohortError

__all__ = ["StudyColumns", "reference_toml", "study_causes"]

_HEAD = """\
# The reference study (miR-125b and resistance to aromatase inhibitors: Table 3, Table 4,
# Fig. 6 and the -2 log-likelihood comparison) written as a mirprog study file.
# `mirprog reproduce` runs this file on the bundled SYNTHETIC cohort and sets its numbers
# beside the published ones; `mirprog study` runs it as any other study file.
# Print it with `mirprog study --template reference`; edit the columns for your cohort.
"""


@dataclass(frozen=True)
class StudyColumns:
    """Which cohort columns play which role in the study (``None``: not available).

    Defaults are the bundled reference cohort's names.  Binary factors are
    derived as in the paper: age > ``age_cut``, size > ``size_cut`` mm,
    nodes > ``nodes_cut``, grade 3 vs 1-2; markers are split at the median.
    ``marker_adverse`` is the marker group counted as adverse in the A/B/C
    groups: 1 (high, as miR-125b in the paper) or 0 (low, e.g. progesterone
    receptor).  ``causes`` names the competing causes of the event column
    (``"1:recurrence,2:death"``, 0 = censored) and ``cause`` the study's event
    among them: the Cox and log-rank analyses are then cause-specific and the
    marker's curves are cumulative incidences, not 1 - Kaplan-Meier.
    """

    time: str = "rfs_years"
    event: str = "relapse"
    id: str | None = "id"
    marker: str = "mir125b"
    other_markers: tuple[str, ...] = ("mir205", "mir424")
    age: str | None = "age"
    size: str | None = "tumour_size_mm"
    nodes: str = "nodes"
    grade: str | None = "sbr_grade"
    er: str | None = "er"
    pr: str | None = "pr"
    her2: str | None = "her2"
    marker_adverse: int = 1
    time_unit: str | None = "years"
    age_cut: float = 50.0
    size_cut: float = 30.0
    nodes_cut: float = 3.0
    causes: str | None = None
    cause: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> StudyColumns:
        """Override roles by name, e.g. ``{"marker": "progrec", "time": "time"}``.

        ``"none"`` (any case) or an empty string marks a role as unavailable;
        ``other_markers`` takes a comma-separated list.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise CohortError(f"Unknown study roles {unknown}; known roles: {sorted(names)}.")
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            text = str(value).strip()
            if key == "other_markers":
                values[key] = tuple(v for v in text.split(",") if v and v.lower() != "none")
            elif key.endswith("_cut"):
                values[key] = _number(key, text, float)
            elif key == "marker_adverse":
                values[key] = _number(key, text, int)
                if values[key] not in (0, 1):
                    raise CohortError(f"Study role marker_adverse must be 1 (high) or 0 "
                                      f"(low), got {text!r}.")
            elif key == "time_unit":
                values[key] = text or None
            else:
                values[key] = None if text.lower() in ("", "none") else text
        return replace(cls(), **values)


def study_causes(cols: StudyColumns) -> dict[int, str] | None:
    """The ``causes`` role (``"1:recurrence,2:death"``) as ``{1: "recurrence", 2: "death"}``."""
    if cols.causes is None:
        return None
    out: dict[int, str] = {}
    for part in cols.causes.split(","):
        code, sep, name = part.partition(":")
        if not sep or not code.strip().isdigit() or not name.strip():
            raise CohortError(f"Study role causes needs code:name pairs, e.g. "
                              f"causes=1:recurrence,2:death; got {cols.causes!r}.")
        out[int(code)] = name.strip()
    return out


def _number(role: str, text: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise CohortError(f"Study role {role} needs a finite {kind.__name__} "
                          f"(e.g. {role}=3), got {text!r}.")
    return value


def _s(value: object) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(value), ensure_ascii=False)


def _num(value: float) -> str:
    return f"{value:g}" if float(value) != int(value) else str(int(value))


def _factor(column: str, name: str, label: str, extra: str) -> str:
    return (f"\n[[factor]]\ncolumn = {_s(column)}\nname = {_s(name)}\nlabel = {_s(label)}\n"
            f"{extra}")


def _factors(cols: StudyColumns) -> str:
    out = ""
    if cols.age:
        out += _factor(cols.age, "age_gt", f"Age (≤{cols.age_cut:g}; >{cols.age_cut:g})",
                       f"cut = {_num(cols.age_cut)}\n")
    if cols.size:
        out += _factor(cols.size, "size_gt",
                       f"Tumour size (≤{cols.size_cut:g}; >{cols.size_cut:g} mm)",
                       f"cut = {_num(cols.size_cut)}\n")
    out += _factor(cols.nodes, "nodes_gt",
                   f"Lymph nodes (≤{cols.nodes_cut:g}; >{cols.nodes_cut:g})",
                   f"cut = {_num(cols.nodes_cut)}\nadverse = \"high\"\n")
    if cols.grade:
        out += ("\n# Grade 3 against 1-2 (a candidate for the model), then each pair of grades "
                "compared\n# among the patients at those two grades (univariate rows only).")
        out += _factor(cols.grade, "grade3", "Grade (SBR1+2; SBR3)", "cut = 2\n")
        for a, b in ((1, 2), (1, 3), (2, 3)):
            out += _factor(cols.grade, f"sbr{a}v{b}", f"Grade (SBR{a}; SBR{b})",
                           f"levels = [{a}, {b}]\nmultivariate = false\n")
    for role, label in (("er", "ER"), ("pr", "PR"), ("her2", "HER2")):
        column = getattr(cols, role)
        if column:
            out += _factor(column, f"{role}_pos", f"{label} status (negative; positive)", "")
    return out


def reference_toml(cols: StudyColumns, *, ties: str = "breslow",
                   cohort_file: str | None = None,
                   event_values: Mapping[Any, int] | None = None) -> str:
    """The study file of the reference paper's analysis for the column roles ``cols``.

    ``cohort_file`` names the cohort's file (default: the bundled reference cohort);
    ``event_values`` the event column's coding when it is not 0/1.
    """
    markers = [cols.marker, *cols.other_markers]
    text = _HEAD + "\ntitle = \"The reference study: miR-125b and relapse on aromatase " \
                   "inhibitors\"\n\n[cohort]\n"
    text += (f"file = {_s(cohort_file)}\n" if cohort_file else "dataset = \"reference\"\n")
    if cols.id:
        text += f"id = {_s(cols.id)}\n"
    if cols.time_unit:
        text += f"time_unit = {_s(cols.time_unit)}\n"
    text += (f"\n[[endpoint]]\nname = \"RFS\"\ntime = {_s(cols.time)}\n"
             f"event = {_s(cols.event)}\n")
    if event_values:
        pairs = ", ".join(f"{_s(k)} = {int(v)}" for k, v in event_values.items())
        text += f"event_values = {{ {pairs} }}\n"
    if cols.causes:
        pairs = ", ".join(f"{k} = {_s(v)}" for k, v in (study_causes(cols) or {}).items())
        text += f"causes = {{ {pairs} }}\ncause = {_s(cols.cause)}\n"
    text += "\n# Each miRNA split at the cohort median (high = strictly above it).\n"
    for i, m in enumerate(markers):
        side = ("high" if cols.marker_adverse == 1 else "low") if i == 0 else "high"
        text += (f"[[marker]]\ncolumn = {_s(m)}\nlabel = {_s(f'{m} (low; high)')}\n"
                 f"rule = \"median\"\nadverse = {_s(side)}\n\n")
    text += "# The paper's clinical factors, as binary cuts named as in its tables."
    text += _factors(cols)
    if cols.er and cols.pr and cols.her2 and cols.grade:
        text += (f"\n# Table 4: the first marker within the St Gallen surrogate subtypes.\n"
                 f"[subtypes]\nscheme = \"st_gallen\"\ner = {_s(cols.er)}\npr = {_s(cols.pr)}\n"
                 f"her2 = {_s(cols.her2)}\ngrade = {_s(cols.grade)}\n\n[subgroups]\n"
                 "\"HR+/HER2−\" = \"hr_pos_her2_neg\"\n\"Luminal A\" = \"luminal_a\"\n"
                 "\"Luminal B\" = \"luminal_b\"\n")
    if cols.grade:
        text += f"\n# The marker's groups against grade (Fisher's exact test).\n" \
                f"[association]\nwith = [{_s(cols.grade)}]\n"
    text += (f"\n# Fig. 6B and the model comparison: marker x lymph nodes, groups A/B/C.\n"
             f"[signature]\nfactors = [{_s(cols.marker)}, \"nodes_gt\"]\n\n[analyses]\n"
             f"km = true\nunivariate = true\nmultivariate = true\nsubgroups = true\n"
             f"signature = true\nph_test = true\nties = {_s(ties)}\np_enter = 0.05\n"
             "p_remove = 0.10\nselection = \"lr\"\n")
    return text
