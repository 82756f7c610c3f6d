"""`fieldnote export`: the formats, and one call that reads a study and writes it out, a
session at a time (memory flat in the number of sessions)."""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tui.services.exchange.output import write_export
from tui.services.exchange.pseudonyms import NoKey, folder_key, pseudonymise
from tui.services.exchange.study import Progress, Study, file_stem, read_study
from tui.store import DataStore


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    binary: bool
    """Not for a terminal: refused on stdout."""
    writer: str
    """`module:function` (in tui.services.exchange) that writes a Study out; imported when
    an export runs, so the sessions screen starts without XML and zip code it may not use."""
    description: str

    def write(self, study: Study, out: BinaryIO) -> None:
        module, function = self.writer.split(":")
        found = importlib.import_module(f"tui.services.exchange.{module}")
        getattr(found, function)(study, out)


FORMATS = {
    f.name: f
    for f in (
        Format("md", "md", False, "markdown:write_markdown", "Markdown debrief"),
        Format("csv", "csv", False, "table:write_csv", "CSV, a row per excerpt"),
        Format("json", "json", False, "archive:write_json", "JSON, lossless, re-importable"),
        Format("qdpx", "qdpx", True, "refi_qda:write_qdpx", "REFI-QDA project (NVivo, ATLAS.ti)"),
        Format("qdc", "qdc", False, "refi_qda:write_qdc", "REFI-QDA codebook"),
    )
}


def export_to(
    store: DataStore,
    session_ids: list[str],
    format_name: str,
    out: BinaryIO,
    *,
    pseudonymised: bool = False,
    label: str | None = None,
    progress: Progress | None = None,
) -> Study:
    """Write the export to `out`, reading each session as it is written; the study as
    exported (pseudonymised if asked)."""
    study = read_study(
        store, session_ids, label=label, progress=progress, with_others=pseudonymised
    )
    if pseudonymised:
        try:
            key, unmarked = folder_key(store.home, create=True), None
        except NoKey as error:  # a read-only data folder: as a plain export, it still goes
            key, unmarked = None, str(error)
        study = pseudonymise(study, key)
        study.notices += [unmarked] if unmarked else []
    FORMATS[format_name].write(study, out)
    return study


def export(
    store: DataStore,
    session_ids: list[str],
    format_name: str,
    *,
    pseudonymised: bool = False,
    label: str | None = None,
) -> tuple[bytes, Study]:
    """The export's bytes, and the study as exported: `export_to` into memory."""
    out = io.BytesIO()
    study = export_to(
        store, session_ids, format_name, out, pseudonymised=pseudonymised, label=label
    )
    return out.getvalue(), study


@dataclass
class ExportJob:
    """An export the UI offers: which sessions, and what to call them. The screen picks the
    format, file and pseudonymisation; `run` does the work (in a worker thread)."""

    store: DataStore
    session_ids: list[str]
    label: str
    """What the export is called; "" lets the sessions name it (their study's name)."""
    notices: list[str] = field(default_factory=list)
    """Sentences about the last export `run` wrote (a pseudonymised copy left unmarked)."""

    def default_path(self, format_name: str, pseudonymised: bool, folder: Path) -> Path:
        # A pseudonymised export must not carry a name in its own file name either.
        stem = "pseudonymised-export" if pseudonymised else file_stem(self.label or "export")
        return folder / f"{stem}.{FORMATS[format_name].extension}"

    def run(
        self,
        format_name: str,
        path: Path,
        *,
        pseudonymised: bool = False,
        force: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Export and write; ExchangeError (or StoreError) with a sentence on failure, also
        when the file exists and `force` is not given. `notices` then says what to know."""
        self.notices = []

        def export_into(out: BinaryIO) -> None:
            study = export_to(
                self.store,
                self.session_ids,
                format_name,
                out,
                pseudonymised=pseudonymised,
                label=self.label or None,
                progress=progress,
            )
            self.notices = list(study.notices)

        return write_export(path, export_into, force=force)
