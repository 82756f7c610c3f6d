"""`fieldnote report`: a study's synthesis as a Markdown or a self-contained HTML document.

The HTML is one file that needs no network to view: the charts are inline SVG drawn by pygal,
with its scripts and comments taken out (pygal always adds a config script and links to its
site), each drawn for a page and for a phone, or bars in HTML; the styles are inline. Every
string a user or a file wrote goes through `tui.domain.display_text.visible` (control
characters shown as symbols) and, in HTML, is escaped, so a participant named
`<img src=x onerror=alert(1)>` reads as exactly that.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from tui.domain.analysis import (
    NO_FOLLOWUPS,
    NO_GUIDE,
    NO_PAIRS,
    NO_WHO,
    Analysis,
    Coverage,
    Evidence,
    FollowUp,
    Theme,
    minutes_text,
    severity_text,
)
from tui.domain.display_text import count_of, cut_words, tag_label, visible
from tui.domain.quotes import is_said
from tui.domain.recording import NOT_CHECKED
from tui.services.analysis import Checked, StudyView, Verbatims
from tui.services.exchange.markdown import links, md_line

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from pygal.style import Style

FORMATS = ("md", "html")
QUOTES_PER_THEME = 3
THEMES_WITH_QUOTES = 30
"""Themes given their strongest quotes: the ranked ones first, then the most widespread."""
TOP_PAIRS = 30
GRID_TAGS = 12
CHART_TAGS = 20
MATRIX_DOT = 5
NO_TAGS = (
    "No excerpt is tagged yet: tag the notes (fieldnote code) and report again for the "
    "priorities, themes, quotes and who raised what."
)
NO_QUOTES = "No quotes yet: they come from the tagged excerpts."
EXCERPT_CHARS = 400
"""An excerpt (a quote, a note, a follow-up) longer than this is cut at the last space before
it, marked `CUT`, and says where the whole is: some 60 words, a pull quote's length, where a
pasted page of 3,000 characters took screens of a phone. A word is never cut inside."""
CUT = "[\u2026]"
"""The mark of words left out: an editor's, never taken for a `…` of someone trailing off."""

CSS = """
body { font-family: system-ui, sans-serif; line-height: 1.45; color: #1d1d1f;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; overflow-wrap: anywhere; }
h1 { margin-bottom: .2rem; } .meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%;
        overflow-wrap: normal; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
blockquote { margin: .4rem 0 .8rem; padding-left: .8rem; border-left: 3px solid #c33; }
blockquote footer, .by { color: #666; font-size: .9em; }
blockquote .verbatim { color: #444; font-size: .9em; font-style: italic; }
ul.notes { margin: .2rem 0 1rem; }
.box, .scroll { overflow-x: auto; max-width: 100%; }
.scroll table { width: auto; min-width: 100%; } .scroll td, .scroll th { white-space: nowrap; }
.scroll th { white-space: normal; overflow-wrap: normal; min-width: 4ch; }
figure { margin: 1rem 0; } figure svg { width: 100%; height: auto; }
nav a { margin-right: .8rem; }
figure.narrow { display: none; max-width: 30rem; }
figure.bars figcaption { font-weight: 600; margin-bottom: .4rem; }
figure.bars ol { list-style: none; margin: 0; padding: 0; }
figure.bars li { display: grid; grid-template-columns: minmax(0, 16rem) minmax(3rem, 1fr) 2.5rem;
                 gap: .6rem; align-items: center; padding: .1rem 0; }
figure.bars .track { background: #eee; height: .9rem; }
figure.bars .bar { display: block; height: 100%; background: #c0392b; }
figure.bars data { text-align: right; font-variant-numeric: tabular-nums; }
@media (max-width: 48rem) {
  figure.wide { display: none; } figure.narrow { display: block; }
  figure.bars li { grid-template-columns: minmax(0, 45%) minmax(2rem, 1fr) 2rem; gap: .4rem; }
}
"""
"""The charts: an 800 px drawing (`wide`) is legible where the page is wider than 48rem, and
its labels 4 px on a phone, where a drawing of PHONE_WIDTH with larger text (`narrow`) stands
in; a bar chart is HTML (`figure.bars`), its tags the page's own text on any screen."""


PHONE_WIDTH = 360
"""The width a chart is drawn at for a phone: a 375 px screen's page is 343 px, so its text
shows at 95% of its size (13 px labels at 12 px)."""
PHONE_FONTS = {
    "title_font_size": 15,
    "label_font_size": 13,
    "major_label_font_size": 13,
    "value_font_size": 15,
    "value_label_font_size": 13,
    "legend_font_size": 13,
    "tooltip_font_size": 13,
}
"""A phone's chart's text sizes (pygal's are 10 to 16 px, for the 800 px drawing)."""


