"""The guide lint: questions that are closed, leading, hypothetical, double or a pitch, and
sections with no question under them.

The rules are data (guide_lint.toml beside this file); a team extends them with `lint.toml` in
the config folder. A rule is an id, regular expressions that flag a question, exceptions that
clear a match starting inside them, a short reason and an open rewrite to try instead.
`fieldnote lint`, `fieldnote new --guide` and the guide pane all lint through `lint_guide`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tui.domain.guide import Guide, Section

SHIPPED_RULES = Path(__file__).with_name("guide_lint.toml")
TEAM_RULES_NAME = "lint.toml"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_RULE_KEYS = {"id", "reason", "rewrite", "patterns", "exceptions", "enabled"}


class LintRulesError(ValueError):
    """A rules file that cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class LintRule:
    id: str
    reason: str
    rewrite: str
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: str
    reason: str
    rewrite: str
    offset: int
    """Where in the question the flagged wording starts (0-based, in characters)."""

    def advice(self) -> str:
        return f"{self.rule}: {self.reason}; try: {self.rewrite}"


@dataclass(frozen=True)
class GuideFinding:
    """A finding placed in a guide: the question (or probe) and its file position."""

    question_id: str | None
    """None for a finding about a section heading (`EMPTY_SECTION`)."""
    probe: int | None
    """Index of the probe flagged, or None for the question itself."""
    line: int
    column: int
    finding: Finding


@dataclass
class LintRules:
    rules: list[LintRule] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)


def lint_question(text: str, rules: list[LintRule]) -> list[Finding]:
    """Every rule that flags `text`, once each, at the first match no exception covers."""
    text = text.translate(_APOSTROPHES)
    findings = []
    for rule in rules:
        excused = [m.span() for pattern in rule.exceptions for m in pattern.finditer(text)]
        starts = [
            m.start()
            for pattern in rule.patterns
            for m in pattern.finditer(text)
            if not any(start <= m.start() < end for start, end in excused)
        ]
        if starts:
            at = _first_word(text, min(starts))
            findings.append(Finding(rule.id, rule.reason, rule.rewrite, at))
    return findings


def _first_word(text: str, start: int) -> int:
    """Point at the flagged word, not at the space or quote mark a pattern began with."""
    for index in range(start, len(text)):
        if text[index].isalnum():
            return index
    return start


EMPTY_SECTION = "empty-section"
"""Not a rule of the rules file: a heading with no question under it is the guide's shape, not
its wording."""


def empty_section(section: Section) -> Finding:
    return Finding(
        EMPTY_SECTION,
        f"the section '{section.title}' has no question under it, so the interview never "
        "reaches it",
        "add a '- question' under the heading, or remove the heading",
        0,
    )


def lint_guide(guide: Guide, rules: list[LintRule]) -> list[GuideFinding]:
    """Findings for every question and probe, in guide order, then every empty section."""
    found = []
    for question in guide.questions:
        for finding in lint_question(question.text, rules):
            found.append(
                GuideFinding(
                    question.id, None, question.line, question.column + finding.offset, finding
                )
            )
        places = question.probe_places or [(0, 0)] * len(question.probes)
        for index, (probe, (line, column)) in enumerate(zip(question.probes, places, strict=True)):
            for finding in lint_question(probe, rules):
                place = (line, column + finding.offset)
                found.append(GuideFinding(question.id, index, *place, finding))
    for section in guide.empty_sections():
        found.append(GuideFinding(None, None, section.line, section.column, empty_section(section)))
    return found


# -- the rules files -------------------------------------------------------------------------


def load_rules(team_folder: Path | None = None) -> LintRules:
    """The shipped rules, with the team's `lint.toml` from `team_folder` layered on top."""
    loaded = LintRules()
    _layer(loaded, SHIPPED_RULES)
    if team_folder is not None:
        team = team_folder / TEAM_RULES_NAME
        if team.is_file():
            _layer(loaded, team)
    return loaded


def rules_for_session(team_folder: Path | None = None) -> tuple[list[LintRule], str | None]:
    """The rules for a live session's guide pane, and a problem to show if the team's file is
    broken: the shipped rules are used meanwhile, so a typo never blocks an interview."""
    try:
        return load_rules(team_folder or team_rules_folder()).rules, None
    except LintRulesError as error:
        return load_rules().rules, f"{error} The shipped lint rules are used meanwhile."


def team_rules_folder() -> Path:
    """The config folder (beside config.toml and keymap.toml)."""
    from tui.services.keymap import config_path

    return config_path().parent


def _layer(loaded: LintRules, path: Path) -> None:
    """Add `path`'s rules: a new id is a new rule; a known id gains the file's patterns and
    exceptions and takes its reason and rewrite if given; `enabled = false` turns it off."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LintRulesError(f"cannot read the lint rules {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise LintRulesError(f"{path}: this is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise LintRulesError(f"{path}: {error}; fix the TOML syntax there.") from None
    entries = data.get("rules", [])
    if set(data) - {"rules"} or not isinstance(entries, list):
        raise LintRulesError(f"{path}: put each rule in a [[rules]] table with an id.")
    by_id = {rule.id: index for index, rule in enumerate(loaded.rules)}
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, rule {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise LintRulesError(f'{where}: every rule needs an id, like id = "jargon".')
        rule_id = entry["id"].strip()
        where = f"{path}, rule '{rule_id}'"
        unknown = set(entry) - _RULE_KEYS
        if unknown:
            raise LintRulesError(
                f"{where}: unknown key {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(_RULE_KEYS))}."
            )
        patterns = _compile(entry.get("patterns", []), where, "patterns")
        exceptions = _compile(entry.get("exceptions", []), where, "exceptions")
        texts = {}
        for key in ("reason", "rewrite"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise LintRulesError(f"{where}: {key} must be a short sentence in quotes.")
            if value is not None:
                texts[key] = value.strip()
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise LintRulesError(f"{where}: enabled must be true or false.")
        if rule_id in by_id:
            index = by_id[rule_id]
            old = loaded.rules[index]
            loaded.rules[index] = LintRule(
                rule_id,
                texts.get("reason", old.reason),
                texts.get("rewrite", old.rewrite),
                old.patterns + patterns if enabled else (),
                old.exceptions + exceptions,
            )
            continue
        missing = [key for key in ("reason", "rewrite") if key not in texts]
        if missing or not patterns:
            needs = ", ".join(missing + ([] if patterns else ["patterns"]))
            raise LintRulesError(f"{where}: a new rule needs {needs}.")
        by_id[rule_id] = len(loaded.rules)
        loaded.rules.append(
            LintRule(
                rule_id,
                texts["reason"],
                texts["rewrite"],
                patterns if enabled else (),
                exceptions,
            )
        )
    loaded.sources.append(path)


def _compile(values: object, where: str, key: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise LintRulesError(f"{where}: {key} must be a list of quoted regular expressions.")
    compiled = []
    for number, value in enumerate(values, start=1):
        try:
            compiled.append(re.compile(value, re.IGNORECASE))
        except re.error as error:
            raise LintRulesError(
                f"{where}: {key} {number} is not a valid regular expression ({error}); "
                "fix it or escape the character."
            ) from None
    return tuple(compiled)
