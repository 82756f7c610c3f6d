"""The analysis as pure functions, on a hand-built study whose counts are known."""

from __future__ import annotations

import pytest

from tests.analysis_study import study_sessions
from tui.domain.analysis import (
    MAX_PAIRS,
    QUADRANTS,
    THEME_COLUMNS,
    SessionInput,
    analyse,
    guide_coverage,
    sort_themes,
)
from tui.domain.notes import note_counts
from tui.domain.recording import cue_note


@pytest.fixture(scope="module")
def result():
    return analyse(study_sessions())


def test_participants_are_people_not_sessions(result):
    assert result.session_count == 4
    assert [(p.name, p.sessions) for p in result.participants] == [
        ("Ana", 2),
        ("Ben", 1),
        ("Walk-in", 1),
    ]
    assert result.note_count == 9  # the asked mark is not a note of evidence


def test_a_tag_on_a_span_and_its_whole_note_counts_once_by_the_span(result):
    theme = result.theme("workaround")
    assert (theme.excerpts, theme.sessions, theme.participants) == (2, 2, 2)
    quotes = [e.text for e in result.evidence_of(theme.evidence)]
    assert quotes == ["a spreadsheet", "Exports to Excel every night"]
    # The span's severity counts; the unrated whole note of Ben does not.
    assert (theme.mean_severity, theme.max_severity) == (2.0, 2)


def test_counts_of_a_tag_raised_twice_by_one_participant(result):
    theme = result.theme("pain/onboarding")
    assert (theme.excerpts, theme.sessions, theme.participants) == (4, 3, 2)
    assert theme.total_participants == 3 and theme.share == pytest.approx(2 / 3)
    assert theme.mean_severity == pytest.approx(11 / 3) and theme.max_severity == 5
    assert theme.emotions == ("anxious", "frustrated", "confused")
    assert not theme.rolled_up and theme.applied


def test_sub_tags_roll_up_into_their_parent(result):
    pain = result.theme("pain")
    assert pain.rolled_up and not pain.applied and pain.label == "pain/*"
    # n1, the span e2 (its note's pain/pricing is covered by the span), m1, k1, w1.
    assert (pain.excerpts, pain.sessions, pain.participants) == (5, 4, 3)
    assert pain.mean_severity == pytest.approx(3.5) and pain.max_severity == 5
    assert [t.key for t in result.themes] == [
        "idea",
        "pain",
        "pain/onboarding",
        "pain/pricing",
        "workaround",
    ]


def test_tags_differing_in_case_are_one_theme(result):
    pricing = result.theme("pain/pricing")
    assert (pricing.excerpts, pricing.participants) == (2, 2)
    assert pricing.name == "pain/pricing"
    assert (pricing.mean_severity, pricing.max_severity) == (3.0, 3)


def test_notes_without_severity_are_left_out_and_unrated_tags_are_listed(result):
    idea = result.theme("idea")
    assert idea.mean_severity is None and idea.max_severity is None
    assert [t.key for t in result.unrated] == ["idea"]
    assert "idea" not in [p.theme.key for p in result.matrix]


def test_priority_matrix_quadrants_and_ranking(result):
    ranked = [(p.theme.key, p.quadrant) for p in result.matrix]
    assert ranked == [
        ("pain/onboarding", QUADRANTS[0]),
        ("pain/pricing", QUADRANTS[0]),
        ("workaround", "widespread, mild"),
    ]
    assert result.matrix[0].score == pytest.approx(2 / 3 * 11 / 3)


def test_co_occurrence_pairs_on_a_note_and_its_spans(result):
    pairs = [(p.first, p.second, p.count) for p in result.pairs]
    assert pairs == [
        ("pain/onboarding", "pain/pricing", 1),
        ("pain/onboarding", "workaround", 1),
    ]
    (evidence,) = result.evidence_of(result.pairs[0].evidence)
    assert evidence.note_id == "n4"


def test_only_the_most_frequent_pairs_are_kept_ties_by_name():
    # 40 tags, each pair of neighbours on more notes than the rest: over MAX_PAIRS pairs.
    tags = [f"t{i:02d}" for i in range(40)]
    notes = [
        {"id": f"n{a}-{b}-{k}", "text": "x", "tags": [tags[a], tags[b]]}
        for a in range(40)
        for b in range(a + 1, 40)
        for k in range(1 + (b - a == 1) + (a % 3 == 0))
    ]
    result = analyse([SessionInput("s", {"id": "s", "participant": "Ana"}, notes)])
    counts = {(n["tags"][0], n["tags"][1]): 0 for n in notes}
    for note in notes:
        counts[note["tags"][0], note["tags"][1]] += 1
    assert len(counts) > MAX_PAIRS
    expected = sorted(counts, key=lambda pair: (-counts[pair], pair))[:MAX_PAIRS]
    assert [(p.first, p.second) for p in result.pairs] == expected
    assert [p.count for p in result.pairs] == [counts[pair] for pair in expected]


