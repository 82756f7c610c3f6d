"""`fieldnote report`: Markdown and one self-contained, valid, escaped HTML file."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest

from tests.analysis_study import study_sessions, write_study
from tui.cli import main
from tui.domain.analysis import SessionInput
from tui.services.chart_labels import CHAR_WIDTH, Box
from tui.store import DataStore

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def hostile_study(home) -> None:
    sessions = study_sessions()
    sessions.append(
        SessionInput(
            "h1",
            {"id": "h1", "title": SCRIPT, "participant": HOSTILE, "study": "Onboarding"},
            [
                {
                    "id": "x1",
                    "text": f'"{SCRIPT} and {HOSTILE} #pain/onboarding',
                    "tags": ["pain/onboarding", "<b>bold</b>"],
                    "emotions": ["<i>"],
                    "elapsed": 3.0,
                    "severity": 5,
                    "question_id": "q1",
                }
            ],
            [],
            sessions[0].guide,
            {"marks": {"q1": "asked"}},
        )
    )
    write_study(DataStore(home), sessions)


def report(tmp_path, *args: str) -> str:
    out = tmp_path / "report.out"
    assert main(["report", "--study", "Onboarding", *args, "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # interview notes are personal data
    return out.read_text(encoding="utf-8")


def test_html_is_valid_self_contained_and_escapes_every_user_string(home, tmp_path, capsys):
    hostile_study(home)
    text = report(tmp_path, "--format", "html")
    assert capsys.readouterr().out.strip().endswith("report.out")
    # Strict HTML5: any parse error raises.
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    assert tree.findall(".//script") == [] and "<script" not in text.lower()
    assert tree.findall(".//img") == [] and tree.findall(".//b") == []
    # The hostile strings are there, as text.
    body_text = "".join(tree.find("body").itertext())
    assert HOSTILE in body_text and SCRIPT in body_text and "<b>bold</b>" in body_text
    # No external URL anywhere: links only to the page's own sections.
    assert not re.search(r"(?:https?:)?//[\w.-]", text)
    for element in tree.iter():
        for name, value in element.attrib.items():
            if name.endswith("href") or name == "src":
                assert value.startswith("#"), (element.tag, name, value)
    # The charts are pygal's, inline: the matrix and the coverage, each drawn for a page and
    # for a phone; the themes' bars are HTML.
    charts = [e for e in tree.iter() if str(e.tag).endswith("svg")]
    assert len(charts) == 4 and all("pygal-chart" in e.get("class", "") for e in charts)


def test_html_holds_the_synthesis_quotes_and_sessions(home, tmp_path):
    write_study(DataStore(home))
    text = report(tmp_path, "--format", "html")
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    headings = [h.text for h in tree.iter("h2")]
    assert headings == [
        "Priorities",
        "Themes",
        "Strongest quotes",
        "Open follow-ups",
        "Tags raised together",
        "Who raised what",
        "Guide coverage",
        "Sessions",
    ]
    quotes = [q.find("p").text for q in tree.iter("blockquote")]
    assert "a spreadsheet" in quotes and "Setup took all week" in quotes
    sessions = tree.find(".//section[@id='sessions']")
    rows = [[td.text for td in tr.iter("td")] for tr in sessions.iter("tr")][1:]
    assert [r[0] for r in rows] == ["Ana - 1", "Ana - 2", "Ben", "Walk-in"]
    assert rows[0][3:] == ["3", "3", "0"]


def test_a_very_long_word_wraps_inside_the_page(home, tmp_path):
    """A pasted URL or a 3,000-character word in a quote ran off the 60rem page: nothing let
    a word break. The page's style lets any word wrap at the edge, the sideways-scrolling
    tables' headers excepted."""
    write_study(DataStore(home))
    text = report(tmp_path, "--format", "html")
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    style = " ".join(tree.find(".//style").text.split())
    body = re.search(r"(?:^| )body \{([^}]*)\}", style)
    assert body is not None and "overflow-wrap: anywhere" in body.group(1), style


def css_rules(tree) -> dict[str, str]:
    """The report's style as selector -> its declarations (each of a list of selectors)."""
    style = " ".join(tree.find(".//style").text.split())
    style = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^}]*\})*\s*\}", "", style)  # a phone's: media_rules
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", style):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + body
    return rules


def test_tables_on_a_phone_scroll_in_their_box_and_break_no_word_or_count(home, tmp_path):
    """On a 390 px phone (and in the themes table of a laptop) the page's `overflow-wrap:
    anywhere` reached the table cells: the tables squeezed to the page's width instead of
    scrolling, so the header read `Ex|ce|rp|ts`, `2 of 4` took three lines and a tag
    `pain/impor|t`. A table scrolls sideways inside its own box; its cells break words only
    at spaces and a tag after each `/`; counts never break."""
    write_study(DataStore(home))
    tree = html5lib.parse(report(tmp_path, "--format", "html"), namespaceHTMLElements=False)
    rules = css_rules(tree)
    assert "overflow-wrap: normal" in rules["table"]
    assert "white-space: nowrap" in rules["td.n"]
    parent = {child: node for node in tree.iter() for child in node}
    tables = list(tree.iter("table"))
    assert len(tables) >= 6
    for table in tables:
        box = parent[table]
        assert box.tag == "div", box.tag
        assert "overflow-x: auto" in rules["." + box.get("class")]
    priorities = tree.find(".//section[@id='priorities']//table")
    header = [th.text for th in priorities.iter("th")]
    first = list(priorities.iter("tr"))[1].findall("td")
    assert first[header.index("Participants")].get("class") == "n"  # `3 of 4` is a count
    tag = first[header.index("Tag")]
    assert tag.text == "pain/" and tag.find("wbr") is not None  # pain/<wbr>onboarding
    themes = tree.find(".//section[@id='themes']//table")
    header = [th.text for th in themes.iter("th")]
    cells = list(themes.iter("tr"))[1].findall("td")
    assert cells[header.index("Participants")].get("class") == "n"