@cache
def chart_style(narrow: bool = False) -> Style:
    """The charts' style, for the page's `wide` or `narrow` (a phone's) drawing; pygal is
    imported with the first chart (a Markdown report has none)."""
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        font_family="system-ui, sans-serif",
        colors=("#c0392b", "#e67e22", "#2980b9", "#7f8c8d"),
        **(PHONE_FONTS if narrow else {}),
    )


def _q(theme: Theme) -> str:
    return f"{theme.participants} of {theme.total_participants}"


def quoted_themes(analysis: Analysis) -> list[Theme]:
    """The themes the report quotes, most important first: the matrix's ranking, then the
    unrated tags by how widespread they are."""
    ranked = [p.theme for p in analysis.matrix] + list(analysis.unrated)
    return ranked[:THEMES_WITH_QUOTES]


def quotes_left_out(analysis: Analysis) -> str | None:
    """Which themes the quotes leave out, when they do."""
    ranked = len(analysis.matrix) + len(analysis.unrated)
    if ranked <= THEMES_WITH_QUOTES:
        return None
    return (
        f"The strongest quotes of the first {THEMES_WITH_QUOTES} of the {ranked} themes in the "
        "priorities."
    )


def grid_tags(analysis: Analysis) -> list[Theme]:
    applied = [t for t in analysis.themes if t.applied]
    return sorted(applied, key=lambda t: (-t.participants, -t.excerpts, t.key))[:GRID_TAGS]


def _no_open_followups(analysis: Analysis) -> str:
    """Why the open follow-ups are none: all closed, or none noted at all."""
    if analysis.followups:
        return "None open: every follow-up was asked or dismissed."
    return NO_FOLLOWUPS


def who_note(analysis: Analysis) -> str:
    """What the who-raised-what cells count, and which tags the grid leaves out."""
    applied = sum(1 for t in analysis.themes if t.applied)
    said = "Excerpts of each tag raised by each participant"
    if applied > GRID_TAGS:
        return f"{said}: the {GRID_TAGS} tags raised by most participants, of {applied}."
    return f"{said}."


def pairs_note(analysis: Analysis) -> str:
    """What the pairs count, and how many the table leaves out."""
    said = "Notes carrying both tags"
    if len(analysis.pairs) > TOP_PAIRS:
        return f"{said}: the {TOP_PAIRS} pairs most often together, of {len(analysis.pairs)}."
    return f"{said}."


def _session_rows(view: StudyView) -> list[tuple[str, str, str, int, int, int]]:
    """Title, participant, date, notes, coded notes, open follow-ups."""
    still_open: dict[str, int] = {}
    for followup in view.analysis.open_followups:
        still_open[followup.session_id] = still_open.get(followup.session_id, 0) + 1
    rows = []
    for session in view.sessions:
        notes, coded = view.analysis.notes_per_session[session.id]
        rows.append(
            (
                session.title,
                session.participant,
                str(session.session.get("created_at") or "")[:10],
                notes,
                coded,
                still_open.get(session.id, 0),
            )
        )
    return rows


NONE_CHECKED = (
    "No quoted session has a transcript attached, so no quote here is checked against one: "
    "each is the note-taker's typing of what was said."
)
"""Said once, in place of `NOT_CHECKED` under every quote, when it would be under each."""


@dataclass(frozen=True)
class QuotedTheme:
    """A theme as the report's quotes show it: its quotes, each with its check, and notes;
    and what of it is shown above, under earlier themes, and not again here."""

    theme: Theme
    quotes: list[Checked]
    notes: list[Evidence]
    above: tuple[int, int] = (0, 0)
    """How many of its quotes, and of its notes, an earlier theme shows."""
    above_under: tuple[Theme, ...] = ()
    """The earlier themes that show them, in the report's order."""