def test_a_span_coded_on_a_cue_is_its_speakers_words_and_no_note():
    """An attached transcript's cue, coded in the tagging screen, is evidence as a span of
    its words: for the participant when they said it, for nobody when the interviewer did;
    the cue itself is no note of the session. Two tags on one cue's spans make a pair."""
    cues = [
        cue_note({"id": "c1", "start": 70.0, "speaker": "Ana", "text": "It froze twice"}, 10.0),
        cue_note({"id": "c2", "start": 90.0, "speaker": "Maya", "text": "Any workaround?"}, 10.0),
    ]
    spans = [
        {"id": "x1", "note_id": "c1", "start": 0, "end": 8, "tags": ["bug"], "severity": 4},
        {"id": "x2", "note_id": "c1", "start": 10, "end": 14, "tags": ["pain"]},
        {"id": "x3", "note_id": "c2", "start": 0, "end": 14, "tags": ["workaround"]},
    ]
    notes = [{"id": "n1", "text": "Restarts it", "tags": ["workaround"]}]
    session = {"id": "s", "participant": "Ana", "clock": {"recording_offset": 10.0}}
    result = analyse([SessionInput("s", session, notes, spans, cues=cues)])
    bug = result.evidence_of(result.theme("bug").evidence)
    assert [(e.text, e.kind, e.speaker, e.participant_key, e.time) for e in bug] == [
        ("It froze", "transcript", "Ana", "ana", "01:10")
    ]
    assert bug[0].severity == 4 and result.theme("bug").participants == 1
    assert result.theme("workaround").excerpts == 2
    assert result.theme("workaround").participants == 1  # Maya's question counts for nobody
    assert result.note_count == 1 and result.notes_per_session["s"] == (1, 1)
    assert [(p.first, p.second, p.count) for p in result.pairs] == [("bug", "pain", 1)]


def test_a_sessions_evidence_reads_in_the_order_it_was_said_cues_among_notes():
    """A coded cue was listed after every note of its session: in the drill-down and the
    report, what was said at 01:00 came after a note typed at 30:00."""
    cues = [
        cue_note({"id": "c1", "start": 70.0, "speaker": "Ana", "text": "It froze twice"}, 10.0),
        cue_note({"id": "c2", "start": 1210.0, "speaker": "Ana", "text": "Froze again"}, 10.0),
    ]
    spans = [
        {"id": "x1", "note_id": "c1", "start": 0, "end": 8, "tags": ["bug"]},
        {"id": "x2", "note_id": "c2", "start": 0, "end": 11, "tags": ["bug"]},
    ]
    notes = [
        {"id": "n1", "text": "Opens the app", "elapsed": 30.0, "tags": ["bug"]},
        {"id": "n2", "text": "Reinstalls it", "elapsed": 600.0, "tags": ["bug"]},
        {"id": "n3", "text": "Gives up", "elapsed": 1800.0, "tags": ["bug"]},
    ]
    session = {"id": "s", "participant": "Ana", "clock": {"recording_offset": 10.0}}
    later = {"id": "t", "participant": "Ben"}
    result = analyse(
        [
            SessionInput("s", session, notes, spans, cues=cues),
            SessionInput("t", later, [{"id": "m1", "text": "Same", "tags": ["bug"]}]),
        ]
    )
    found = result.evidence_of(result.theme("bug").evidence)
    # The times are the recording's (the clock's plus its 10 s offset).
    assert [(e.note_id, e.time) for e in found] == [
        ("n1", "00:40"),
        ("c1", "01:10"),
        ("n2", "10:10"),
        ("c2", "20:10"),
        ("n3", "30:10"),
        ("m1", "00:00"),  # sessions stay in their order
    ]