def test_a_study_of_one_session_is_counted_in_the_singular(home, tmp_path):
    """A study's first interview: the report said "1 sessions, 1 participants, 1 notes", as
    did the analysis screen's header and the Markdown export."""
    write_study(DataStore(home), study_sessions()[:1])
    text = report(tmp_path, "--format", "md")
    assert "1 session, 1 participant, 3 notes, 5 coded excerpts." in text


def test_markdown_report(home, tmp_path):
    hostile_study(home)
    text = report(tmp_path)
    assert text.startswith("# Study: Onboarding\n")
    assert "| 1 | pain/onboarding | 3 of 4 | 4.0 | act now |" in text
    assert "> a spreadsheet\n> \u2014 Ana, 00:40 (Ana - 1)" in text
    assert "\x1b" not in text


NOT_LOADED = ("pygal", "xml.etree.ElementTree", "tui.services.chart_labels", "rapidfuzz")
"""What only the HTML report's charts need, and the matching of quotes against a transcript."""


def test_a_markdown_report_of_sessions_without_transcripts_loads_no_charting(home, tmp_path):
    write_study(DataStore(home), study_sessions())
    out = tmp_path / "report.md"
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        f"main(['report', '--study', 'Onboarding', '-o', {str(out)!r}])\n"
        f"print([m for m in {NOT_LOADED!r} if m in sys.modules])"
    )
    root = Path(__file__).resolve().parent.parent
    child = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.splitlines()[-1] == "[]" and out.exists()  # the last line: loaded


