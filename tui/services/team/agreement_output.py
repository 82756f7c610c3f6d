"""`fieldnote agree`'s output: the agreement figures as text, Markdown, CSV or JSON.

An undefined figure (kappa or alpha when no coder varies on a code, the character overlap when
no one coded a character) is `n/a` in text and Markdown, empty in CSV and null in JSON, and the
header says why: never NaN.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from itertools import combinations

from tui.domain.display_text import count_of, visible
from tui.services.exchange.markdown import md_line
from tui.services.exchange.table import neutralise
from tui.services.team.agreement import (
    POPULATION,
    Agreement,
    CodeFigures,
    Disagreement,
    RatingFigures,
)

FORMATS = ("text", "md", "csv", "json")
UNDEFINED = (
    "n/a: kappa and alpha are undefined where no coder varies (no one, or everyone, used the "
    "code on every note); the character overlap where no one coded a character."
)
COLUMNS = (
    "code",
    "first",
    "second",
    "first_notes",
    "second_notes",
    "both",
    "notes",
    "percent",
    "kappa",
    "alpha",
    "char_overlap",
    "settled",
)
"""The CSV's columns. `settled` came last, after the figures, so a reader of the columns
before it reads them where it did: how many of the row's disagreements are settled."""


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _rows(result: Agreement) -> list[tuple[CodeFigures, list]]:
    codes = [result.study] if result.study is not None else []
    return [(code, list(code.pairs)) for code in [*codes, *result.codes]]


def everyone(result: Agreement) -> str | None:
    """The label of the rows over every coder ("all 3 coders"); None with two coders, whose
    pair's row is that figure already."""
    return f"all {len(result.coders)} coders" if len(result.coders) > 2 else None


def heading(result: Agreement, shown: Callable[[str], str] = str) -> list[str]:
    """The header lines; `shown` makes a name or a file's sentence safe (Markdown's escape)."""
    lines = [
        f"Agreement of {', '.join(map(shown, result.coders))} over {result.sessions} "
        f"session(s), {result.units} notes.",
        POPULATION,
    ]
    label = everyone(result)
    if label is not None and result.problem is None:
        lines.append(
            "Each pair's figures are the two's alone, as comparing only them gives; the "
            f"\u201c{label}\u201d rows hold Krippendorff's alpha over every coder."
        )
    settled = result.settled_line(shown)
    lines += [settled] if settled is not None and result.problem is None else []
    lines += [typists_line(result.typists, shown)] if result.typists else []
    return lines + [f"Left out: {shown(problem)}" for problem in result.problems]


def typists_line(typists: list[str], shown: Callable[[str], str] = str) -> str:
    """Who the figures leave out unless named, and why (`CodingSet.typists`)."""
    names = ", ".join(map(shown, typists))
    return (
        f"Not compared: {names}, whose only codings are tags typed into their own notes as "
        "they took them; name them with --coders to compare them too."
    )


def no_codings(result: Agreement, shown: Callable[[str], str] = str) -> str | None:
    """The sentence saying the coders tagged nothing (they only rated), or None when there
    are codings to compare."""
    if result.study is not None:
        return None
    names = [shown(c) for c in result.coders]
    who = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return (
        f"There are no codings to compare: {who} tagged no note here, so no code has "
        "figures; only their severity ratings are compared."
    )


def uncoded_pair(first: str, second: str) -> str:
    """The sentence standing for the figures of a pair of whom neither tagged a note."""
    return (
        f"{first} and {second} tagged no note here, so the pair has no code figures; only "
        "their severity ratings are compared."
    )


def uncoded_lines(result: Agreement, shown: Callable[[str], str] = str) -> list[str]:
    """A sentence per pair that tagged nothing, beside the other pairs' figures (when no one
    tagged, `no_codings` says it of everyone at once)."""
    if result.study is None:
        return []
    return [uncoded_pair(shown(a), shown(b)) for a, b in result.uncoded]


RATINGS_ROW = "severity ratings"
"""The CSV's `code` for the ratings rows: no tag has a space, so none is named so."""


def ratings_lines(
    ratings: RatingFigures | None, label: str | None, shown: Callable[[str], str] = str
) -> list[str]:
    """The ratings' figures as sentences: per pair, how many both rated, how many alike, how
    far apart on average and the pair's ordinal alpha; over every coder (`label`, when there
    are more than two), the ordinal alpha."""
    if ratings is None:
        return []
    if not ratings.items:
        return ["Severity ratings: no note or span was rated by two of these coders."]
    head = (
        f"Severity ratings (1-5) of {count_of(ratings.items, 'excerpt')} (notes and spans) "
        "rated by two coders or more"
    )
    if label is not None:
        head += f"; Krippendorff's alpha (ordinal) over {label}: {_number(ratings.alpha)}"
    lines = [head + "."]
    for pair in ratings.pairs:
        if pair.both:
            lines.append(
                f"  {shown(pair.first)}/{shown(pair.second)}: {pair.both} rated by both, "
                f"{pair.same:.1f}% alike, {pair.apart:.2f} apart on average, "
                f"alpha (ordinal) {_number(pair.alpha)}"
            )
        else:
            lines.append(f"  {shown(pair.first)}/{shown(pair.second)}: none rated by both")
    return lines