def test_a_reports_quotes_of_equal_strength_read_in_the_order_they_were_said():
    """The report picks a theme's quotes by strength (`strongest_of`), ties in evidence
    order: a coded cue came after a quote typed nine minutes later."""
    cue = cue_note({"id": "c1", "start": 70.0, "speaker": "Ana", "text": "It froze twice"}, 10.0)
    spans = [{"id": "x1", "note_id": "c1", "start": 0, "end": 8, "tags": ["bug"]}]
    notes = [
        {"id": "n0", "text": '"It stuck', "kind": "quote", "elapsed": 5.0, "tags": ["bug"]},
        {"id": "n1", "text": '"It broke', "kind": "quote", "elapsed": 600.0, "tags": ["bug"]},
    ]
    session = {"id": "s", "participant": "Ana", "clock": {"recording_offset": 10.0}}
    result = analyse([SessionInput("s", session, notes, spans, cues=[cue])])
    quotes, _ = result.strongest_of(result.theme("bug").evidence, 5)
    assert [(e.note_id, e.time) for e in quotes] == [
        ("n0", "00:15"),
        ("c1", "01:10"),
        ("n1", "10:10"),
    ]


def test_a_span_on_a_note_whose_id_a_cue_has_too_is_the_notes_once():
    """A span names its note by id, and a cue only when no note has it (the study index,
    the codebook and the drill-down read it so): given every cue, the span was evidence
    twice, once as the note's and once as the cue's."""
    cue = cue_note({"id": "n1", "start": 5.0, "speaker": "Ana", "text": "Other words"}, 0.0)
    notes = [{"id": "n1", "text": "Restarts it daily"}]
    spans = [{"id": "x1", "note_id": "n1", "start": 0, "end": 8, "tags": ["workaround"]}]
    result = analyse([SessionInput("s", {"participant": "Ana"}, notes, spans, cues=[cue])])
    found = result.evidence_of(result.theme("workaround").evidence)
    assert [(e.note_id, e.excerpt_id, e.kind, e.text) for e in found] == [
        ("n1", "x1", "note", "Restarts")
    ]


def test_a_span_unrated_counts_with_its_notes_rating():
    """A note rated 4 and tagged, then a span of it marked with the same tag: the span stands
    for the note in that theme, and its mean severity went from 4.0 to none. A span rated
    itself keeps its own rating."""
    notes = [
        {"id": "n1", "text": "The face scan failed twice", "tags": ["emo/face"], "severity": 4},
        {"id": "n2", "text": "Login took ages", "tags": [], "severity": 5},
    ]
    spans = [
        {"id": "x1", "note_id": "n1", "start": 4, "end": 13, "tags": ["emo/face"]},
        {"id": "x2", "note_id": "n2", "start": 0, "end": 5, "tags": ["login"], "severity": 2},
    ]
    result = analyse([SessionInput("s", {"id": "s", "participant": "Ana"}, notes, spans)])
    face = result.theme("emo/face")
    assert (face.excerpts, face.mean_severity) == (1, 4.0)
    assert [e.severity for e in result.evidence_of(face.evidence)] == [4]
    assert result.theme("login").mean_severity == 2.0


def test_participants_by_tags_grid(result):
    cell = result.cell("ana", "pain/onboarding")
    assert [result.evidence[i].note_id for i in cell] == ["n1", "n4", "m1"]
    assert len(result.cell("ben", "pain/onboarding")) == 1
    assert len(result.cell("session:s4", "pain/pricing")) == 1
    assert result.cell("ben", "pain/pricing") == ()
    assert result.cell("ana", "pain") == ()  # cells hold the tags as applied


def test_guide_coverage_asked_skipped_not_reached_and_time(result):
    rows = [(c.text, c.sessions, c.asked, c.skipped, c.not_reached) for c in result.coverage]
    assert rows == [
        ("Tell me about your role.", 3, 2, 0, 1),
        ("Do you use spreadsheets?", 3, 1, 1, 1),
        ("Walk me through day one.", 3, 0, 0, 3),
    ]
    # The time each was the current question (the walk-in's clock never ran: not timed).
    assert [c.mean_seconds for c in result.coverage] == [55.0, 30.0, 25.0]
    assert result.coverage[0].section == "Warm-up"


def test_sorting_each_column(result):
    themes = result.themes
    for column in THEME_COLUMNS:
        assert sorted(t.key for t in sort_themes(themes, column)) == sorted(t.key for t in themes)
    assert [t.key for t in sort_themes(themes, "excerpts")][:2] == ["pain", "pain/onboarding"]
    assert sort_themes(themes, "severity")[-1].key == "idea"
    assert sort_themes(themes, "severity", descending=False)[-1].key == "idea"
    assert sort_themes(themes, "severity", descending=False)[0].key == "workaround"
    assert [t.key for t in sort_themes(themes, "tag", descending=False)][0] == "idea"
    with pytest.raises(ValueError):
        sort_themes(themes, "colour")


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("column", THEME_COLUMNS)
def test_a_sub_tag_stays_under_its_parent_whatever_the_sort(result, column, descending):
    """The table indents a sub-tag: sorted flat, `pain/import` was drawn under `workaround`."""
    shown = sort_themes(result.themes, column, descending)
    assert any(t.depth for t in shown)
    for at, theme in enumerate(shown):
        if theme.depth:
            above = next(t for t in reversed(shown[:at]) if t.depth < theme.depth)
            assert theme.key.startswith(above.key + "/"), (theme.key, above.key)