def test_report_to_stdout_and_errors(home, tmp_path, capsys):
    write_study(DataStore(home))
    assert main(["report", "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Every session\n")
    missing = tmp_path / "no" / "such" / "folder" / "r.html"
    assert main(["report", "--format", "html", "-o", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "Could not write" in err and "choose another folder and report again" in err
    assert "its folder does not exist" in err and "so create the folder or" in err
    assert "space" not in err  # a missing folder is not a full disk
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["report", "--study", "Nope"]) == 1
    assert "no study named 'Nope'" in capsys.readouterr().err


def test_an_empty_study_still_makes_a_valid_report(home, tmp_path):
    from tui.services.session_setup import create_session

    create_session(DataStore(home), title="Nothing yet", participant="P", study="Onboarding")
    text = report(tmp_path, "--format", "html")
    html5lib.HTMLParser(strict=True).parse(text)
    assert "<svg" not in text
    assert "<p><em>No note carries two tags yet.</em></p>" in text  # no table with no rows
    markdown = report(tmp_path, "--format", "md", "--force")
    assert "## Tags raised together\n\n_No note carries two tags yet._\n" in markdown


def svg_nodes(root, name: str) -> list:
    """Elements of an inline SVG by local name (html5lib puts them in the SVG namespace)."""
    return [e for e in root.iter() if str(e.tag).rpartition("}")[2] == name]


def test_html_charts_count_in_whole_numbers_and_labels_keep_clear(home, tmp_path):
    """Two tags at 100% with close severities, points on one spot, long names: every label
    is inside the chart, clear of the others; counts of people are whole numbers."""
    sessions = study_sessions()
    crowded = [
        ("pain/onboarding", 4),
        ("trust", 4),
        ("idea/bulk-edit", 2),
        ("idea/dark-mode", 2),
        ("workaround/spreadsheet-export-every-night", 2),
    ]
    for session in sessions:
        for tag, severity in crowded:
            session.notes.append(
                {
                    "id": f"{session.id}-{tag}",
                    "text": f'"words #{tag}',
                    "kind": "quote",
                    "tags": [tag],
                    "severity": severity,
                    "elapsed": 1.0,
                }
            )
    write_study(DataStore(home), sessions)
    tree = html5lib.parse(report(tmp_path, "--format", "html"), namespaceHTMLElements=False)
    matrix, _, coverage, phone_coverage = [e for e in tree.iter() if str(e.tag).endswith("svg")]
    boxes = []
    for text in svg_nodes(matrix, "text"):
        if "label" not in text.get("class", "").split():
            continue
        left, baseline = float(text.get("x")), float(text.get("y"))
        width = len(text.text) * CHAR_WIDTH * 10
        boxes.append(Box(left, baseline - 8, left + width, baseline + 2))
    assert len(boxes) >= 4
    width = float(matrix.get("viewBox").split()[2])
    (plot,) = [g for g in svg_nodes(matrix, "g") if g.get("class") == "plot"]
    origin = float(plot.get("transform").split("(")[1].split(",")[0])
    for n, box in enumerate(boxes):
        assert 0 <= box.left and origin + box.right <= width  # nothing cut by the edge
        assert not [other for other in boxes[n + 1 :] if box.overlaps(other)]
    for chart in (coverage, phone_coverage):
        ticks = [
            t.text
            for g in svg_nodes(chart, "g")
            if "axis" in g.get("class", "")
            for t in svg_nodes(g, "text")
        ]
        numbers = [t for t in ticks if t and t.replace(".", "").isdigit()]
        assert numbers and all(t.isdigit() for t in numbers), numbers  # no 0.2, 0.4 ...
    people = tree.find(".//section[@id='people']")
    assert people.find("div").get("class") == "scroll"  # a wide grid scrolls inside its box


SUB_TAG_QUOTE = {
    "id": "sub1",
    "text": '"I paste it all into a sheet #workaround/spreadsheet',
    "kind": "quote",
    "tags": ["workaround/spreadsheet"],
    "severity": 3,
    "elapsed": 50.0,
    "question_id": "q1",
    "author": "Maya",
    "started_at": "2026-11-21T09:00:50.000Z",
}
"""A quote coded with a sub-tag alone (`workaround/spreadsheet`), added to a session of the
study: its parent `workaround` then counts it as `workaround/*`."""


def test_a_tag_counted_with_its_sub_tags_is_named_so_wherever_its_numbers_show(home, tmp_path):
    """Ana raised `workaround` itself, Ben only `workaround/spreadsheet`: the numbers of the
    `workaround` row count both, so every place that shows them names it `workaround/*`, as
    the themes table does; the bare name alone read as if both had raised the bare tag."""
    sessions = study_sessions()
    sessions[1].notes.append(dict(SUB_TAG_QUOTE))
    write_study(DataStore(home), sessions)
    text = report(tmp_path, "--format", "md")
    priorities = text.split("## Themes")[0]
    assert "| workaround/\\* |" in priorities and "| workaround |" not in priorities
    assert "### workaround/\\* (" in text
    page = report(tmp_path, "--format", "html", "--force")
    assert "<h3><bdi>workaround/*</bdi> <small>" in page
    who = text.split("## Who raised what")[1].split("##")[0]
    header = next(line for line in who.splitlines() if line.startswith("| Participant"))
    assert "| workaround/\\* |" in header  # the counts are the theme's


def test_a_study_with_nothing_tagged_and_no_guide_says_so_instead_of_empty_tables(home, tmp_path):
    """A study whose tags were all deleted (or not yet applied) and that has no guide: the
    report's Priorities, Themes, Who raised what and Guide coverage were tables of headers
    with no row under them (who raised what: a column of names and no tag), and Strongest
    quotes was its explanation alone. Each now says in a sentence what is missing."""
    notes = [
        {"id": "n1", "text": '"it hurts', "kind": "quote", "tags": [], "elapsed": 1.0},
        {"id": "n2", "text": "plain", "tags": [], "elapsed": 2.0},
    ]
    record = {"id": "t1", "title": "Tagless", "participant": "Kim", "study": "Onboarding"}
    write_study(DataStore(home), [SessionInput("t1", record, notes, [], {}, None)])
    markdown = report(tmp_path)
    lines = markdown.splitlines()
    tables = [n for n, line in enumerate(lines) if line.startswith("|---")]
    assert tables and all(lines[n + 1].startswith("| ") for n in tables), markdown
    sections = markdown.split("\n## ")[1:]
    for section in sections[:2] + sections[4:6]:  # priorities, themes, who, guide
        assert "_No " in section, section
    assert "fieldnote code" in sections[0]
    assert "_No " in sections[2]  # strongest quotes
    text = report(tmp_path, "--format", "html", "--force")
    page = html5lib.parse(text, namespaceHTMLElements=False)
    assert [t.find("thead/tr/th").text for t in page.iter("table")] == ["Title"], text
    assert "fieldnote code" in "".join(page.find(".//section[@id='priorities']").itertext())


def test_an_entity_reference_in_a_note_is_text_in_the_markdown(home, tmp_path):
    """`&#8238;` in a title or note went through as typed, and a Markdown viewer turned it
    into the right-to-left override the report otherwise replaces (a reader saw the rest of
    the line reversed); `AT&amp;T` read as `AT&T`. `&` is escaped as the rest of Markdown's
    punctuation is, so the entity is shown as typed."""
    from markdown_it import MarkdownIt

    notes = [
        {
            "id": "n1",
            "text": '"paid &#8238;exe.gnp and AT&amp;T',
            "kind": "quote",
            "tags": ["pain/pricing"],
            "elapsed": 1.0,
        }
    ]
    record = {"id": "e1", "title": "&#x202e;Kim", "participant": "Kim", "study": "Onboarding"}
    write_study(DataStore(home), [SessionInput("e1", record, notes, [], {}, None)])
    for fmt in ("md", "export"):
        if fmt == "md":
            text = report(tmp_path, "--force")
        else:
            out = tmp_path / "export.md"
            assert main(["export", "--study", "Onboarding", "--format", "md", "-o", str(out)]) == 0
            text = out.read_text(encoding="utf-8")
        rendered = MarkdownIt("commonmark").enable("table").render(text)
        shown = "".join(html5lib.parse(rendered, namespaceHTMLElements=False).itertext())
        assert "\u202e" not in shown, fmt
        assert "&#8238;exe.gnp and AT&amp;T" in shown and "&#x202e;Kim" in shown, fmt


def test_each_name_in_an_html_attribution_is_isolated_from_the_words_around_it(home, tmp_path):
    """A speaker and a session title in Arabic or Hebrew, with the time between them, formed
    one right-to-left run with the punctuation and digits around them: an English reader saw
    `(مقابلة) 00:01 ,سارة` and the theme's `(1 of 1 participants)` wrapped onto its tag.
    Each name, title and tag in a line of the HTML report is a `<bdi>`, so it is laid out
    on its own and the line keeps its order."""
    notes = [
        {"id": "n1", "text": '"مرحبا', "kind": "quote", "tags": ["ألم"], "elapsed": 1.0},
        {"id": "n2", "text": "ملاحظة", "kind": "note", "tags": ["ألم"], "author": "سارة"},
        {"id": "n3", "text": "?سؤال", "kind": "followup", "author": "سارة", "elapsed": 2.0},
    ]
    notes[1]["elapsed"] = 1.5
    record = {"id": "r1", "title": "مقابلة", "participant": "سارة", "study": "Onboarding"}
    write_study(DataStore(home), [SessionInput("r1", record, notes, [], {}, None)])
    text = report(tmp_path, "--format", "html")
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    quotes = tree.find(".//section[@id='quotes']")
    isolated = [[b.text for b in part.iter("bdi")] for part in quotes.iter("footer")]
    assert isolated == [["سارة", "مقابلة"]], text
    (by, followup) = [
        [b.text for b in s.iter("bdi")] for s in tree.iter("span") if s.get("class") == "by"
    ]
    assert by == ["note by سارة", "مقابلة"] and followup == ["follow-up by سارة", "مقابلة"]
    assert [b.text for b in quotes.find("h3").iter("bdi")] == ["ألم"]


def test_a_sessions_date_is_escaped_in_the_markdown_report(home, tmp_path):
    """The Markdown report's Sessions table wrote the first ten characters of a session's
    `created_at` as they were, and a shared session file may hold any text there:
    `<script>al` opened a script element in a viewer that renders HTML (the rest of the
    document its code), and a `|` added a cell to the row. The date is escaped as every
    other cell is."""
    from markdown_it import MarkdownIt

    clock = {"banked": 0, "running_since": None, "recording_offset": 0}
    record = {"id": "d1", "title": "Dated", "participant": "P", "study": "Onboarding"}
    record |= {"created_at": "<script>alert(1)", "clock": clock}
    DataStore(home).create_session(record, {}, None)
    text = report(tmp_path)
    assert "<script>" not in text
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    page = html5lib.parse(rendered, namespaceHTMLElements=False)
    assert page.find(".//script") is None
    (row,) = [r for r in page.iter("tr") if r.find("td") is not None and r[0].text == "Dated"]
    assert [td.text for td in row][1:3] == ["P", "<script>al"]


def test_the_themes_say_that_their_mean_and_max_are_of_severity(home, tmp_path):
    # The themes' columns read "Mean" and "Max" with no word of what, beside Excerpts,
    # Sessions and Participants: a mean of any of those.
    write_study(DataStore(home))
    text = report(tmp_path, "--format", "md")
    header = (
        "| Tag | Excerpts | Sessions | Participants | Mean severity | Max severity | Emotions |"
    )
    assert header in text
    page = report(tmp_path, "--format", "html", "--force")
    themes = page[page.index('<section id="themes">') :]
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", themes[: themes.index("</table>")])
    assert heads[4:6] == ["Mean severity", "Max severity"], heads


def test_who_raised_what_and_the_pairs_say_what_they_count_and_what_they_leave_out(home, tmp_path):
    # Who raised what showed 12 of a study's 16 tags, and the pairs the 30 most frequent,
    # each as if it were all of them, and neither said what its numbers count.
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    tags = [f"theme/t{n:02d}" for n in range(12)]
    extra = [
        _note(f"w{n}-{k}", f"wide {n}", 200 + n, "q1", [tag, tags[(n + k) % 12]])
        for n, tag in enumerate(tags)
        for k in (1, 2, 3)
    ]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *extra])
    write_study(DataStore(home), sessions)
    for form in ("md", "html"):
        text = report(tmp_path, "--format", form, "--force")
        assert (
            "Excerpts of each tag raised by each participant: the 12 tags raised by most "
            "participants, of 16." in text
        ), form
        assert "Notes carrying both tags: the 30 pairs most often together, of 38." in text, form