def quoted(view: StudyView) -> tuple[list[QuotedTheme], str | None]:
    """The themes the report quotes (`quoted_themes`), each with its strongest quotes (words
    someone said; those the transcript does not bear out after the others), then, where there
    are fewer than QUOTES_PER_THEME, the note-taker's strongest notes, labelled as theirs
    (`Analysis.strongest`). Each quote or note is shown once, under the first theme that
    shows it: a parent (`pain/*`) ranks beside its sub-tags and a note carries several tags,
    and one quote printed under three themes read as three people saying it. A later theme
    takes its next strongest in its place, and says which themes above show the rest.

    Also, when no quoted session has a transcript, the one sentence that says so (each
    check's line is then dropped: "Not checked" under every quote of such a study only
    repeated it). Ranked from the study index's facts: only the sessions of the excerpts
    picked (and quoted) are read."""
    a, verbatims = view.analysis, Verbatims(view, passage=_cut)
    words = a.shown_words()
    themes = quoted_themes(a)
    shown = []
    for position, theme in enumerate(themes):
        above = words.among(theme.evidence)
        quotes, notes = a.strongest(theme.evidence, QUOTES_PER_THEME, verbatims.doubtful, above)
        said = sum(1 for index in above if is_said(a.evidence.kind(index)))
        under = sorted(set(above.values()))
        for index in quotes + notes:
            words.add(index, position)
        shown.append(
            QuotedTheme(
                theme,
                [verbatims.checked(item) for item in a.evidence_of(quotes)],
                a.evidence_of(notes),
                (said, len(above) - said),
                tuple(themes[n] for n in under),
            )
        )
    lines = [c.line for t in shown for c in t.quotes if c.item.kind == "quote"]
    if not lines or any(line != NOT_CHECKED for line in lines):
        return shown, None
    for t in shown:
        t.quotes[:] = [replace(c, line=None) for c in t.quotes]
    return shown, NONE_CHECKED


NOTHING_TO_QUOTE = (
    "No quote or note: this theme is tagged on follow-ups alone, the note-takers' questions."
)


def shown_above(shown: QuotedTheme, field: Callable[[str], str]) -> str | None:
    """What of a theme is shown above, under which themes (`field` makes each tag safe in
    the format): `2 quotes of this theme are above, under pain/*.`; for a theme with nothing
    to show at all, why. None when there is nothing to say."""
    quotes, notes = shown.above
    if not quotes and not notes:
        return None if shown.quotes or shown.notes else NOTHING_TO_QUOTE
    what = " and ".join(count_of(n, kind) for n, kind in ((quotes, "quote"), (notes, "note")) if n)
    verb = "is" if quotes + notes == 1 else "are"
    labels = [field(theme.label) for theme in shown.above_under]
    where = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"{what} of this theme {verb} above, under {where}."


def _title(view: StudyView) -> str:
    return f"Study: {view.study}" if view.study else "Every session"


RECORDING_TIMES = (
    "Times are each session's place on its recording, which the tagging screen and the export "
    "give after the clock's time as rec: 01:25 (rec 01:33) is cited here at 01:33, and a note "
    "taken 5 s before the recording started at -00:05."
)
"""Said under the counts when a session's recording is offset from its clock: every time the
report cites (a quote, a note, a follow-up) is `Evidence.time` or `FollowUp.time`."""


def _summary(view: StudyView, now: datetime) -> str:
    a = view.analysis
    said = (
        f"{count_of(a.session_count, 'session')}, {count_of(len(a.participants), 'participant')}, "
        f"{count_of(a.note_count, 'note')}, {count_of(len(a.evidence), 'coded excerpt')}. "
        f"Made by Fieldnote on {now:%Y-%m-%d %H:%M} UTC."
    )
    if a.recording_offset:
        said += f" {RECORDING_TIMES}"
    return said


# -- Markdown -----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """A user's string in a Markdown table cell or line: visible, one line, and escaped as the
    Markdown export escapes it (`md_line`), so no HTML, image, link or pipe in it is more than
    text, and a web or e-mail address in it is a code span (the report vouches for no address
    someone typed)."""
    return md_line(visible(text))


def _md_words(text: str, indent: str) -> str:
    """Someone's words (a quote, a note, a follow-up) in a block quote or a list item: each of
    their lines made safe as `_md` makes a line, the line breaks kept as hard breaks, each
    line after the first starting with `indent` (`> `, or spaces) so it stays in the block."""
    return f"  \n{indent}".join(_md(line) for line in text.split("\n"))


def _md_item(bullet: str, words: str, source: str, item: Evidence | FollowUp) -> str:
    """A note or follow-up as a list item: its words (`_excerpt`), then whose and where."""
    words, whole = _excerpt(words, item.session_title, item.time, _md)
    if whole is None:
        return f"{bullet}{_md_words(words, '  ')} ({source})"
    return f"{bullet}{_md_words(words, '  ')} {_md(CUT)} ({source}; shortened: {whole})"


def _md_table(header: list[str], rows: list[list[str]], empty: str = "") -> list[str]:
    """A table, or with no rows the sentence `empty` says instead (no header over nothing)."""
    if not rows:
        return [f"_{empty}_", ""]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _priority_rows(a: Analysis, escape: Callable[[str], str]) -> list[list[str]]:
    """The ranked list beside the matrix, one row per tag; `escape` is the format's own."""
    rows = [
        [
            str(n),
            escape(p.theme.label),
            _q(p.theme),
            severity_text(p.theme.mean_severity),
            p.quadrant,
        ]
        for n, p in enumerate(a.matrix, start=1)
    ]
    return rows + [["-", escape(t.label), _q(t), "-", "unrated"] for t in a.unrated]