def test_evidence_is_citable(result):
    (span,) = [e for e in result.evidence if e.excerpt_id == "e1"]
    assert span.citation() == "a spreadsheet \u2014 Ana, 00:40"
    (walk_in,) = [e for e in result.evidence if e.note_id == "w1"]
    # A paraphrase is the note-taker's, labelled so: never the participant's words.
    assert (
        walk_in.citation() == "Too expensive for us (note by Maya, interview with Walk-in, 00:08)"
    )
    (n1,) = [e for e in result.evidence if e.note_id == "n1"]
    assert n1.quote == "Setup took all week"


def test_codebook_names_win_and_an_empty_study_is_empty():
    result = analyse(study_sessions(), names={"pain/pricing": "Pain/Pricing"})
    assert result.theme("pain/pricing").name == "Pain/Pricing"
    empty = analyse([])
    assert empty.themes == [] and empty.matrix == [] and empty.coverage == []


def test_malformed_documents_do_not_break_the_counts():
    odd = SessionInput(
        "x",
        {"id": "x", "participant": "Zed", "clock": "not a dict"},
        [
            {"id": "n", "text": "hello", "tags": ["a", 3, "", None], "severity": 9},
            {"id": "m", "text": "bool severity", "tags": "a", "severity": True},
        ],
        [{"id": "e", "note_id": "n", "start": "x", "end": None, "tags": ["b"], "severity": 0}],
        {"sections": [{"title": "S", "questions": [{"id": "q", "text": "  "}]}]},
    )
    result = analyse([odd])
    assert [t.key for t in result.themes] == ["a", "b"]
    assert result.theme("a").mean_severity is None
    assert result.evidence_of(result.theme("b").evidence)[0].text == "hello"
    assert guide_coverage([odd]) == []


# -- the service: reads the study through the store -----------------------------------------


def test_service_reads_the_study_and_follows_another_process(tmp_path):
    import os
    import subprocess
    import sys

    from tests.analysis_study import write_study
    from tui.services.analysis import StudyAnalysis, studies
    from tui.services.session_setup import create_session
    from tui.store import DataStore

    store = DataStore(tmp_path / "data")
    write_study(store)
    create_session(store, title="Other study", participant="Olga", study="Pricing")
    assert studies(store) == ["Onboarding", "Pricing"]
    service = StudyAnalysis(store, "Onboarding")
    view = service.refresh()
    assert view.scope_label == "study Onboarding" and view.problems == []
    assert [s.id for s in view.sessions] == ["s1", "s2", "s3", "s4"]
    assert view.analysis.theme("pain/onboarding").excerpts == 4
    assert service.refresh() is None  # nothing changed
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home)}
    subprocess.run(
        [sys.executable, "-m", "tui", "note", "s3", "Onboarding hurt #pain/onboarding"],
        env=env,
        check=True,
        capture_output=True,
    )
    again = service.refresh()
    assert again is not None and again.analysis.theme("pain/onboarding").excerpts == 5
    assert StudyAnalysis(store).refresh().analysis.session_count == 5
    service.close()


def test_an_unreadable_session_is_a_sentence_and_the_rest_is_analysed(tmp_path):
    from tests.analysis_study import write_study
    from tui.services.analysis import StudyAnalysis
    from tui.store import DataStore

    store = DataStore(tmp_path / "data")
    write_study(store)
    service = StudyAnalysis(store)
    assert service.refresh().analysis.session_count == 4
    store.session_path("s2").write_text("{not json", encoding="utf-8")
    view = service.refresh()
    assert view.analysis.session_count == 3
    assert len(view.problems) == 1 and "s2.json" in view.problems[0]
    assert view.analysis.theme("pain/onboarding").excerpts == 3


