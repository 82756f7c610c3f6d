"""`fieldnote export`: the formats, and one call that reads a study and renders it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.services.exchange import archive, markdown, refi_qda, table
from tui.services.exchange.study import Progress, Study, pseudonymise, read_study
from tui.store import DataStore


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    binary: bool
    """Not for a terminal: refused on stdout."""
    render: Callable[[Study], bytes]
    description: str


FORMATS = {
    f.name: f
    for f in (
        Format("md", "md", False, markdown.export_markdown, "Markdown debrief"),
        Format("csv", "csv", False, table.export_csv, "CSV, a row per excerpt"),
        Format("json", "json", False, archive.export_json, "JSON, lossless, re-importable"),
        Format("qdpx", "qdpx", True, refi_qda.export_qdpx, "REFI-QDA project (NVivo, ATLAS.ti)"),
        Format("qdc", "qdc", False, refi_qda.export_qdc, "REFI-QDA codebook"),
    )
}


def export(
    store: DataStore,
    session_ids: list[str],
    format_name: str,
    *,
    pseudonymised: bool = False,
    label: str | None = None,
    progress: Progress | None = None,
) -> tuple[bytes, Study]:
    """The export's bytes, and the study as exported (pseudonymised if asked)."""
    study = read_study(store, session_ids, label=label, progress=progress)
    if pseudonymised:
        study = pseudonymise(study)
    return FORMATS[format_name].render(study), study
