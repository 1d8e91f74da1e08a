"""The local web app (``mirprog app``; the optional extra ``pip install "mirprog[app]"``).

A Shiny-for-Python page over the public mirprog API: upload a cohort file, map its
columns, and get a marker's KM plot, log-rank, Cox HR, the study tables, the screen with
FDR, the HTML report and the frozen model.  The server binds to 127.0.0.1 by default and
serves every asset itself: nothing is fetched from, or sent to, the internet.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def create_app() -> Any:
    """The Shiny application object (needs the ``shiny`` package).

    Examples
    --------
    >>> from mirprog.app import create_app
    >>> type(create_app()).__name__
    'App'
    """
    from shiny import App

    from mirprog.app.server import server
    from mirprog.app.ui import app_ui

    return App(app_ui(), server)


def serve(host: str = "127.0.0.1", port: int = 8050, *, launch_browser: bool = True,
          log_level: str = "warning") -> None:
    """Run the app until interrupted (``mirprog app``)."""
    from shiny import run_app  # (None only under pyodide)

    run_app(create_app(), host=host, port=port,  # type: ignore[misc]
            launch_browser=launch_browser, log_level=log_level, app_dir=None)
