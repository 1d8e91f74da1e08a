"""The house's import rules: old paths keep working, nothing imports upwards or in a circle.

The layer contract itself is import-linter's (``lint-imports``, run by scripts/check,
configured in pyproject.toml); these tests check what it does not: that every old
module path (kept for one release) and every name of the old ``mirprog.__all__`` still
imports, silently, to the same object; that nothing in the package imports the package
root or an old path; and that no module-level import cycle exists, counting imports made
inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mirprog"

# The names of mirprog.__all__ before the package was layered (release 0.1.0).
OLD_ALL = [
    "ArgumentError", "AssociationResult", "BootstrapFitWarning", "BootstrapValidationResult",
    "CVCutpointResult", "Cohort", "CohortError", "CombinedComparison", "ConvergenceWarning",
    "CoxResult", "Cutpoint", "Cutpoints", "DataFileError", "Exclusion", "Exclusions",
    "HorizonWarning", "KMResult", "LogRankResult", "MirprogError", "MirprogWarning",
    "ModelComparison", "ModelFileError", "ModelFileWarning", "MonotoneLikelihoodWarning",
    "NonPositiveMarkerWarning", "OptimalCutpointResult", "PHTestResult",
    "PairwiseLogRankResult", "PrognosticModel", "RiskGroupResult", "ScaleWarning",
    "ScreenResult", "ScreenStability", "SelectionResult", "SplineCoxResult", "Table3Result",
    "Table4Result", "UnitWarning", "UnivariateResult", "ValidationResult", "__version__",
    "associate", "audit", "backward_select", "bootstrap_validate", "compare_combined",
    "compare_models", "continuous_cox", "cox", "cv_optimal_cutpoint", "datasets", "km",
    "logrank", "optimal_cutpoint", "p_adjust", "pairwise_logrank", "ph_plot", "ph_test",
    "plots", "qpcr", "read_cohort", "report", "risk_groups", "screen", "screen_bootstrap",
    "spline_cox", "spline_plot", "st_gallen", "table3", "table4", "tables", "univariate",
]

# Old module path -> where its names live now (one or several modules).
OLD_PATHS: dict[str, tuple[str, ...]] = {
    "mirprog.association": ("mirprog.stats.association",),
    "mirprog.audit": ("mirprog.stats.audit",),
    "mirprog.cli": ("mirprog.cli.commands",),
    "mirprog.cli_checks": ("mirprog.cli.checks",),
    "mirprog.cohort": ("mirprog.data.cohort",),
    "mirprog.cutpoints": ("mirprog.factors.cutpoints",),
    "mirprog.file_schema": ("mirprog.data.file_schema",),
    "mirprog.missing": ("mirprog.data.missing",),
    "mirprog.model": ("mirprog.model.prognostic",),
    "mirprog.model_cli": ("mirprog.cli.model",),
    "mirprog.model_io": ("mirprog.model.file",),
    "mirprog.model_validation": ("mirprog.model.validation",),
    "mirprog.plots": ("mirprog.present.plots",),
    "mirprog.qpcr": ("mirprog.data.qpcr",),
    "mirprog.reading": ("mirprog.data.reading",),
    "mirprog.report": ("mirprog.study.report",),
    "mirprog.reproduce": ("mirprog.study.reproduce",),
    "mirprog.scale": ("mirprog.data.scale",),
    "mirprog.screen": ("mirprog.stats.screen.markers",),
    "mirprog.screen_cli": ("mirprog.cli.screen",),
    "mirprog.signature": ("mirprog.stats.comparison",),
    "mirprog.stability": ("mirprog.stats.screen.stability",),
    "mirprog.study": ("mirprog.study.paper",),
    "mirprog.subtypes": ("mirprog.factors.subtypes",),
    "mirprog.survival": ("mirprog.stats.km", "mirprog.stats.logrank",
                         "mirprog.stats.cox.coxph", "mirprog.stats.cox.selection",
                         "mirprog.stats.univariate"),
    "mirprog.survival.continuous": ("mirprog.stats.cox.continuous",),
    "mirprog.survival.cox": ("mirprog.stats.cox.coxph",),
    "mirprog.survival.cutpoint_opt": ("mirprog.stats.cutpoint_cv", "mirprog._engine.maxstat",
                                     "mirprog._engine.logrank"),
    "mirprog.survival.firth": ("mirprog._engine.firth",),
    "mirprog.survival.km": ("mirprog.stats.km",),
    "mirprog.survival.logrank": ("mirprog.stats.logrank",),
    "mirprog.survival.phtest": ("mirprog.stats.cox.phtest",),
    "mirprog.survival.selection": ("mirprog.stats.cox.selection",),
    "mirprog.survival.timefix": ("mirprog._engine.timefix",),
    "mirprog.survival.univariate": ("mirprog.stats.univariate",),
    "mirprog.survival.validation": ("mirprog.stats.bootstrap",),
    "mirprog.tables": ("mirprog.present.format",),
}
# Names an old module had that moved to another room (a plot out of a statistic's module).
MOVED_NAMES = {
    ("mirprog.model", "calibration_plot"): "mirprog.present.plots",
    ("mirprog.model_validation", "calibration_plot"): "mirprog.present.plots",
    ("mirprog.survival.continuous", "spline_plot"): "mirprog.present.plots",
    ("mirprog.survival.phtest", "ph_plot"): "mirprog.present.plots",
    ("mirprog.survival.firth", "firth_result"): "mirprog.stats.cox.coxph",
    ("mirprog.survival.timefix", "timefixed"): "mirprog.data.cohort",
    ("mirprog.survival.cutpoint_opt", "optimal_cutpoint"): "mirprog.factors.cutpoints",
    ("mirprog.survival.cutpoint_opt", "OptimalCutpointResult"): "mirprog.factors.cutpoints",
}


def _is_old_path(path: Path) -> bool:
    return "kept for one release" in path.read_text(encoding="utf-8").split('"""')[1]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter with every warning an error."""
    return subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True, timeout=120, check=False)


