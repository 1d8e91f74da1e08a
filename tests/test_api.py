"""The public API (issue 15, item 5): a small curated ``mirprog.__all__``, result classes in
``mirprog.results``, every public error and warning in ``mirprog.errors``, the 0.1 names kept."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

import mirprog as mp
from mirprog._result import Result

CURATED = [
    "Cohort",
    "Cutpoints",
    "ExecOptions",
    "MirprogError",
    "MirprogWarning",
    "PrognosticModel",
    "Study",
    "__version__",
    "associate",
    "audit",
    "backward_select",
    "bootstrap_validate",
    "cif",
    "compare_combined",
    "compare_concordance",
    "compare_models",
    "concordance",
    "continuous_cox",
    "cox",
    "cv_optimal_cutpoint",
    "datasets",
    "errors",
    "events_needed",
    "factor_table",
    "fine_gray",
    "follow_up",
    "gray_test",
    "km",
    "logrank",
    "meta_analysis",
    "optimal_cutpoint",
    "p_adjust",
    "pairwise_logrank",
    "ph_test",
    "plots",
    "power_cox",
    "qpcr",
    "read_cohort",
    "report",
    "results",
    "risk_groups",
    "rmst",
    "screen",
    "screen_bootstrap",
    "spline_cox",
    "st_gallen",
    "subgroup_table",
    "survsplit",
    "tables",
    "tmerge",
    "univariate",
    "validate",
]
# raised inside the package and turned into a public error (CohortError, ModelFileError)
# or a NaN and a note before a user sees it
INTERNAL = {"SingularDesignError", "Invalid"}


def _classes() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(mp.__path__, "mirprog."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.startswith("mirprog."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def test_the_top_level_is_the_curated_list() -> None:
    assert sorted(mp.__all__) == sorted(CURATED)
    assert dir(mp) == sorted(CURATED)
    for name in CURATED:
        assert getattr(mp, name) is not None


@pytest.mark.parametrize("name", [n for n in CURATED if inspect.isfunction(getattr(mp, n))])
def test_every_verb_has_a_numpydoc_docstring(name: str) -> None:
    doc = inspect.getdoc(getattr(mp, name)) or ""
    for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
        assert section in doc, f"mp.{name} lacks {section.splitlines()[0]}"


@pytest.mark.parametrize("name", [n for n in CURATED if inspect.isclass(getattr(mp, n))])
def test_every_class_is_documented(name: str) -> None:
    assert inspect.getdoc(getattr(mp, name))


def test_results_namespace_holds_every_result_class() -> None:
    defined = {c for c in _classes() if issubclass(c, Result) and c is not Result
               and c is not mp.PrognosticModel}   # a model, on the top level
    exported = {getattr(mp.results, n) for n in mp.results.__all__}
    assert defined <= exported
    assert all(inspect.isclass(c) for c in exported)


def test_errors_namespace_holds_every_public_error_and_warning() -> None:
    defined = {c for c in _classes() if issubclass(c, Exception | Warning)
               and c.__name__ not in INTERNAL}
    exported = {getattr(mp.errors, n) for n in mp.errors.__all__}
    assert defined <= exported
    assert {c.__module__ for c in defined} == {"mirprog.errors"}


@pytest.mark.parametrize("name", sorted(mp.KEPT_FOR_ONE_RELEASE))
def test_names_kept_for_one_release_are_the_same_objects(name: str) -> None:
    home = importlib.import_module(mp.KEPT_FOR_ONE_RELEASE[name])
    assert getattr(mp, name) is getattr(home, name)
    assert name not in mp.__all__


def test_kept_names_import_silently_and_unknown_names_fail() -> None:
    code = ("import mirprog as mp; from mirprog import CoxResult, ScaleWarning, table3, "
            "spline_plot; assert mp.Table4Result is mp.results.Table4Result")
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        mp.not_a_name  # noqa: B018


def test_import_mirprog_is_lazy() -> None:
    """``import mirprog`` loads neither numpy, pandas nor scipy (issue 20: a light root);
    the first verb used loads what it needs."""
    import subprocess
    import sys

    code = ("import sys, mirprog; heavy = [m for m in ('numpy', 'pandas', 'scipy', "
            "'matplotlib') if m in sys.modules]; print(heavy); mirprog.cox; "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["[]", "True"]


def test_every_curated_name_has_one_home() -> None:
    homes = set(mp._HOMES) | set(mp._MODULES) | {"__version__"}
    assert homes == set(CURATED)
    assert not set(mp._HOMES) & set(mp._MODULES)
