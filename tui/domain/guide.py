"""The question guide: parsed from Markdown and walked during an interview (its lint is
tui/services/guide_lint.py, with rules a team can extend).

# Onboarding study            (optional title)
## Warm-up                    a section
Optional lines of text        the section's intro, shown under its heading
### Their role                a sub-section (its own lines of text are its intro)
- Tell me about your role.    a question
  - What does a normal week look like?   a probe (indented list item)
Show the prototype now.       an interviewer note: lines of text after a question are its
                              note, never asked and never linted
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace


class GuideError(ValueError):
    """A guide that cannot be read; the message names the file line."""

    def __init__(self, line: int, message: str, source: str = "guide") -> None:
        self.line = line
        super().__init__(f"{source}, line {line}: {message}")


@dataclass
class Question:
    id: str
    text: str
    section: str
    probes: list[str] = field(default_factory=list)
    line: int = 0
    """Where the question's text starts in the guide file (1-based line and column); 0 when
    the guide was read back from a session rather than parsed from a file."""
    column: int = 0
    probe_places: list[tuple[int, int]] = field(default_factory=list)
    """(line, column) of each probe's text, as for the question."""
    note: str = ""
    """The interviewer's instructions written under the question (its lines of text joined),
    shown with it, dimmed; not a question, so the lint leaves it alone."""


@dataclass
class Section:
    title: str
    intro: str = ""
    questions: list[Question] = field(default_factory=list)
    level: int = 2
    """2 for a `## Section`, 3 for a `### sub-section` (which belongs to the section above)."""
    line: int = 0
    """Where the heading's title starts in the guide file (1-based line and column); 0 when
    the guide was read back from a session rather than parsed from a file."""
    column: int = 0


@dataclass
class Guide:
    title: str = ""
    sections: list[Section] = field(default_factory=list)

    @property
    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    def question(self, question_id: str | None) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def empty_sections(self) -> list[Section]:
        """The headings with no question under them: a sub-section without questions, or a
        section without questions of its own or in its sub-sections. The cursor never stops
        on one (it moves between questions), so the guide pane marks it and the lint says so."""
        empty, sections = [], self.sections
        for index, section in enumerate(sections):
            asked = bool(section.questions)
            after = index + 1  # a section's own sub-sections only: one pass over the guide
            while not asked and section.level <= 2 and after < len(sections):
                if sections[after].level <= 2:
                    break
                asked = bool(sections[after].questions)
                after += 1
            if not asked:
                empty.append(section)
        return empty

    def to_doc(self) -> dict:
        # A note or a sub-section adds its key; a guide with neither keeps the document (and
        # the session files and exports) it always had.
        return {
            "title": self.title,
            "sections": [
                {
                    "title": s.title,
                    "intro": s.intro,
                    **({"level": s.level} if s.level != 2 else {}),
                    "questions": [
                        {
                            "id": q.id,
                            "text": q.text,
                            "probes": list(q.probes),
                            **({"note": q.note} if q.note else {}),
                        }
                        for q in s.questions
                    ],
                }
                for s in self.sections
            ],
        }

    @classmethod
    def from_doc(cls, doc: dict | None) -> Guide:
        doc = doc or {}
        guide = cls(title=doc.get("title", ""))
        for s in doc.get("sections", []):
            section = Section(
                title=s.get("title", ""), intro=s.get("intro", ""), level=s.get("level", 2)
            )
            for q in s.get("questions", []):
                question = Question(q["id"], q["text"], section.title, list(q.get("probes", [])))
                question.note = q.get("note", "")
                section.questions.append(question)
            guide.sections.append(section)
        return guide


MAX_QUESTIONS = 500
"""More than any interview guide (a long one asks 60): the guide pane redraws them all, and at
1,000 every keystroke of a note waited on it."""
MAX_PROBES = 2_000


def within_limits(guide: Guide) -> tuple[Guide, str | None]:
    """`guide` cut to its first MAX_QUESTIONS questions and MAX_PROBES probes, with a sentence
    saying so; the guide itself and None when it fits. `parse_guide` and a JSON import refuse a
    guide past the limits, but a sync merges session files as they are, and a session opened
    with 1,000 questions made each keystroke of a note wait on the guide pane."""
    questions = guide.questions
    probes = sum(len(q.probes) for q in questions)
    if len(questions) <= MAX_QUESTIONS and probes <= MAX_PROBES:
        return guide, None
    cut = Guide(title=guide.title)
    kept_questions = kept_probes = 0
    for section in guide.sections:
        if kept_questions == MAX_QUESTIONS:
            break
        part = Section(section.title, section.intro, level=section.level)
        for question in section.questions[: MAX_QUESTIONS - kept_questions]:
            room = MAX_PROBES - kept_probes
            kept = replace(
                question, probes=question.probes[:room], probe_places=question.probe_places[:room]
            )
            part.questions.append(kept)
            kept_probes += len(kept.probes)
        kept_questions += len(part.questions)
        cut.sections.append(part)
    shown = f"{kept_questions:,} of {len(questions):,} questions"
    if kept_probes < probes:
        shown += f" ({kept_probes:,} of {probes:,} probes)"
    return cut, f"Guide cut to its first {shown}, the limit; the session file is unchanged."