SESSION_HEADER = ["Title", "Participant", "Date", "Notes", "Coded notes", "Open follow-ups"]
"""The sessions table's columns (`_session_rows` fills them): its coded are notes, not excerpts."""

THEME_HEADER = [
    "Tag",
    "Excerpts",
    "Sessions",
    "Participants",
    "Mean severity",
    "Max severity",
    "Emotions",
]
"""The themes table's columns, in Markdown and HTML alike (`_theme_rows` fills them)."""


def _theme_rows(a: Analysis, escape: Callable[[str], str]) -> list[list[str]]:
    return [
        [
            escape(t.label),
            str(t.excerpts),
            str(t.sessions),
            _q(t),
            severity_text(t.mean_severity),
            "-" if t.max_severity is None else str(t.max_severity),
            escape(", ".join(t.emotions)),
        ]
        for t in a.themes
    ]


def markdown(view: StudyView, now: datetime) -> str:
    a = view.analysis
    out = [f"# {_md(_title(view))}", "", _summary(view, now), ""]
    out += ["## Priorities", ""]
    out += _md_table(
        ["#", "Tag", "Participants", "Mean severity", "Quadrant"],
        _priority_rows(a, _md),
        NO_TAGS,
    )
    out += ["## Themes", ""]
    out += _md_table(
        THEME_HEADER,
        _theme_rows(a, _md),
        NO_TAGS,
    )
    themes, none_checked = quoted(view)
    out += ["## Strongest quotes", "", QUOTES_NOTE if themes else f"_{NO_QUOTES}_", ""]
    out += [none_checked, ""] if none_checked else []
    out += [left_out, ""] if (left_out := quotes_left_out(a)) else []
    for shown in themes:
        theme, notes = shown.theme, shown.notes
        out += [f"### {_md(theme.label)} ({_q(theme)} participants)", ""]
        for checked in shown.quotes:
            item = checked.item
            words, whole = _excerpt(item.quote, item.session_title, item.time, _md)
            out += [f"> {_md_words(words, '> ')}" + (f" {_md(CUT)}" if whole else "")]
            out += [f"> \u2014 {_source(item, _md, checked.verified)}"]
            if whole:
                out += [">", f"> _Shortened: {whole}._"]
            if checked.line is not None:
                out += [">", f"> {_md(checked.line)}"]
            out.append("")
        if notes:
            out += [_md_item("- ", item.quote, _note_source(item, _md), item) for item in notes]
            out.append("")
        if (above := shown_above(shown, _md)) is not None:
            out += [f"_{above}_", ""]
    out += ["## Open follow-ups", ""]
    followups = [_md_item("- [ ] ", f.text, _followup_source(f, _md), f) for f in a.open_followups]
    out += followups or [f"_{_no_open_followups(a)}_"]
    out.append("")
    out += ["## Tags raised together", ""]
    out += [pairs_note(a), ""] if a.pairs else []
    out += _md_table(
        ["Tag", "With", "Notes"],
        [[_md(p.first), _md(p.second), str(p.count)] for p in a.pairs[:TOP_PAIRS]],
        NO_PAIRS,
    )
    tags = grid_tags(a)
    out += ["## Who raised what", ""]
    out += [who_note(a), ""] if tags and a.participants else []
    out += _md_table(
        ["Participant", *(_md(t.label) for t in tags)],
        [[_md(p.name), *(str(len(a.cell(p.key, t.key))) for t in tags)] for p in a.participants]
        if tags
        else [],
        NO_WHO,
    )
    out += ["## Guide coverage", ""]
    out += _md_table(
        ["Question", "Sessions", "Asked", "Skipped", "Not reached", "Mean time"],
        [_coverage_cells(c, _md) for c in a.coverage],
        NO_GUIDE,
    )
    out += ["## Sessions", ""]
    out += _md_table(
        SESSION_HEADER,
        [
            [_md(t), _md(p), _md(d), str(n), str(c), str(f)]
            for t, p, d, n, c, f in _session_rows(view)
        ],
    )
    return "\n".join(out)