def test_each_sessions_notes_and_coded_notes_as_the_report_counts_them() -> None:
    """Notes but the asked marks; coded: tags of their own, or a span with tags (an untagged
    note whose span is tagged is coded; a span with no tags codes nothing)."""
    note = {"kind": "note", "author": "Maya", "started_at": "2026-11-27T10:00:00.000Z"}
    session = SessionInput(
        "s1",
        {"id": "s1", "title": "Ana", "participant": "Ana"},
        [
            {**note, "id": "tagged", "text": "Setup took a week", "tags": ["pain"]},
            {**note, "id": "spanned", "text": "We keep a spreadsheet", "tags": []},
            {**note, "id": "bare-span", "text": "Logs in early", "tags": []},
            {**note, "id": "plain", "text": "Drives to site"},
            {**note, "id": "mark", "text": "Tell me about your role.", "kind": "asked"},
        ],
        [
            {"id": "e1", "note_id": "spanned", "start": 9, "end": 21, "tags": ["workaround"]},
            {"id": "e2", "note_id": "bare-span", "start": 0, "end": 4, "tags": []},
        ],
    )
    assert analyse([session]).notes_per_session == {"s1": (4, 2)}
    assert note_counts(session.notes, session.excerpts) == (4, 2)  # the sessions list's


def test_the_quotes_shown_elsewhere_give_way_to_the_next_by_the_same_rules():
    """The report shows each quote once (`strongest`'s `shown`): a theme whose strongest is
    under an earlier theme takes its next strongest, still one per person before a second
    from anyone, and still those the transcript does not bear out (`doubtful`) last."""

    def quote(nid, severity, elapsed):
        return {
            "id": nid,
            "text": f'"{nid}',
            "kind": "quote",
            "elapsed": elapsed,
            "tags": ["bug"],
            "severity": severity,
        }

    ana = SessionInput(
        "a",
        {"id": "a", "participant": "Ana"},
        [quote("a1", 5, 1.0), quote("a2", 4, 2.0), quote("a3", 3, 3.0)],
    )
    ben = SessionInput("b", {"id": "b", "participant": "Ben"}, [quote("b1", 1, 1.0)])
    result = analyse([ana, ben])
    evidence = result.theme("bug").evidence
    index = {result.evidence[i].note_id: i for i in evidence}

    def picked(shown, doubtful=None):
        quotes, _ = result.strongest(evidence, 2, doubtful, shown)
        return [result.evidence[i].note_id for i in quotes]

    assert picked(()) == ["a1", "b1"]
    assert picked({index["a1"]}) == ["a2", "b1"]
    assert picked({index["a1"]}, lambda e: e.note_id == "a2") == ["a3", "b1"]
    assert picked({index["a1"], index["b1"]}) == ["a2", "a3"]


def test_words_shown_once_are_shown_for_every_piece_of_their_note_that_overlaps_them():
    """A quote coded whole under one tag and a span of it under another are two pieces of
    evidence with the same words: the report printed "Don't make me type them again." under
    two themes. A piece counts as shown when words of its note that overlap it are; a span
    of the same quote with no word in common is another quote."""
    text = "\"Show me the trucks. Don't make me type them again."
    notes = [{"id": "n1", "text": text, "kind": "quote", "tags": ["wms"], "severity": 3}]
    spans = [
        {"id": "x1", "note_id": "n1", "start": 20, "end": 51, "tags": ["double-entry"]},
        {"id": "x2", "note_id": "n1", "start": 0, "end": 19, "tags": ["trucks"]},
    ]
    result = analyse([SessionInput("s", {"id": "s", "participant": "Ana"}, notes, spans)])
    (span,) = result.theme("double-entry").evidence
    (whole,) = result.theme("wms").evidence
    (other,) = result.theme("trucks").evidence
    shown = result.shown_words()
    shown.add(span, 0)
    assert shown.among([whole, other, span]) == {whole: 0, span: 0}
    above = shown.among(result.theme("wms").evidence)
    assert result.strongest(result.theme("wms").evidence, 3, shown=above) == ([], [])


def test_a_follow_up_is_timed_on_the_recording_as_the_evidence_beside_it():
    """With the recording 8 s after the clock, the report cited a note at 03:13 (the
    recording's time) and the open follow-up typed after it at 03:05 (the clock's), and the
    analysis screen's follow-ups did too: two times under one word, a minute apart in
    neither order. A follow-up's time is its place on the recording, as every other
    citation of the report and the analysis."""
    notes = [
        {"id": "n1", "text": "Planner types it in", "elapsed": 185.0, "tags": ["work"]},
        {"id": "f1", "text": "?ask for the sheet", "kind": "followup", "elapsed": 190.0},
    ]
    session = {"id": "s", "title": "P1", "participant": "Ana", "clock": {"recording_offset": 8.0}}
    result = analyse([SessionInput("s", session, notes)])
    (note,) = result.evidence_of(result.theme("work").evidence)
    (followup,) = result.followups
    assert (note.time, followup.time) == ("03:13", "03:18")
    assert followup.source.endswith(", P1, 03:18")
