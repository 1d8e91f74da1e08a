"""A self-contained HTML report built from any mirprog results, in the order given.

The page is one file: the style sheet is inline and figures are base64 PNGs, so it
opens anywhere without network access.  Each result becomes a section with its table
(the result's own ``to_html``), the rows it used and why others were left out, and the
figure that fits it (Kaplan–Meier curves, a forest plot, a PH residual plot).  Nothing
here computes a statistic: sections only read the results.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mirprog.output import format_p

__all__ = ["CSS", "Report", "build_report", "figure_html", "section_html"]

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table.mirprog-table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
table.mirprog-table th, table.mirprog-table td { padding: .3em .7em; text-align: left;
       border-bottom: 1px solid #e3e3e3; }
table.mirprog-table caption { text-align: left; font-weight: bold; margin-bottom: .4em; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .6em 1em; }
.provenance { font-size: .9em; color: #444; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: .9em; }
footer { margin-top: 3em; font-size: .85em; color: #666; }
"""

EPV_MIN = 10  # events per variable below which a multivariable model is flagged


@dataclass(frozen=True)
class Report:
    """A finished report: the page and the titles of its sections.

    Attributes
    ----------
    html : str
        The whole self-contained page.
    sections : tuple of str
        Section headings, in order.
    path : Path or None
        Where it was written, when it was.
    """

    html: str
    sections: tuple[str, ...]
    path: Path | None = None

    def save(self, path: str | Path) -> Path:
        """Write the page (UTF-8) and return the path."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        return self.html


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figure_html(fig: Any, caption: str, ident: str) -> str:
    """A matplotlib figure as an inline PNG ``<figure>`` (the figure is closed)."""
    return (f'<figure id="{html.escape(ident)}"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{_png(fig)}"><figcaption>{html.escape(caption)}'
            "</figcaption></figure>")


def section_html(ident: str, heading: str, body: str) -> str:
    return f'<section id="{html.escape(ident)}"><h2>{html.escape(heading)}</h2>{body}</section>'


def _provenance(result: Any) -> str:
    """Rows used, events and the exclusion ledger, from whichever of them the result has."""
    bits = []
    n = getattr(result, "n", None)
    if isinstance(n, int):
        bits.append(f"{n} rows used")
    events = getattr(result, "events", None)
    if isinstance(events, int):
        bits.append(f"{events} events")
    excluded = getattr(result, "excluded", None)
    text = "; ".join(bits)
    if excluded is not None and hasattr(excluded, "summary"):
        text += ("; " if text else "") + (excluded.summary() if len(excluded)
                                          else "no row excluded")
    return f'<p class="provenance">{html.escape(text)}.</p>' if text else ""


def _kind(result: Any) -> str:
    return type(result).__name__


def _km_section(result: Any, extra: dict[str, Any]) -> tuple[str, str]:
    from mirprog._result import format_frame
    from mirprog.output import render_html
    from mirprog.present.plots import km_plot

    by = result.by or "all patients"
    median = result.median
    labels = extra.get("labels")
    if labels and median.index.name == "group":
        median = median.rename(index=lambda g: labels.get(g, g))
    body = render_html(format_frame(median), caption="Median survival (Kaplan–Meier) per group")
    fig = km_plot(result, test=extra.get("logrank"), time_unit=extra.get("time_unit"),
                  labels=extra.get("labels"))
    return (f"Kaplan–Meier curves: {by}",
            body + figure_html(fig, f"Survival by {by}", extra["ident"]))


def _cox_section(result: Any, extra: dict[str, Any]) -> tuple[str, str]:
    from mirprog.present.plots import forest_plot

    terms = list(result.summary.index)
    body = result.to_html()
    body += (f"<p>Likelihood-ratio test: χ² = {result.lr_chi2:.2f} on {result.lr_df} df, "
             f"p {html.escape(format_p(result.lr_p))}; concordance "
             f"{result.concordance:.3f}; {html.escape(result.ties)} ties.</p>")
    epv = result.events / max(1, len(terms))
    if len(terms) > 1 and epv < EPV_MIN:
        body += (f'<p class="note">Only {epv:.1f} events per variable ({result.events} events, '
                 f"{len(terms)} coefficients): below {EPV_MIN}, estimates may be unstable "
                 "and optimistic; reduce the model or report it as exploratory.</p>")
    if result.monotone:
        body += ('<p class="note">Monotone likelihood (a group without events) for '
                 f"{html.escape(', '.join(result.monotone))}: these HRs are not estimable; "
                 "refit with firth=True.</p>")
    fig = forest_plot(result, title="Hazard ratios")
    return "Cox model: " + ", ".join(terms), body + figure_html(fig, "Hazard ratios",
                                                               extra["ident"])


def _ph_section(result: Any) -> tuple[str, str]:
    from mirprog.stats.cox.remedies import ph_note

    body = result.to_html()
    note = ph_note(result)
    if note is not None:
        body += f'<p class="note">{html.escape(note)}</p>'
    return "Proportional-hazards check", body


def _logrank_section(result: Any) -> tuple[str, str]:
    body = result.to_html() + (f"<p>χ² = {result.chi2:.2f} on {result.df} df, "
                               f"p {html.escape(format_p(result.p))}.</p>")
    return f"Log-rank test: {result.by}", body


def _optimal_section(result: Any) -> tuple[str, str]:
    """The chosen cutpoint and its search-corrected p first; the candidates folded away."""
    text = (f"Cutpoint {result.cutpoint:g} (high = above it): {result.n_low} low, "
            f"{result.n_high} high; maximally selected log-rank statistic "
            f"{result.statistic:.2f}; p corrected for the search over the cutpoints between "
            f"the {result.minprop:.0%} and {result.maxprop:.0%} quantiles "
            f"{format_p(result.p)} ({result.pmethod}).")
    body = (f"<p>{html.escape(text)}</p><details><summary>Every candidate cutpoint "
            f"({len(result.table)})</summary>{result.to_html()}</details>")
    return f"Optimal cutpoint: {result.marker}", body


def _generic_section(result: Any) -> tuple[str, str]:
    heading = getattr(result, "title", None) or _kind(result).removesuffix("Result")
    body = result.to_html() if hasattr(result, "to_html") else html.escape(repr(result))
    p = getattr(result, "p", None)
    if isinstance(p, float) and not math.isnan(p):
        body += f"<p>p {html.escape(format_p(p))}.</p>"
    return str(heading), body


def _item_section(item: Any, extra: dict[str, Any]) -> tuple[str, str]:
    kind = _kind(item)
    if kind == "Figure":
        return "Figure", figure_html(item, "", extra["ident"])
    if isinstance(item, str):
        return "Note", f"<p>{html.escape(item)}</p>"
    if kind == "KMResult":
        return _km_section(item, extra)
    if kind == "CoxResult":
        return _cox_section(item, extra)
    if kind == "LogRankResult":
        return _logrank_section(item)
    if kind == "PHTestResult":
        return _ph_section(item)
    if kind == "OptimalCutpointResult":
        return _optimal_section(item)
    return _generic_section(item)


def build_report(items: Sequence[Any], *, title: str, time_unit: str | None = None,
                 pre: Sequence[tuple[str, str]] = (), embed: str | None = None,
                 group_labels: Mapping[str, Mapping[Hashable, str]] | None = None) -> Report:
    """A :class:`Report` of ``items`` (results, figures, strings or (heading, item) pairs).

    ``pre`` are ready (heading, ``<section>`` html) pairs placed first (a study's own);
    ``embed`` is text embedded verbatim (escaped) at the end, e.g. the study file;
    ``group_labels`` maps a grouping column to the legend labels of its groups in KM
    figures (e.g. ``{"pgr_high": {0: "PgR low", 1: "PgR high"}}``).
    A log-rank result directly after a Kaplan–Meier result of the same grouping is
    drawn on its figure.
    """
    from mirprog._version import __version__

    headings: list[str] = [h for h, _ in pre]
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [body for _, body in pre]
    items = list(items)
    for i, raw in enumerate(items):
        heading, item = raw if isinstance(raw, tuple) and len(raw) == 2 else (None, raw)
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(nxt, tuple) and len(nxt) == 2:
            nxt = nxt[1]
        extra: dict[str, Any] = {"time_unit": time_unit, "ident": f"fig-r{i}",
                                 "labels": (group_labels or {}).get(getattr(item, "by", ""))}
        if _kind(nxt) == "LogRankResult" and getattr(nxt, "by", None) == getattr(item, "by", 0):
            extra["logrank"] = nxt
        auto, body = _item_section(item, extra)
        heading = heading or auto
        headings.append(heading)
        parts.append(section_html(f"r{i}", heading, body + _provenance(item)))
    if embed is not None:
        headings.append("Study file")
        parts.append(section_html("study-file", "Study file",
                                  f"<pre>{html.escape(embed)}</pre>"))
    parts.append(f"<footer>Generated by mirprog {__version__} on {date.today().isoformat()}."
                 "</footer>")
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
    return Report(html=page, sections=tuple(headings))