QUOTES_NOTE = (
    "Quotes are words someone said (a quote typed in the interview, a transcript cue), with "
    "who said them; a typed quote says under it whether the session's transcript bears it "
    "out, or that there was none to check it by. Where a theme has fewer than three, the "
    "note-taker's own notes follow, labelled as such: they are not the participant's words. "
    "Each quote and note appears once, under the first of these themes it stands for: a later "
    "theme it also stands for says so, and where."
)


def _excerpt(
    words: str, session: str, time: str, field: Callable[[str], str]
) -> tuple[str, str | None]:
    """`words` as the report shows them (`cut_words` to EXCERPT_CHARS), and when cut, where
    the whole is (`the whole, 3,012 characters, is in SESSION at 01:42`; `field` makes the
    session's title safe in the format)."""
    kept = cut_words(words, EXCERPT_CHARS)
    if kept == words:
        return words, None
    return kept, f"the whole, {len(words):,} characters, is in {field(session)} at {time}"


def _cut(words: str) -> str:
    """Words the report quotes in a line of its own (a check's passage of the transcript):
    cut as `_excerpt` cuts, the cut marked `CUT` in the words; the line says where they are."""
    kept = cut_words(words, EXCERPT_CHARS)
    return words if kept == words else f"{kept} {CUT}"


def _source(item: Evidence, field: Callable[[str], str], verified: bool | None = None) -> str:
    """`Praline, 01:23 (session)`, or for a note `note by Maya, 01:23 (session)`; `field`
    makes each person's or session's part safe in the format. A quote the attached transcript
    does not bear out (`verified` False) is `Praline, unverified, 01:23 (session)`, as the
    analysis screen lists it: its speaker is never given unmarked."""
    whose = field(item.attribution) + (", unverified" if verified is False else "")
    return f"{whose}, {item.time} ({field(item.session_title)})"


def _note_source(item: Evidence, field: Callable[[str], str]) -> str:
    """`note by Maya, session, 01:23`: where a note-taker's note comes from."""
    return f"{field(item.attribution)}, {field(item.session_title)}, {item.time}"


def _followup_source(item: FollowUp, field: Callable[[str], str]) -> str:
    """`FollowUp.source`, each person's or session's part made safe by `field`."""
    return f"{field(item.label)}, {field(item.session_title)}, {item.time}"


def _coverage_cells(row: Coverage, safe: Callable[[str], str]) -> list[str]:
    return [
        safe(row.text),
        str(row.sessions),
        str(row.asked),
        str(row.skipped),
        str(row.not_reached),
        minutes_text(row.mean_seconds),
    ]


# -- HTML ---------------------------------------------------------------------------------------


def _h(text: str) -> str:
    """A user's string in the page: visible and escaped; a web or e-mail address in it is
    code, as in the Markdown, broken (`<wbr>`) before each `.` and `@` and after each `:`, so
    no run of text holds an address that a mail program or viewer would make a link of."""
    shown = visible(text)
    parts, start = [], 0
    for link in links(shown):
        address = re.sub(r"([.@])", r"<wbr>\1", html.escape(link.group(), quote=True))
        parts += [html.escape(shown[start : link.start()], quote=True)]
        parts += [f"<code>{address.replace(':', ':<wbr>')}</code>"]
        start = link.end()
    return "".join([*parts, html.escape(shown[start:], quote=True)])


def _h_words(text: str) -> str:
    """Someone's words (a quote, a note, a follow-up): escaped, their line breaks kept."""
    return "<br>".join(_h(line) for line in text.split("\n"))


def _h_item(words: str, source: str, item: Evidence | FollowUp) -> str:
    """A note or follow-up as a list item: its words (`_excerpt`), then whose and where."""
    words, whole = _excerpt(words, item.session_title, item.time, _bdi)
    if whole is None:
        return f'<li>{_h_words(words)} <span class="by">({source})</span></li>'
    return (
        f'<li>{_h_words(words)} {CUT} <span class="by">({source}; shortened: {whole})</span></li>'
    )


def _bdi(text: str) -> str:
    """A name, title or tag inside a line of the report's own words, escaped and isolated:
    an Arabic speaker and session title with a time between them would otherwise make one
    right-to-left run, with the punctuation and digits around them, and read out of order."""
    return f"<bdi>{_h(text)}</bdi>"


def _tag(text: str) -> str:
    """A tag's name in a table cell: escaped, free to wrap after each `/` (the cells wrap
    only at spaces, so `workaround/spreadsheet` would hold its column that wide). Only the
    name's own `/` break: `_h`'s markup (an address's `</code>`) is left whole."""
    return _NAME_SLASH.sub(lambda found: found.group(1) or "/<wbr>", _h(text))