def test_a_study_that_noted_no_follow_up_does_not_say_they_were_all_asked(home, tmp_path):
    # With no `?` note at all the report said "None: every follow-up was asked or
    # dismissed.", telling of follow-ups that were never noted.
    sessions = study_sessions()
    write_study(DataStore(home), sessions)
    for form in ("md", "html"):
        text = report(tmp_path, "--format", form, "--force")
        assert "every follow-up was asked" not in text, form
        assert "No follow-up was noted." in text, form


def test_a_study_whose_follow_ups_were_all_asked_says_so(home, tmp_path):
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    asked = _note("f1", "?ask about the export", 70, "q2", kind="followup")
    record = {**sessions[0].session, "followups": {"f1": {"status": "asked"}}}
    sessions[0] = replace(sessions[0], session=record, notes=[*sessions[0].notes, asked])
    write_study(DataStore(home), sessions)
    text = report(tmp_path, "--format", "md")
    assert "_None open: every follow-up was asked or dismissed._" in text


def test_the_themes_chart_says_how_many_tags_it_leaves_out(home, tmp_path):
    # The chart draws the 20 tags raised by most participants under the title "Participants
    # raising each tag": of a study's 25 tags, five were missing from "each".
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    extra = [_note(f"c{n}", f"chart {n}", 200 + n, "q1", [f"theme/t{n:02d}"]) for n in range(21)]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *extra])
    write_study(DataStore(home), sessions)
    page = report(tmp_path, "--format", "html")
    themes = page[page.index('<section id="themes">') :]
    assert themes.startswith(
        '<section id="themes"><h2>Themes</h2>\n<figure class="bars">'
        "<figcaption>Participants raising each tag (20 of 25 tags)</figcaption>"
    ), themes[:200]
    assert themes[: themes.index("</figure>")].count("<li>") == 20


