"""Every surface that counts a tag's use counts the same thing alike: the codebook screen's
excerpts, the analysis's themes (and so the report), the CSV export's rows and `fieldnote
agree`'s notes per coder (docs/analysis.md: how it counts)."""

from __future__ import annotations

import csv
import io

from tests.analysis_study import write_study
from tui.cli import main
from tui.domain.codings import coding, fields
from tui.services.analysis import StudyAnalysis
from tui.services.tag_ops import tag_usage
from tui.services.team.agreement import compute, load


def _csv_rows(capsys, tag: str) -> int:
    assert main(["export", "--study", "Onboarding", "--format", "csv"]) == 0
    rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
    return sum(tag in row["tags"].split(";") for row in rows)


def test_a_tag_on_a_question_marked_asked_counts_nowhere(store, monkeypatch, capsys):
    """A note that only marks a guide question asked is no note and no excerpt, yet a tag
    on one (`fieldnote tag` took it, as older files may hold it) counted as an excerpt on
    the codebook screen alone: 'idea' was 3 excerpts there (Bo's 2) and 2 in the themes, the
    report and the export (Bo's 1 in `fieldnote agree`)."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    write_study(store)
    session_file = store.open_session("s1")
    session_file.update_note("a1", fields([coding("idea", "Bo", None)]))
    session_file.update_note("n4", fields([coding("idea", "Bo", None)]))
    session_file.close()
    view = StudyAnalysis(store, "Onboarding").refresh()
    theme = next(t for t in view.analysis.themes if t.key == "idea")
    usage = tag_usage(store)["idea"]
    agreement = compute(load(store, ["s1", "s2", "s3", "s4"]), ["Bo", "unknown"])
    (code,) = [c for c in agreement.codes if c.key == "idea"]
    (pair,) = code.pairs
    assert theme.excerpts == usage.excerpts == _csv_rows(capsys, "idea") == 2  # n4, k2
    assert theme.sessions == len(usage.sessions) == 2
    assert (pair.first, pair.first_units) == ("Bo", 1) and usage.coders["Bo"] == 1