def where(d: Disagreement, coder: str) -> str:
    return "; ".join(d.unit.coded_where(coder, d.key)) or "not coded"


def disagreement_line(d: Disagreement, shown: Callable[[str], str] = str) -> str:
    """One disagreement; `shown` is applied to every piece of user text in it."""
    elapsed = d.unit.when
    text = " ".join(d.unit.text.split())
    text = text if len(text) <= 50 else text[:49] + "\u2026"
    having = ", ".join(f"{shown(c)} ({shown(where(d, c))})" for c in d.having)
    return (
        f"{shown(d.unit.title)} {elapsed} \u201c{shown(text)}\u201d #{shown(d.name)}: "
        f"{having}; not {', '.join(map(shown, d.lacking))}"
    )


def render(result: Agreement, fmt: str) -> str:
    return {"text": _text, "md": _markdown, "csv": _csv, "json": _json}[fmt](result)


def _text(result: Agreement) -> str:
    # Every name on one line, as Markdown's cells are: a line break a file holds shows as ⏎.
    lines = heading(result, visible)
    if result.problem is not None:
        return "\n".join([*lines, "", visible(result.problem)]) + "\n"  # names coders
    label = everyone(result)
    nothing = no_codings(result, visible)
    if nothing is not None:
        lines += ["", nothing, "", *ratings_lines(result.ratings, label, visible)]
        return "\n".join(lines) + "\n"
    table = [("code", "coders", "first", "second", "both", "agree", "kappa", "alpha", "chars")]
    for code, pairs in _rows(result):
        for pair in pairs:
            table.append(
                (
                    visible(code.name),
                    f"{visible(pair.first)}/{visible(pair.second)}",
                    str(pair.first_units),
                    str(pair.second_units),
                    str(pair.both),
                    f"{pair.percent:.1f}%",
                    _number(pair.kappa),
                    _number(pair.alpha),
                    _share(pair.overlap),
                )
            )
        if label is not None:
            table.append((visible(code.name), label, "", "", "", "", "", _number(code.alpha), ""))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines.append("")
    for row in table:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    uncoded = uncoded_lines(result, visible)
    lines += ["", *uncoded] if uncoded else []
    lines += ["", UNDEFINED, "", *ratings_lines(result.ratings, label, visible)]
    lines += ["", f"Disagreements ({len(result.disagreements)}):"]
    lines += [f"  {disagreement_line(d, visible)}" for d in result.disagreements]
    return "\n".join(lines) + "\n"


