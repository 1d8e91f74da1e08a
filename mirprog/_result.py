"""The result protocol shared by every frozen result object (bottom layer: no presentation)."""

from __future__ import annotations

import pandas as pd

from mirprog.output import render_html, render_latex, render_markdown

__all__ = ["FrameReprMixin", "TableRenderMixin"]


class FrameReprMixin:
    """Gives result objects a notebook display through their ``to_frame()``."""

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_html_(self) -> str:
        html = self.to_frame().to_html(escape=True)  # ids and levels are data
        return str(html)


class TableRenderMixin:
    """Markdown / HTML / LaTeX output for a result that has ``formatted()``."""

    def formatted(self, digits: int = 2) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_markdown(self, digits: int = 2) -> str:
        """The formatted table as Markdown."""
        return render_markdown(self.formatted(digits))

    def to_html(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as an HTML ``<table>``."""
        return render_html(self.formatted(digits), caption)

    def to_latex(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as a LaTeX tabular."""
        return render_latex(self.formatted(digits), caption)