def test_the_strongest_quotes_say_how_many_themes_they_leave_out(home, tmp_path):
    # The quotes go to the first 30 themes of the priorities; of a study's 34, four had none
    # and nothing said they were left out rather than quoteless.
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    extra = [_note(f"q{n}", f'"quote {n}', 200 + n, "q1", [f"theme/t{n:02d}"]) for n in range(30)]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *extra])
    write_study(DataStore(home), sessions)
    for form in ("md", "html"):
        text = report(tmp_path, "--format", form, "--force")
        assert "The strongest quotes of the first 30 of the 34 themes in the priorities." in text


def test_the_same_study_gives_the_same_html_report_byte_for_byte(home, tmp_path, monkeypatch):
    """pygal names each chart's ids with a random uuid: two reports of an unchanged study
    differed in every chart, so a team diffing this week's report against last week's saw
    changes where there were none."""
    write_study(DataStore(home))
    first = report(tmp_path, "--format", "html")
    second = report(tmp_path, "--format", "html", "--force")
    made = re.compile(r"Made by Fieldnote on [^.]*\.")  # the minute it was made
    assert made.sub("", first) == made.sub("", second)
    ids = re.findall(r'\bid="([^"]+)"', first)
    assert len(ids) == len(set(ids)), "an id is used twice in one report"
    charts = {f"chart-fieldnote-{name}" for name in ("matrix", "coverage")}
    assert charts | {f"{chart}-narrow" for chart in charts} <= set(ids)


def test_a_line_break_in_the_words_is_a_line_break_in_the_report(home, tmp_path):
    """A quote typed over two lines stood in the report as `We tried it once.⏎Then never
    again`: a symbol inside the quote marks that nobody said, as in the notes and follow-ups
    under it. The Markdown export keeps such a break; the report keeps it too, inside the
    block quote or the list item, and nowhere else does a line break reach the Markdown."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    added = [
        _note(
            "b1",
            '"We tried it once.\nThen never again | ever. #pricing',
            80,
            "q2",
            ["pricing"],
            kind="quote",
        ),
        _note("b2", "Paid for it\n# twice", 85, "q2", ["pricing"]),
        _note("b3", "?ask who pays\nand when", 90, "q2", kind="followup"),
    ]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *added])
    write_study(DataStore(home), sessions)
    md = report(tmp_path, "--format", "md")
    assert "\u23ce" not in md
    assert "> We tried it once.  \n> Then never again \\| ever.\n> \u2014 Ana, " in md
    assert "\n- Paid for it  \n  \\# twice (note by Maya, " in md
    assert "\n- [ ] ask who pays  \n  and when (follow-up by Maya, " in md
    html = report(tmp_path, "--format", "html", "--force")
    assert "\u23ce" not in html
    assert "<blockquote><p>We tried it once.<br>Then never again | ever.</p>" in html
    assert "<li>Paid for it<br># twice <span" in html
    assert "<li>ask who pays<br>and when <span" in html


def test_the_sessions_table_says_its_coded_column_counts_notes(home, tmp_path):
    """The summary counts `5 coded excerpts` (spans and cues among them) and the sessions table
    had a column `Coded` whose numbers add up to something else (coded notes): a reader
    checking one against the other found them disagree. The column says it counts notes."""
    write_study(DataStore(home))
    md = report(tmp_path, "--format", "md")
    assert "| Title | Participant | Date | Notes | Coded notes | Open follow-ups |" in md
    html = report(tmp_path, "--format", "html", "--force")
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    sessions = tree.find(".//section[@id='sessions']")
    assert [th.text for th in sessions.iter("th")][4] == "Coded notes"


def test_the_open_follow_ups_are_a_section_of_their_own(home, tmp_path):
    """The open follow-ups' heading sat inside the strongest quotes' section, so the page's
    outline (a screen reader's list of regions) gave them as part of the quotes."""
    write_study(DataStore(home))
    tree = html5lib.parse(report(tmp_path, "--format", "html"), namespaceHTMLElements=False)
    quotes = tree.find(".//section[@id='quotes']")
    assert [h.text for h in quotes.iter("h2")] == ["Strongest quotes"]
    followups = tree.find(".//section[@id='followups']")
    assert [h.text for h in followups.iter("h2")] == ["Open follow-ups"]


def test_a_guide_line_does_not_strike_through_a_matrix_label(home, tmp_path):
    """A tag at severity 4.0 has its dot, and its label, on the dashed guide line at 4: the
    line ran through the label (`pain/import` read as struck out). Each label had a white
    halo, but pygal's style sheet takes every text's stroke off with `!important`; the halo
    outranks it only as an important declaration of the label's own style."""
    write_study(DataStore(home))
    tree = html5lib.parse(report(tmp_path, "--format", "html"), namespaceHTMLElements=False)
    matrix = next(e for e in tree.iter() if str(e.tag).endswith("svg"))
    sheet = " ".join(t.text or "" for t in svg_nodes(matrix, "style"))
    assert re.search(r"text[^{}]*\{[^}]*stroke:\s*none\s*!important", sheet)  # pygal's
    labels = [t for t in svg_nodes(matrix, "text") if "label" in t.get("class", "").split()]
    assert labels
    for label in labels:
        style = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in label.get("style").split(";"))
        }
        assert style["stroke"] == "#fff !important" and style["paint-order"] == "stroke"