_NAME_SLASH = re.compile(r"(<[^>]*>)|/")
"""A `/` of a name made safe by `_h`, or markup `_h` made (the name's own `<` is `&lt;`)."""


def _table(
    header: list[str],
    rows: list[list[str]],
    numeric: set[int] = frozenset(),
    empty: str = "",
    box: str = "box",
) -> str:
    """A table of already escaped cells, in a `box` of its own that scrolls sideways when the
    table is wider than the page (a phone): its cells wrap at spaces only, never inside a word
    or a count, so the table does not squeeze itself to the page's width. `numeric` columns
    are right-aligned counts. With no rows, the sentence `empty` instead."""
    if not rows:
        return f"<p><em>{html.escape(empty)}</em></p>"

    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="{box}">{table}</div>'


def _svg(chart: Any, name: str, adjust: Callable[[ET.Element], None] | None = None) -> str:
    """The chart as inline SVG without pygal's script, comments or namespace URLs; `adjust`
    changes the drawn tree first. Its ids are made from `name` (one per chart of a report),
    not the random ones pygal draws: the same study gives the same report, byte for byte."""
    import xml.etree.ElementTree as ET  # the charts' alone: a Markdown report has none

    chart.uuid = f"fieldnote-{name}"
    root = chart.render_tree()
    if adjust is not None:
        adjust(root)
    for parent in list(root.iter()):
        if parent.get("id", "").startswith("activate-serie"):
            del parent.attrib["id"]  # for the script taken out; each chart had the same ones
        for child in list(parent):
            if child.tag is ET.Comment or child.tag == "script":
                parent.remove(child)
    root.attrib.pop("xmlns", None)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def _chart_config(narrow: bool = False, height: int = 420, legend_columns: int = 2) -> dict:
    """pygal's settings for the 800 px drawing, or a phone's (`narrow`, `height` high: the
    legend below the plot in `legend_columns`, not beside it)."""
    if narrow:
        return {
            "js": [],
            "disable_xml_declaration": True,
            "style": chart_style(True),
            "width": PHONE_WIDTH,
            "height": height,
            "truncate_label": 16,
            "truncate_legend": 24,
            "legend_at_bottom": True,
            "legend_at_bottom_columns": legend_columns,
        }
    return {
        "js": [],
        "disable_xml_declaration": True,
        "style": chart_style(),
        "width": 800,
        "height": 420,
        "truncate_label": 24,
        "truncate_legend": 30,
    }


def _figures(draw: Callable[[bool], tuple[str, str]]) -> str:
    """A chart as two figures, the 800 px drawing and a phone's, of which the style shows
    one; `draw(narrow)` gives the chart's SVG and its caption."""
    return "".join(
        f'<figure class="{size}">{"".join(draw(size == "narrow"))}</figure>'
        for size in ("wide", "narrow")
    )


def count_axis(top: int, ticks: int = 10) -> dict:
    """A value axis of whole numbers (counts of people or sessions): 0 to `top`, at most
    about `ticks` labels."""
    top = max(1, top)
    step = max(1, math.ceil(top / ticks))
    return {"range": (0, top), "y_labels": list(range(0, top + 1, step))}


def matrix_chart(analysis: Analysis, narrow: bool = False) -> tuple[str, list[str]]:
    """The priority matrix as SVG, and the tags whose labels found no room on it; `narrow`,
    a phone's, labels each dot with its rank in the table under it."""
    import pygal

    from tui.services.chart_labels import place_labels

    style = chart_style(narrow)
    ranks = {tag_label(p.theme.label): str(n) for n, p in enumerate(analysis.matrix, start=1)}
    quadrants = {point.quadrant for point in analysis.matrix}
    chart = pygal.XY(
        stroke=False,
        title="Priority: how widespread against how painful",
        x_title="share of participants (%)",
        y_title="mean severity",
        range=(1, 5),
        xrange=(0, 100),
        print_labels=True,
        dots_size=MATRIX_DOT,
        # The legend in one column: pygal gives a legend below the plot `series // columns`
        # rows of room, so three quadrants in two columns lost the third off the drawing.
        **_chart_config(narrow, height=340 + 22 * len(quadrants), legend_columns=1),
    )
    by_quadrant: dict[str, list[dict]] = {}
    for rank, point in enumerate(analysis.matrix, start=1):
        theme = point.theme
        by_quadrant.setdefault(point.quadrant, []).append(
            {
                "value": (round(100 * theme.share, 1), round(theme.mean_severity or 0, 2)),
                # Its own place in the table: two labels may be alike (cut at 200 characters).
                "label": str(rank) if narrow else tag_label(theme.label),
            }
        )
    short = (lambda rank: rank) if narrow else (lambda name: ranks.get(name, name))
    for quadrant, points in by_quadrant.items():
        chart.add(quadrant, points)
    left_off: list[str] = []

    def label(root: ET.Element) -> None:
        left_off.extend(
            place_labels(
                root,
                short,
                font_size=style.value_label_font_size,
                dot_radius=MATRIX_DOT,
                label_offset=style.value_font_size,
            )
        )

    chart_id = "matrix-narrow" if narrow else "matrix"
    return _svg(chart, chart_id, label), [short(name) for name in left_off]


