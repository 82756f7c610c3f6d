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


def test_the_participants_words_in_a_sample_transcript_count_for_the_participant(store):
    """The demo's P1 is 'P1 (ops lead, 3PL warehouse)' and the transcript named them 'P1':
    a cue of theirs coded on the tagging screen was raised by nobody ('0 of 4' in the
    themes, the report and the codebook), as a transcript's words count for the participant
    only when its speaker is the session's participant (docs/analysis.md)."""
    from tui.domain.analysis import counts_for
    from tui.services.exchange.samples import load_study, sample_studies

    for study in sample_studies():
        load_study(store, study)
    attached = 0
    for summary in store.list_sessions()[0]:
        snapshot, recording = store.read_session(summary.id)
        if recording is None:
            continue
        attached += 1
        speakers = {cue["speaker"] for cue in recording["cues"]}
        theirs = [s for s in speakers if counts_for(snapshot.session, _cue(s))]
        assert theirs, (snapshot.session["participant"], speakers)
    assert attached


def _cue(speaker: str) -> dict:
    return {"kind": "transcript", "author": speaker}


def _md_tags(capsys, study: str) -> dict[str, tuple[int, int, int]]:
    """The Markdown export's `Tags across the study`: tag -> (excerpts, sessions, people)."""
    assert main(["export", "--study", study, "--format", "md"]) == 0
    _, table = capsys.readouterr().out.split("## Tags across the study")
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| ")]
    return {r[0].strip(): tuple(int(c) for c in r[1:]) for r in rows[2:]}


def test_every_surface_counts_a_tags_excerpts_of_the_demo_alike(store, monkeypatch, capsys):
    """The demo's P1 has a quote coded pain/import and a span of it coded the same: the
    analysis, its report and the Markdown report's themes counted that one piece of evidence
    once (9 excerpts of pain/import), while the codebook screen gave 10 under the same word,
    Excerpts, and the Markdown export's `Tags across the study` 10 too (pain/onboarding 12
    against 11). Every tag that is no parent of another reads the same everywhere."""
    from tui.services.exchange.samples import load_study, sample_studies

    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    for folder in sample_studies():
        load_study(store, folder)
    studies: dict[str, list[str]] = {}
    for summary in store.list_sessions()[0]:
        studies.setdefault(store.read_session(summary.id)[0].session["study"], []).append(
            summary.id
        )
    compared = 0
    for study, ids in sorted(studies.items()):
        themes = {t.key: t for t in StudyAnalysis(store, study).refresh().analysis.themes}
        usage = tag_usage(store, ids)
        exported = _md_tags(capsys, study)
        for name, (excerpts, sessions, people) in exported.items():
            theme = themes[name.casefold()]
            if theme.rolled_up:  # a parent: its sub-tags' evidence is in the theme
                continue
            used = usage[name.casefold()]
            counts = (theme.excerpts, theme.sessions, theme.participants)
            assert (used.excerpts, len(used.sessions), len(used.participants)) == counts, name
            assert (excerpts, sessions, people) == counts, name
            compared += 1
    assert compared > 40