def test_each_quote_is_shown_once_under_the_first_theme_that_stands_for_it(home, tmp_path):
    """A parent tag (`workaround/*`, its sub-tags rolled up) ranks beside its own sub-tag, and
    a note carries several tags: Ben's quote was printed under `workaround/*` and again under
    `workaround/spreadsheet`, and a note under `pain/onboarding` and `workaround`, so a reader
    counted one person saying it as two. Each is shown once, under the first theme in the
    report's order; a later theme takes its next strongest in its place, and one whose
    quotes are all above says where they are rather than showing nothing."""
    sessions = study_sessions()
    sessions[2].notes.append(dict(SUB_TAG_QUOTE))
    write_study(DataStore(home), sessions)
    text = report(tmp_path, "--format", "md")
    quotes = text.split("## Strongest quotes")[1].split("## Open follow-ups")[0]
    for words in ("> I paste it all into a sheet\n", "- Exports to Excel every night"):
        assert quotes.count(words) == 1, quotes
    themes = {
        part.split(" (")[0]: part for part in quotes.split("\n### ")[1:]
    }  # each theme's heading, quotes, notes and what it says of the rest
    assert "Exports to Excel every night" in themes["pain/onboarding"]
    # A span of Ana's note (`Pricing page`) is under pain/onboarding: the whole note, under
    # pain/pricing, repeated its words.
    assert "- Pricing page (" in themes["pain/onboarding"]
    assert "Pricing page confused me" not in quotes
    assert "_1 note of this theme is above, under pain/onboarding._" in themes["pain/pricing"]
    spreadsheet = themes["workaround/spreadsheet"]
    assert "> " not in spreadsheet and "\n- " not in spreadsheet
    assert "_1 quote of this theme is above, under workaround/\\*._" in spreadsheet
    assert "> a spreadsheet" in themes["workaround/\\*"]  # its next strongest stands in
    assert "under pain/onboarding._" in themes["workaround/\\*"]
    page = report(tmp_path, "--format", "html", "--force")
    assert page.count("I paste it all into a sheet") == 1
    assert (
        '<p class="meta">1 quote of this theme is above, under <bdi>workaround/*</bdi>.</p>' in page
    )


def test_a_theme_tagged_on_follow_ups_alone_says_why_it_has_no_quote(home, tmp_path):
    """A follow-up is the note-taker's question, never quoted: a tag only on follow-ups was a
    heading over nothing, and a reader wondered where its quotes went."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    ask = _note("f1", "Ask about the invoice export", 300, "q1", ["billing"], 2, kind="followup")
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, ask])
    write_study(DataStore(home), sessions)
    text = report(tmp_path, "--format", "md")
    billing = text.split("### billing (")[1].split("\n### ")[0].split("## Open")[0]
    assert "_No quote or note: this theme is tagged on follow-ups alone" in billing, billing


PHONE_PAGE = 375 - 2 * 16
"""The report's page on a 375 px phone: the viewport less the body's padding each side."""
LEGIBLE_PX = 11


def media_rules(style: str, query: str) -> dict[str, str]:
    """The rules inside `@media QUERY { ... }` of the report's style, as `css_rules` gives them."""
    block = re.search(rf"@media {re.escape(query)} \{{((?:[^{{}}]*\{{[^}}]*\}})*)\s*\}}", style)
    assert block is not None, f"no @media {query} in the style"
    rules: dict[str, str] = {}
    for selectors, declarations in re.findall(r"([^{}]+)\{([^}]*)\}", block.group(1)):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + declarations
    return rules


def test_the_charts_are_legible_on_a_phone(home, tmp_path):
    """On a 375 px phone each chart was its 800 px drawing scaled to 43%: the matrix's labels,
    the tags beside the bars and the axes were 4 px text. The themes chart is bars in HTML,
    each tag's full name beside its bar in the page's own text; the matrix and the guide's
    coverage are drawn twice, for a page wide enough for the 800 px drawing and for a phone
    (text that stays at least 11 px on it), and the style shows one."""
    sessions = study_sessions()
    sessions[2].notes.append(dict(SUB_TAG_QUOTE))
    write_study(DataStore(home), sessions)
    text = report(tmp_path, "--format", "html")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    style = " ".join(tree.find(".//style").text.split())
    rules, phone = css_rules(tree), media_rules(style, "(max-width: 48rem)")
    assert "display: none" in rules["figure.narrow"]
    assert "display: none" in phone["figure.wide"] and "display: block" in phone["figure.narrow"]
    for section in ("priorities", "guide"):
        wide, narrow = tree.findall(f".//section[@id='{section}']/figure")
        assert (wide.get("class"), narrow.get("class")) == ("wide", "narrow")
        (svg,) = svg_nodes(narrow, "svg")
        width = float(svg.get("viewBox").split()[2])
        sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg_text(svg))]
        scale = min(1.0, PHONE_PAGE / width)
        assert sizes and min(sizes) * scale >= LEGIBLE_PX, (section, width, sorted(set(sizes)))
    themes = tree.find(".//section[@id='themes']")
    assert not svg_nodes(themes, "svg")
    bars = themes.find("figure")
    labels = ["".join(row.find("span").itertext()) for row in bars.iter("li")]
    assert "workaround/spreadsheet" in labels and "pain/onboarding" in labels
    counts = [row.find("data").get("value") for row in bars.iter("li")]
    assert counts[: len(labels)] == sorted(counts, key=int, reverse=True)
    # The longest bar is the most participants', a bar half as long half as many.
    widths = [row.find(".//span[@class='bar']").get("style") for row in bars.iter("li")]
    top = int(counts[0])
    for count, width in zip(counts, widths, strict=True):
        assert width == f"width: {round(100 * int(count) / top, 1):g}%", (count, width)