def test_every_old_name_and_path_imports_silently() -> None:
    proc = _run(f"from mirprog import {', '.join(OLD_ALL)}")
    assert proc.returncode == 0, proc.stderr
    proc = _run("; ".join(f"import {old}" for old in sorted(OLD_PATHS)))
    assert proc.returncode == 0, proc.stderr
    import mirprog

    assert set(OLD_ALL) <= set(mirprog.__all__) | set(mirprog.KEPT_FOR_ONE_RELEASE)


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_module_path_gives_the_same_objects(old: str) -> None:
    module = importlib.import_module(old)
    homes = [importlib.import_module(new) for new in OLD_PATHS[old]]
    names = getattr(module, "__all__", None) or homes[0].__all__
    for name in names:
        if (old, name) in MOVED_NAMES:
            continue
        home = next(h for h in homes if name in getattr(h, "__all__", ()))
        assert getattr(module, name) is getattr(home, name), (old, name)
    for (was, name), new in MOVED_NAMES.items():
        if was == old:
            assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_old_paths_are_listed_here() -> None:
    """A new shim (or a forgotten one) shows up: the table above is the migration note's."""
    found = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__") for p in PACKAGE.rglob("*.py") if _is_old_path(p)}
    assert found == set(OLD_PATHS) - {"mirprog.cli", "mirprog.model", "mirprog.study"}


def _imports(tree: ast.AST) -> list[tuple[str, list[str], int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
    return out


def test_nothing_inside_the_package_imports_the_root_or_an_old_path() -> None:
    old = {m for m in OLD_PATHS if m not in ("mirprog.cli", "mirprog.model", "mirprog.study")}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py" or _is_old_path(path):
            continue
        for module, names, line in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets = [module] if module != "mirprog" else [f"mirprog.{n}" for n in names]
            for target in targets:
                is_module = importlib.util.find_spec(target) is not None if \
                    target.startswith("mirprog.") else False
                if target in old or (module == "mirprog" and not is_module):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} {target}")
    assert not offenders


def test_no_import_cycles_counting_lazy_and_type_checking_imports() -> None:
    graph = grimp.build_graph("mirprog", exclude_type_checking_imports=False)
    adjacency = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in adjacency[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                cycles.append(sorted([v, *component]))

    for module in sorted(adjacency):
        if module not in index:
            visit(module)
    assert not cycles