def _markdown(result: Agreement) -> str:
    lines = ["# Inter-coder agreement", "", *heading(result, md_line), ""]
    if result.problem is not None:
        return "\n".join([*lines, md_line(result.problem)]) + "\n"
    label = everyone(result)
    nothing = no_codings(result, md_line)
    if nothing is not None:
        lines += [nothing, "", "## Severity ratings", ""]
        lines += [f"- {line.strip()}" for line in ratings_lines(result.ratings, label, md_line)]
        return "\n".join(lines) + "\n"
    lines += [
        "| code | coders | first | second | both | agree | kappa | alpha | chars |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for code, pairs in _rows(result):
        for pair in pairs:
            cells = [
                md_line(code.name),
                f"{md_line(pair.first)} / {md_line(pair.second)}",
                str(pair.first_units),
                str(pair.second_units),
                str(pair.both),
                f"{pair.percent:.1f}%",
                _number(pair.kappa),
                _number(pair.alpha),
                _share(pair.overlap),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        if label is not None:
            cells = [md_line(code.name), label, *[""] * 5, _number(code.alpha), ""]
            lines.append("| " + " | ".join(cells) + " |")
    uncoded = uncoded_lines(result, md_line)
    lines += ["", *uncoded] if uncoded else []
    lines += ["", UNDEFINED, "", "## Severity ratings", ""]
    lines += [f"- {line.strip()}" for line in ratings_lines(result.ratings, label, md_line)]
    lines += ["", f"## Disagreements ({len(result.disagreements)})", ""]
    lines += [f"- {disagreement_line(d, md_line)}" for d in result.disagreements]
    return "\n".join(lines) + "\n"


def settled_counts(result: Agreement) -> Callable[[str, str | None, str | None], int]:
    """How many disagreements are settled on a code (`""`: on every code), between two coders
    as comparing the two alone finds them (the agreement screen's number for the pair), or,
    with no coder named, over every coder compared (the number the settled line gives)."""
    counts: Counter[tuple[str, frozenset[str | None]]] = Counter()
    for d in result.settled:
        counts[d.key, frozenset({None})] += 1
        counts["", frozenset({None})] += 1
    for first, second in combinations(result.coders, 2):
        for d in result.between(first, second, settled=True):
            counts[d.key, frozenset({first, second})] += 1
            counts["", frozenset({first, second})] += 1
    return lambda key, first, second: counts[key, frozenset({first, second})]


def _csv(result: Agreement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    label = everyone(result)
    settled = settled_counts(result)
    for code, pairs in _rows(result):
        for pair in pairs:
            writer.writerow(
                [  # names are a study's text: none runs as a spreadsheet formula
                    neutralise(code.name),
                    neutralise(pair.first),
                    neutralise(pair.second),
                    pair.first_units,
                    pair.second_units,
                    pair.both,
                    pair.units,
                    f"{pair.percent:.2f}",
                    "" if pair.kappa is None else f"{pair.kappa:.4f}",
                    "" if pair.alpha is None else f"{pair.alpha:.4f}",
                    "" if pair.overlap is None else f"{pair.overlap:.4f}",
                    settled(code.key, pair.first, pair.second),
                ]
            )
        if label is not None:  # every coder: a row naming no one
            alpha = "" if code.alpha is None else f"{code.alpha:.4f}"
            writer.writerow(
                [neutralise(code.name), "", "", "", "", "", code.units, "", "", alpha, ""]
                + [settled(code.key, None, None)]
            )
    ratings = result.ratings
    for pair in ratings.pairs if ratings is not None else ():
        # The pair's ratings: `both` and `notes` the items both rated, `percent` rated alike,
        # `alpha` ordinal.
        writer.writerow(
            [
                RATINGS_ROW,
                neutralise(pair.first),
                neutralise(pair.second),
                "",
                "",
                pair.both,
                pair.both,
                "" if pair.same is None else f"{pair.same:.2f}",
                "",
                "" if pair.alpha is None else f"{pair.alpha:.4f}",
                "",
                "",  # ratings are never settled: each coder's stays theirs
            ]
        )
    if ratings is not None and label is not None:  # every coder: the items two of them rated
        alpha = "" if ratings.alpha is None else f"{ratings.alpha:.4f}"
        writer.writerow([RATINGS_ROW, "", "", "", "", "", ratings.items, "", "", alpha, "", ""])
    return out.getvalue()


def _json(result: Agreement) -> str:
    def code(figures: CodeFigures) -> dict:
        return {
            "code": figures.name,
            "alpha_all_coders": figures.alpha,
            "pairs": [
                {
                    "first": p.first,
                    "second": p.second,
                    "first_notes": p.first_units,
                    "second_notes": p.second_units,
                    "both": p.both,
                    "notes": p.units,
                    "percent": p.percent,
                    "kappa": p.kappa,
                    "alpha": p.alpha,
                    "char_overlap": p.overlap,
                }
                for p in figures.pairs
            ],
        }

    data = {
        "coders": result.coders,
        "not_compared": result.typists,
        "sessions": result.sessions,
        "notes": result.units,
        "population": POPULATION,
        "problem": result.problem,
        "left_out": result.problems,
        "study": code(result.study) if result.study is not None else None,
        "codes": [code(c) for c in result.codes],
        "uncoded_pairs": [
            {"first": a, "second": b, "said": uncoded_pair(a, b)} for a, b in result.uncoded
        ],
        "ratings": None
        if result.ratings is None
        else {
            "items": result.ratings.items,
            "alpha_ordinal_all_coders": result.ratings.alpha,
            "pairs": [
                {
                    "first": p.first,
                    "second": p.second,
                    "both": p.both,
                    "percent_alike": p.same,
                    "mean_distance": p.apart,
                    "alpha_ordinal": p.alpha,
                }
                for p in result.ratings.pairs
            ],
        },
        "settled": {
            "disagreements": len(result.settled),
            "by": {
                resolver: sum(resolver in d.settled_by for d in result.settled)
                for resolver in dict.fromkeys(r for d in result.settled for r in d.settled_by)
            },
            "said": result.settled_line(),
        },
        "disagreements": [
            {
                "session_id": d.unit.session_id,
                "note_id": d.unit.note.get("id"),
                "code": d.name,
                "text": d.unit.text,
                "codings": {c: d.unit.coded_where(c, d.key) for c in d.having},
                "lacking": list(d.lacking),
            }
            for d in result.disagreements
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