def svg_text(svg) -> str:
    """An inline SVG's style sheet and style attributes, where pygal gives its fonts' sizes."""
    sheets = " ".join(t.text or "" for t in svg_nodes(svg, "style"))
    return sheets + " ".join(e.get("style", "") for e in svg.iter())


EXCERPT_LIMIT = 400
LONG_WORDS = " ".join(f"word{n:03d}" for n in range(500))  # 3,999 characters
LONG_WORD = "x" * 390 + " supercalifragilisticexpialidocious and on"


def test_a_long_excerpt_is_cut_at_a_word_with_where_the_whole_is(home, tmp_path):
    """A 3,000-character paraphrase was printed whole, pages of it on a phone. An excerpt
    (quote, note or follow-up) over 400 characters is cut at the last space before that,
    marked `[…]`, and says where the whole is; a word that crosses the limit is left out
    whole, never cut inside."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    added = [
        _note("long1", f"{LONG_WORDS} #pain/onboarding", 101, "q1", ["pain/onboarding"], 5),
        _note("long2", f'"{LONG_WORD} #pain/onboarding', 102, "q1", ["pain/onboarding"], 5),
        _note("long3", f"?{LONG_WORDS}", 103, "q1", kind="followup"),
    ]
    added[1]["kind"] = "quote"
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *added])
    write_study(DataStore(home), sessions)
    whole = "the whole, {n:,} characters, is in Ana - 1 at {time}"
    md = report(tmp_path, "--format", "md")
    kept = LONG_WORDS[: LONG_WORDS.rindex(" ", 0, EXCERPT_LIMIT + 1)]
    assert f"\n- {kept} \\[…\\] (note by Maya, Ana - 1, 01:41; " in md
    assert f"; shortened: {whole.format(n=len(LONG_WORDS), time='01:41')})" in md
    assert f"\n- [ ] {kept} \\[…\\] (follow-up by Maya, Ana - 1, 01:43; " in md
    said = "x" * 390  # the word across the limit is left out whole, not cut inside
    assert f"\n> {said} \\[…\\]\n> \u2014 Ana, 01:42 (Ana - 1)\n" in md
    assert f"\n>\n> _Shortened: {whole.format(n=len(LONG_WORD), time='01:42')}._\n" in md
    assert LONG_WORDS not in md and "word499" not in md and "supercal" not in md
    page = report(tmp_path, "--format", "html", "--force")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    notes = [" ".join("".join(li.itertext()).split()) for li in tree.iter("li")]
    assert any(n.startswith(f"{kept} […] (note by Maya, Ana - 1, 01:41; ") for n in notes)
    assert [q.find("p").text for q in tree.iter("blockquote")].count(f"{said} […]") == 1
    body = " ".join("".join(tree.find("body").itertext()).split())
    assert whole.format(n=len(LONG_WORD), time="01:42") in body and "word499" not in body


LINKS = "see https://example.com/a_b*c?d=1&e=2, www.example.org and maya.k@example.com."


def test_a_url_in_the_notes_is_text_not_a_link(home, tmp_path):
    """A URL a participant gave or a note-taker wrote became a live link wherever the
    Markdown report was shown (GitHub links `https://`, `www.` and e-mail addresses): a
    reader could follow a pasted address from a report that vouches for nothing in it. In
    the Markdown each one is a code span (its `_` and `*` shown as typed); in the HTML no
    text holds a whole address for a viewer or mail program to link, though the words read
    the same, and a phone is asked not to link numbers and addresses either."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    added = [
        _note("u1", f'"{LINKS} #pain/onboarding', 101, "q1", ["pain/onboarding"], 5),
        _note("u2", f"?{LINKS}", 103, "q1", kind="followup"),
    ]
    added[0]["kind"] = "quote"
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *added])
    write_study(DataStore(home), sessions)
    md = report(tmp_path, "--format", "md")
    coded = "see `https://example.com/a_b*c?d=1&e=2`, `www.example.org` and `maya.k@example.com`."
    assert f"\n> {coded}\n" in md and f"\n- [ ] {coded} (" in md
    outside = re.sub(r"`[^`\n]*`", "", md)
    assert not re.search(r"(?i)https?:|www\.|\w@\w", outside)
    page = report(tmp_path, "--format", "html", "--force")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert all(a.get("href", "").startswith("#") for a in tree.iter("a"))
    for element in tree.find("body").iter():
        for text in (element.text, element.tail):
            assert not re.search(r"(?i)https?://|www\.\w|\w@\w", text or ""), text
    body = "".join(tree.find("body").itertext())
    assert body.count(LINKS) == 2
    meta = {m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert "email=no" in meta["format-detection"] and "telephone=no" in meta["format-detection"]


def test_an_address_after_an_underscore_is_code_too():
    """GitHub links an address after `_` as after a space (`a_https://x.org`, `a_www.x.org`),
    where the pattern wanted a word boundary and left it a live link."""
    from tui.services.report import _md

    shown = _md("a_https://x.org/p and b_www.y.org, c_ana@z.org")
    assert "`https://x.org/p`" in shown and "`www.y.org`" in shown and "`c_ana@z.org`" in shown
    assert not re.search(r"(?i)https?:|www\.|\w@\w", re.sub(r"`[^`\n]*`", "", shown))


def test_a_tag_named_with_an_address_keeps_the_page_whole(home, tmp_path):
    """A codebook from a shared study folder may name a tag with an address in it
    (`ref/https://x.org/a`). The tag's cells and bars broke after each `/` of the HTML made
    for it, the address's closing `</code>` too: `</<wbr>code>` is no tag, the code span
    never closed and the rest of the page read as code. Only the name's own `/` break."""
    from dataclasses import replace

    from tests.analysis_study import _note

    tag = "ref/https://x.org/a"
    sessions = study_sessions()
    coded = _note("t1", '"she sent the link #pain/onboarding', 101, "q1", [tag], 5)
    coded["kind"] = "quote"
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, coded])
    write_study(DataStore(home), sessions)
    page = report(tmp_path, "--format", "html")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    names = ["".join(span.itertext()) for span in tree.iter("span") if span.get("class") == "tag"]
    assert tag in names
    assert "</<wbr>" not in page