def themes_bars(analysis: Analysis) -> str:
    """Participants per tag as bars in HTML (the 20 tags raised by most, its caption saying
    how many it leaves out): each tag's whole name is the page's text beside its bar, where
    pygal's drawing cut it to 24 characters and shrank it to 4 px on a phone."""
    applied = [t for t in analysis.themes if t.applied]
    themes = sorted(applied, key=lambda t: (-t.participants, -t.excerpts, t.key))[:CHART_TAGS]
    title = "Participants raising each tag"
    if len(applied) > len(themes):  # the chart is not of each tag: it says so
        title += f" ({len(themes)} of {len(applied)} tags)"
    top = max((t.participants for t in themes), default=0) or 1
    rows = "".join(
        f'<li><span class="tag">{_tag(t.label)}</span><span class="track">'
        f'<span class="bar" style="width: {round(100 * t.participants / top, 1):g}%"></span>'
        f'</span><data value="{t.participants}">{t.participants}</data></li>'
        for t in themes
    )
    return f'<figure class="bars"><figcaption>{title}</figcaption><ol>{rows}</ol></figure>'


def coverage_chart(analysis: Analysis, narrow: bool = False) -> str:
    """Asked, skipped and not reached per question: a column each, or on a phone (`narrow`)
    a row each, Q1 at the top, where a dozen columns' names ran into each other."""
    import pygal

    rows = analysis.coverage[::-1] if narrow else analysis.coverage  # pygal's first: lowest
    kind = pygal.HorizontalStackedBar if narrow else pygal.StackedBar
    chart = kind(
        title="Guide coverage across sessions",
        **count_axis(max((c.sessions for c in rows), default=1)),
        **_chart_config(narrow, height=150 + 24 * len(rows), legend_columns=3),
    )
    numbers = range(1, len(rows) + 1)
    chart.x_labels = [f"Q{n}" for n in (reversed(numbers) if narrow else numbers)]
    chart.add("asked", [c.asked for c in rows])
    chart.add("skipped", [c.skipped for c in rows])
    chart.add("not reached", [c.not_reached for c in rows])
    return _svg(chart, "coverage-narrow" if narrow else "coverage")


