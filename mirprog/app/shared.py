"""What the views of the app share: the cohort, the marker list, the session's folder."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shiny import Inputs, Session, reactive, req, ui

from mirprog.app import analysis as an
from mirprog.data.cohort import Cohort

__all__ = ["Memo", "Shared"]


@dataclass
class Memo:
    """The last ``size`` results of one computation, by key (going back is instant)."""

    size: int = 24
    _store: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The stored value of ``key``, or ``compute()`` stored under it."""
        if key in self._store:
            self._store.move_to_end(key)
            return self._store[key]
        value = compute()
        self._store[key] = value
        if len(self._store) > self.size:
            self._store.popitem(last=False)
        return value


@dataclass(frozen=True)
class Shared:
    """Reactive readers and helpers handed to each view's registration function."""

    cohort: Callable[[], Cohort]
    marker_choices: Callable[[], list[str]]
    workdir: Path
    session_id: str
    table: Callable[[], Any] = lambda: None  # the uploaded table (or mirprog's error)
    upload_name: Callable[[], str] = lambda: ""
    #: view -> reader of the (heading, result) pairs it shows: what the report holds.
    #: A reader raises shiny's SilentException (req) when its view has nothing yet.
    looked_at: dict[str, Callable[[], list[tuple[str, Any]]]] = field(default_factory=dict)
    #: "signature" / "subgroups" -> reader of that part of the session's study file
    study_parts: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)

    @staticmethod
    def build(input: Inputs, session: Session, cohort_or_error: Callable[[], Any],
              workdir: Path, table: Callable[[], Any] | None = None) -> Shared:
        """The readers, from the cohort calc (and the table calc) of the server."""

        def cohort() -> Cohort:
            c = cohort_or_error()
            req(isinstance(c, Cohort))
            assert isinstance(c, Cohort)
            return c

        @reactive.calc
        def marker_choices() -> list[str]:
            c = cohort()
            roles = {c.time_col, c.event_col, c.id_col}
            return list(input.markers()) or [m for m in an.numeric_columns(c.dtypes)
                                             if m not in roles]

        def upload_name() -> str:
            files = input.upload()
            req(files)
            return str(files[0]["name"])

        return Shared(cohort=cohort, marker_choices=marker_choices, workdir=workdir,
                      session_id=str(session.id), table=table or (lambda: None),
                      upload_name=upload_name)

    def file(self, name: str) -> Path:
        """A file of this session in its folder."""
        return self.workdir / f"{self.session_id}-{name}"

    @staticmethod
    def go_to_marker(marker: str) -> None:
        """Open the one-marker view on ``marker``."""
        ui.update_select("marker", selected=marker)
        ui.update_navset("tabs", selected="One marker")