_HEADING = re.compile(r"^(?P<marks>#+)(?:[ \t]+(?P<title>.*))?$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)[-*+](?:\s+(?P<text>.*))?$")
_NUMBERED = re.compile(r"^(?P<indent>[ \t]*)\d+[.)](?:\s+(?P<text>.*))?$")


def parse_guide(markdown: str, source: str = "guide") -> Guide:
    guide = Guide()
    section: Section | None = None
    question: Question | None = None
    count = probes = 0
    for number, raw in enumerate(markdown.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("<!--"):
            continue
        if line.startswith("# "):
            if guide.sections or guide.title:
                raise GuideError(number, "only one '# Title' is allowed, at the top.", source)
            guide.title = line[2:].strip()
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group("marks")) in (2, 3):
            level = len(heading.group("marks"))
            title = (heading.group("title") or "").strip()
            if not title:
                raise GuideError(number, "the section heading has no title.", source)
            if level == 3 and section is None:
                raise GuideError(
                    number, "a '### sub-section' must come under a '## Section' heading.", source
                )
            column = heading.start("title") + 1
            section = Section(title=title, level=level, line=number, column=column)
            guide.sections.append(section)
            question = None
            continue
        if line.startswith("#"):
            raise GuideError(
                number,
                "use '## Section' for sections and '### Sub-section' under them; deeper "
                "headings are not supported.",
                source,
            )
        item = _ITEM.match(line) or _NUMBERED.match(line)
        if item:
            text = (item.group("text") or "").strip()
            column = item.start("text") + 1  # `\s+` before the group ate the spaces
            indent = len(item.group("indent").expandtabs(4))
            if not text:
                raise GuideError(number, "the list item is empty.", source)
            if indent == 0:
                if section is None:
                    raise GuideError(
                        number, "a question must come after a '## Section' heading.", source
                    )
                count += 1
                if count > MAX_QUESTIONS:
                    raise GuideError(
                        number,
                        f"it asks more than {MAX_QUESTIONS} questions, more than any interview "
                        "guide; split it into one guide per interview.",
                        source,
                    )
                question = Question(f"q{count}", text, section.title, line=number, column=column)
                section.questions.append(question)
            else:
                if question is None:
                    raise GuideError(
                        number, "an indented probe must come under a '- question'.", source
                    )
                probes += 1
                if probes > MAX_PROBES:
                    raise GuideError(
                        number,
                        f"it holds more than {MAX_PROBES:,} probes, more than any interview "
                        "guide; split it into one guide per interview.",
                        source,
                    )
                question.probes.append(text)
                question.probe_places.append((number, column))
            continue
        if section is None:
            raise GuideError(
                number,
                f"expected '## Section' before any text, found '{line.strip()[:40]}'.",
                source,
            )
        if question is not None:
            question.note = f"{question.note} {line.strip()}".strip()
        else:
            section.intro = f"{section.intro} {line.strip()}".strip()
    if not guide.questions:
        raise GuideError(
            1, "the guide has no questions ('- question' under a '## Section').", source
        )
    return guide


@dataclass
class GuideState:
    """Where the interview is in the guide: shared by every instance on the session."""

    current: str | None = None
    marks: dict[str, str] = field(default_factory=dict)
    """question id -> "asked" or "skipped"."""

    def progress(self, guide: Guide) -> tuple[int, int]:
        ids = [q.id for q in guide.questions]
        return sum(1 for qid in ids if self.marks.get(qid) == "asked"), len(ids)

    def move(self, guide: Guide, step: int) -> str | None:
        ids = [q.id for q in guide.questions]
        if not ids:
            return None
        index = ids.index(self.current) if self.current in ids else -1
        if index == -1 and step < 0:
            index = 0
        self.current = ids[max(0, min(len(ids) - 1, index + step))]
        return self.current

    def settle(self, guide: Guide) -> None:
        """A current question the guide does not hold (none yet, a hand edit naming `q42`, one
        cut off by `within_limits`) becomes the first question neither asked nor skipped, or
        the last one when all are: where the interview would be."""
        ids = [q.id for q in guide.questions]
        if not ids or self.current in ids:
            return
        self.current = next((qid for qid in ids if qid not in self.marks), ids[-1])

    def mark(self, question_id: str, mark: str) -> None:
        self.marks[question_id] = mark

    def next_open(self, guide: Guide) -> str | None:
        """The first question after the current one that is neither asked nor skipped."""
        ids = [q.id for q in guide.questions]
        start = ids.index(self.current) + 1 if self.current in ids else 0
        for qid in ids[start:]:
            if qid not in self.marks:
                return qid
        return None

    def apply_change(self, current: str | None, marks: dict[str, str | None]) -> None:
        """One guide change as every instance makes it, on disk and replayed in memory: the
        current question set, each mark set (None removes it)."""
        self.current = current
        for question_id, mark in marks.items():
            if mark is None:
                self.marks.pop(question_id, None)
            else:
                self.marks[question_id] = mark

    def to_doc(self) -> dict:
        return {"current": self.current, "marks": dict(self.marks)}

    @classmethod
    def from_doc(cls, doc: dict | None) -> GuideState:
        doc = doc or {}
        return cls(current=doc.get("current"), marks=dict(doc.get("marks") or {}))