def html_report(view: StudyView, now: datetime) -> str:
    a = view.analysis
    title = _h(_title(view))
    plain_title = html.escape(visible(_title(view)), quote=True)  # the tab's: text, no markup
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # A phone makes no link of a number or address in someone's words either.
        '<meta name="format-detection" content="telephone=no, email=no, address=no">',
        f"<title>{plain_title} \u00b7 Fieldnote</title><style>{CSS}</style></head><body><main>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{_h(_summary(view, now))}</p>',
        '<nav><a href="#priorities">Priorities</a><a href="#themes">Themes</a>'
        '<a href="#quotes">Quotes</a><a href="#followups">Follow-ups</a>'
        '<a href="#pairs">Pairs</a><a href="#people">Who</a>'
        '<a href="#guide">Guide</a><a href="#sessions">Sessions</a></nav>',
        '<section id="priorities"><h2>Priorities</h2>',
    ]
    if a.matrix:

        def matrix(narrow: bool) -> tuple[str, str]:
            chart, left_off = matrix_chart(a, narrow)
            if not left_off:
                return chart, ""
            listed = ", ".join(_h(rank) for rank in left_off)
            return (
                chart,
                f"<figcaption>No room on the chart for the labels of {listed}.</figcaption>",
            )

        parts.append(_figures(matrix))
    parts.append(
        _table(
            ["#", "Tag", "Participants", "Mean severity", "Quadrant"],
            _priority_rows(a, _tag),
            numeric={0, 2, 3},
            empty=NO_TAGS,
        )
    )
    parts.append('</section><section id="themes"><h2>Themes</h2>')
    if a.themes:
        parts.append(themes_bars(a))
    parts.append(
        _table(
            THEME_HEADER,
            _theme_rows(a, _tag),
            numeric={1, 2, 3, 4, 5},
            empty=NO_TAGS,
        )
    )
    parts.append('</section><section id="quotes"><h2>Strongest quotes</h2>')
    themes, none_checked = quoted(view)
    parts.append(
        f'<p class="meta">{_h(QUOTES_NOTE)}</p>' if themes else f"<p><em>{NO_QUOTES}</em></p>"
    )
    if none_checked:
        parts.append(f'<p class="meta">{none_checked}</p>')
    if left_out := quotes_left_out(a):
        parts.append(f'<p class="meta">{left_out}</p>')
    for shown in themes:
        theme, notes = shown.theme, shown.notes
        parts.append(f"<h3>{_bdi(theme.label)} <small>({_q(theme)} participants)</small></h3>")
        for checked in shown.quotes:
            item = checked.item
            line = "" if checked.line is None else f'<p class="verbatim">{_h(checked.line)}</p>'
            source = _source(item, _bdi, checked.verified)
            words, whole = _excerpt(item.quote, item.session_title, item.time, _bdi)
            cut = "" if whole is None else f" {CUT}"
            where = "" if whole is None else f'<p class="by">Shortened: {whole}.</p>'
            parts.append(
                f"<blockquote><p>{_h_words(words)}{cut}</p>"
                f"<footer>\u2014 {source}</footer>{where}{line}</blockquote>"
            )
        if notes:
            items = "".join(_h_item(item.quote, _note_source(item, _bdi), item) for item in notes)
            parts.append(f'<ul class="notes">{items}</ul>')
        if (above := shown_above(shown, _bdi)) is not None:
            parts.append(f'<p class="meta">{above}</p>')
    parts.append('</section><section id="followups"><h2>Open follow-ups</h2>')
    if a.open_followups:
        items = "".join(_h_item(f.text, _followup_source(f, _bdi), f) for f in a.open_followups)
        parts.append(f'<ul class="notes">{items}</ul>')
    else:
        parts.append(f"<p>{_no_open_followups(a)}</p>")
    parts.append('</section><section id="pairs"><h2>Tags raised together</h2>')
    if a.pairs:
        parts.append(f'<p class="meta">{pairs_note(a)}</p>')
    parts.append(
        _table(
            ["Tag", "With", "Notes"],
            [[_tag(p.first), _tag(p.second), str(p.count)] for p in a.pairs[:TOP_PAIRS]],
            numeric={2},
            empty=NO_PAIRS,
        )
    )
    tags = grid_tags(a)
    parts.append('</section><section id="people"><h2>Who raised what</h2>')
    if tags and a.participants:
        parts.append(f'<p class="meta">{who_note(a)}</p>')
    # A dozen tag columns fit a 1200 px page when a tag's name may wrap after each `/`; a
    # table wider still scrolls inside its box, never the page.
    parts.append(
        _table(
            ["Participant", *(_tag(t.label) for t in tags)],
            [[_h(p.name), *(str(len(a.cell(p.key, t.key))) for t in tags)] for p in a.participants]
            if tags
            else [],
            numeric=set(range(1, len(tags) + 1)),
            empty=NO_WHO,
            box="scroll",
        )
    )
    parts.append('</section><section id="guide"><h2>Guide coverage</h2>')
    if a.coverage:
        parts.append(_figures(lambda narrow: (coverage_chart(a, narrow), "")))
    parts.append(
        _table(
            ["#", "Question", "Sessions", "Asked", "Skipped", "Not reached", "Mean time"],
            [[f"Q{n}", *_coverage_cells(c, _h)] for n, c in enumerate(a.coverage, start=1)],
            numeric={2, 3, 4, 5, 6},
            empty=NO_GUIDE,
        )
    )
    parts.append('</section><section id="sessions"><h2>Sessions</h2>')
    parts.append(
        _table(
            SESSION_HEADER,
            [
                [_h(t), _h(p), _h(d), str(n), str(c), str(f)]
                for t, p, d, n, c, f in _session_rows(view)
            ],
            numeric={3, 4, 5},
        )
    )
    parts.append("</section></main></body></html>")
    return "\n".join(parts) + "\n"


def render(view: StudyView, fmt: str, now: datetime) -> str:
    """The report in `fmt` (one of FORMATS)."""
    if fmt == "html":
        return html_report(view, now)
    if fmt == "md":
        return markdown(view, now)
    raise ValueError(f"a report is one of {FORMATS}, not {fmt!r}")
