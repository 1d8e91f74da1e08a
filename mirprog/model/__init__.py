"""The frozen prognostic model: fit once, save as JSON, score and validate new cohorts.

:mod:`~mirprog.model.prognostic` holds :class:`PrognosticModel`, :mod:`~mirprog.model.file`
its file format, :mod:`~mirprog.model.validation` its validation on a new cohort.
"""

from typing import Any

from mirprog.model.prognostic import (
    HorizonWarning,
    MarkerRange,
    ModelFileError,
    PrognosticModel,
    ScaleWarning,
    ValidationResult,
    baseline_cumhaz,
)

__all__ = ["HorizonWarning", "MarkerRange", "ModelFileError", "PrognosticModel", "ScaleWarning",
           "ValidationResult", "baseline_cumhaz"]


def __getattr__(name: str) -> Any:
    # ``mirprog.model.calibration_plot`` (the old module's name) is now
    # ``mirprog.plots.calibration_plot``: a figure belongs to the presentation layer,
    # which sits above this one, so it is looked up on use, for one release, rather
    # than imported (an import here would point upwards).
    if name == "calibration_plot":
        import importlib

        return importlib.import_module("mirprog.present.plots").calibration_plot
    raise AttributeError(f"module 'mirprog.model' has no attribute {name!r}")