def test_a_report_whose_times_are_on_a_recording_says_so(home, tmp_path):
    """The demo's report cited a note at 03:13 and a follow-up at 05:10 that the tagging
    screen, the Markdown export and `fieldnote agree` list at 03:05 (rec 03:13) and 05:02
    (rec 05:10), and never said which of the two times it gave."""
    from dataclasses import replace

    sessions = study_sessions()
    clock = {"banked": 120.0, "running_since": None, "recording_offset": 8.0}
    sessions[0] = replace(sessions[0], session={**sessions[0].session, "clock": clock})
    write_study(DataStore(home), sessions)
    said = "place on its recording, which the tagging screen"
    for form in ("md", "html"):
        assert said in report(tmp_path, "--format", form, "--force"), form
    # No session with an offset: its clock's time is its recording's, and nothing to say.
    write_study(DataStore(tmp_path / "other"), study_sessions())
    out = tmp_path / "plain.md"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FIELDNOTE_HOME", str(tmp_path / "other"))
        assert main(["report", "--study", "Onboarding", "--format", "md", "-o", str(out)]) == 0
    assert said not in out.read_text(encoding="utf-8")


def test_a_note_taken_before_the_recording_started_is_cited_before_it(home, tmp_path):
    """With Ana's recording started 15 s after her session's clock, the quote taken at 00:10
    was cited at 00:00, the recording's start, which it was not: it is cited at -00:05, as
    the tagging screen gives it (00:10 (rec -00:05)), and the report says what a minus means."""
    from dataclasses import replace

    sessions = study_sessions()
    clock = {"banked": 120.0, "running_since": None, "recording_offset": -15.0}
    sessions[0] = replace(sessions[0], session={**sessions[0].session, "clock": clock})
    write_study(DataStore(home), sessions)
    for form in ("md", "html"):
        text = report(tmp_path, "--format", form, "--force")
        cited = re.search(r"Setup took all week.*?Ana(?:</bdi>)?, (-?\d\d:\d\d)", text, re.S)
        assert cited and cited.group(1) == "-00:05", form
        assert "before the recording started at -00:05" in text, form
        assert "00:25" in text, form  # the quote at 00:40 on the clock


def test_a_phone_s_matrix_numbers_each_tag_by_its_own_rank(home, tmp_path):
    """The phone's matrix labels each dot with its rank in the table under it, looked up by
    the tag's label: two tags of a shared codebook alike for their first 199 characters (a
    label's length) both got the rank of one, and another rank was on no dot. Each dot is
    numbered by its own place in the table (a tag named `1` among them)."""
    from dataclasses import replace

    from tests.analysis_study import _note

    twins = ["a" * 250 + "/one", "a" * 250 + "/two", "1"]
    sessions = study_sessions()
    added = [
        _note(f"t{n}", f"note {n}", 101 + n, "q1", [tag], 2 + n) for n, tag in enumerate(twins)
    ]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *added])
    write_study(DataStore(home), sessions)
    page = report(tmp_path, "--format", "html")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    _, narrow = tree.findall(".//section[@id='priorities']/figure")
    ranked = sorted(
        int("".join(t.itertext()))
        for t in svg_nodes(narrow, "text")
        if "label" in (t.get("class") or "").split()
    )
    caption = narrow.find("figcaption")
    if caption is not None:  # the labels left off for want of room, by their ranks
        ranked = sorted(ranked + [int(n) for n in re.findall(r"\d+", "".join(caption.itertext()))])
    assert len(ranked) >= 3 and ranked == list(range(1, len(ranked) + 1)), ranked
