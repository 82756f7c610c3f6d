"""The guide lint on questions written for it: good ones stay clean, bad ones are caught by the
right rule; the rules file layering a team's own rules; `fieldnote lint` and `new --guide`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.domain.guide import parse_guide
from tui.services.guide_lint import LintRulesError, lint_guide, lint_question, load_rules
from tui.store import DataStore

RULES = load_rules().rules

GOOD = [
    "Tell me about your role.",
    "Walk me through the last time you planned a shift rota.",
    # The polite open forms.
    "Can you walk me through your first day with the trial?",
    "Could you tell me about the last time you onboarded someone?",
    "Can you tell me more about that?",
    "Can you describe how your team shares the schedule today?",
    "Could you walk me through what happened next?",
    "Can you show me how you did that?",
    "Would you talk me through how you set it up?",
    "How would you describe your role to a new colleague?",
    # "What, if anything, ..." is neutral, not hypothetical.
    "What, if anything, did you try before this?",
    "What, if anything, got in the way?",
    "What if anything made you hesitate?",
    # "and"/"or" inside one question.
    "How do you and your manager split the planning work?",
    "Tell me about a time you had to find and fix a scheduling mistake.",
    "What happened between signing up and inviting your first colleague?",
    "Tell me about the tools you and your colleagues use every day.",
    "Walk me through how you search and filter the schedule.",
    "Tell me about the last time a report was wrong or late.",
    # Plain open questions about the past.
    "How did you decide which tool to use?",
    "What happened after you invited your team?",
    "How did you feel when the import failed?",
    "Why did you stop using the spreadsheet?",
    "What did you do when the numbers didn't match?",
    "When was the last time you exported a report?",
    "Where did you look for help?",
    "How do you currently keep track of shift swaps?",
    "What was the hardest part of your first week?",
    "What made you come back on day two?",
    "What did your team say about the change?",
    "How often did that happen last month?",
    "What did you pay for your current scheduling tool?",
    "How did our support team handle your ticket?",
    "What was going through your mind at that point?",
    "You mentioned the import. What happened then?",
    # ", and why?" at the end asks the reason for what the question just asked: one question.
    "When did you last open the schedule, and why?",
    "Which report did you stop sending, and why not?",
    # A probe that opens with "And" or "Or" goes on from the answer: one question.
    "And what happened after that?",
    "Or how else did you handle it?",
    # The closing question asks for more now, not for imagined behaviour.
    "What else would you like to tell me about your first week?",
    "What would you like to add that we haven't covered?",
]

BAD = [
    # closed
    ("Do you use spreadsheets for scheduling?", {"closed"}),
    ("Did the import work the first time?", {"closed"}),
    ("Is the calendar view useful to you?", {"closed"}),
    ("Was it hard to set up?", {"closed"}),
    ("Have you ever exported a report?", {"closed"}),
    ("Can you export a report on your own?", {"closed"}),  # "can you" but not a polite form
    ("Could you tell me if it worked?", {"closed"}),  # "tell me if": still yes/no
    ("Are you the one who plans the rota?", {"closed"}),
    ("You mentioned the import. Did it work?", {"closed"}),
    # leading
    ("Don't you think the setup takes too long?", {"leading"}),
    ("Wouldn't it be easier with a dashboard?", {"leading"}),
    ("The new layout is clearer, isn't it?", {"leading"}),
    ("You export every Friday, right?", {"leading"}),
    ("How frustrating was the import?", {"leading"}),
    ("How much did you love the calendar view?", {"leading"}),
    ("What did you hate about the clunky import?", {"leading"}),
    ("Surely the reminders helped?", {"leading"}),
    ("Why don\u2019t you use the mobile view?", {"leading"}),  # a curly apostrophe
    # A negative question about a thing, not "you": yes/no and the answer hoped for.
    ("Wouldn't a weekly summary help?", {"leading"}),
    ("Didn\u2019t the welcome email explain it?", {"leading"}),
    ("Wasn't the setup painful?", {"leading"}),
    ("Couldn't the import be faster?", {"leading"}),
    ("Shouldn't it remind you?", {"leading"}),
    ("You mentioned Fridays. Can't the export run itself?", {"closed", "leading"}),
    # hypothetical
    ("Would you use a mobile app for this?", {"closed", "hypothetical"}),
    ("How much would you pay for bulk editing?", {"hypothetical"}),
    ("Imagine the schedule updated itself; what would you do?", {"hypothetical"}),
    ("What if you could plan a month at once?", {"hypothetical"}),
    ("Will you keep using the trial next month?", {"closed", "hypothetical"}),
    ("If you had a magic wand, what would you change?", {"hypothetical"}),
    ("How likely are you to recommend it to a colleague?", {"hypothetical"}),
    ("What features would you want in the next version?", {"hypothetical"}),
    ("Could you see yourself using this daily?", {"closed", "hypothetical"}),
    ("Is there anything else you'd like to tell me?", {"closed"}),  # not hypothetical
    ("What would you like the next version to do?", {"hypothetical"}),
    # double
    ("How do you plan the week and who approves the plan?", {"double"}),
    ("What did you try first, and how did it go?", {"double"}),
    ("When did you sign up? Why then?", {"double"}),
    ("What did you like and what did you miss?", {"double"}),
    ("Do you plan alone or does your manager help?", {"closed", "double"}),
    ("What did you do first, and why did you stop there?", {"double"}),
    ("Why did you sign up and why did you leave?", {"double"}),
    ("And what did you try, and how did it go?", {"double"}),
    # pitch
    ("What do you think of our new bulk-edit feature?", {"pitch"}),
    ("Our app lets you plan a month at once; how does that sound?", {"pitch"}),
    ("How does our scheduling assistant fit into your week?", {"pitch"}),
    ("We're building a shared calendar; how do you plan today?", {"pitch"}),
    ("Tell me how you'd use our dashboard.", {"pitch", "hypothetical"}),
]


def test_the_corpus_is_large_and_covers_every_rule():
    assert len(GOOD) >= 30 and len(BAD) >= 30
    assert set().union(*(rules for _, rules in BAD)) == {r.id for r in RULES}


def test_the_shipped_sample_guides_draw_no_finding():
    """The demo's studies are what a newcomer copies: a flagged question there teaches the
    habit the lint exists to break."""
    from tui.services.exchange.samples import sample_studies

    for study in sample_studies():
        path = study / "guide.md"
        found = lint_guide(parse_guide(path.read_text(encoding="utf-8")), RULES)
        assert [(f.line, f.finding.rule) for f in found] == [], path


@pytest.mark.parametrize("question", GOOD)
def test_good_questions_raise_no_alarm(question):
    assert lint_question(question, RULES) == []


@pytest.mark.parametrize("question, expected", BAD)
def test_bad_questions_are_caught_by_the_right_rule(question, expected):
    findings = lint_question(question, RULES)
    assert {f.rule for f in findings} == expected
    for finding in findings:
        assert finding.reason and finding.rewrite


def test_a_finding_points_at_the_flagged_words():
    (double,) = lint_question("How do you plan the week and who approves it?", RULES)
    assert "How do you plan the week and who approves it?"[double.offset :].startswith("and who")
    (leading,) = lint_question("You export every Friday, right?", RULES)
    assert leading.offset == len("You export every Friday, ")


GUIDE = """# Study
## Warm-up
- Tell me about your role.
  - Do you like it?
- Would you pay for a dashboard?
## Close
1.  What do you think of our new feature?
"""


def test_guide_findings_carry_lines_and_columns():
    found = lint_guide(parse_guide(GUIDE), RULES)
    places = [(g.question_id, g.probe, g.line, g.column, g.finding.rule) for g in found]
    assert places == [
        ("q1", 0, 4, 5, "closed"),
        ("q2", None, 5, 3, "closed"),
        ("q2", None, 5, 3, "hypothetical"),
        ("q3", None, 7, 26, "pitch"),
    ]


# -- a team's own rules ----------------------------------------------------------------------


def test_a_team_file_adds_a_rule_extends_one_and_turns_one_off(tmp_path):
    (tmp_path / "lint.toml").write_text(
        """
[[rules]]
id = "jargon"
reason = "participants do not say 'churn'"
rewrite = "use their words (\\"stop using\\")"
patterns = ['\\bchurn']

[[rules]]
id = "closed"
exceptions = ['^is there anything else\\b']

[[rules]]
id = "pitch"
enabled = false
""",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path).rules
    assert [f.rule for f in lint_question("Why did your team churn?", rules)] == ["jargon"]
    assert lint_question("Is there anything else you'd add?", RULES) != []
    assert lint_question("Is there anything else you'd add?", rules) == []
    assert lint_question("What do you think of our new feature?", rules) == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("[[rules]]\nid = 'x'\npatterns = ['(']\n", "not a valid regular expression"),
        ("[[rules]]\nid = 'x'\npatterns = ['a']\n", "needs reason, rewrite"),
        ("[[rules]]\nid = 'closed'\npattern = ['a']\n", "unknown key pattern"),
        ("[[rules]]\npatterns = ['a']\n", "needs an id"),
        ("[[rules]\n", "fix the TOML syntax"),
    ],
)
def test_a_broken_team_file_is_one_sentence_naming_it(tmp_path, text, words):
    (tmp_path / "lint.toml").write_text(text, encoding="utf-8")
    with pytest.raises(LintRulesError) as caught:
        load_rules(tmp_path)
    assert str(tmp_path / "lint.toml") in str(caught.value) and words in str(caught.value)


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(folder))
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "data"))
    return folder


def test_lint_prints_file_line_column_rule_reason_and_rewrite(config, tmp_path, capsys):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    clean = tmp_path / "clean.md"
    clean.write_text("## A\n- Tell me about your week.\n", encoding="utf-8")
    assert main(["lint", str(guide), str(clean)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4
    assert out[0] == (
        f"{guide}:4:5: closed: it invites a yes/no answer; try: ask how or what happened "
        '("How do you ...?", "Tell me about the last time ...")'
    )
    assert out[3].startswith(f"{guide}:7:26: pitch: ")
    assert main(["lint", str(clean)]) == 0
    assert capsys.readouterr().out == ""


def test_lint_lines_of_one_question_come_in_column_order(config, tmp_path, capsys):
    """An editor's list of findings (and a reader) goes left to right along a line: the pitch
    at column 3 comes before the hypothetical at column 36, whatever the rules' order."""
    guide = tmp_path / "guide.md"
    guide.write_text(
        "## A\n- If we built a reminders feature, how likely would you be to use it?\n",
        encoding="utf-8",
    )
    assert main(["lint", str(guide)]) == 1
    places = [line.split(": ")[0] for line in capsys.readouterr().out.splitlines()]
    assert places == [f"{guide}:2:3", f"{guide}:2:36"]


def test_lint_of_an_unreadable_file_exits_2_and_lints_the_others(config, tmp_path, capsys):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert main(["lint", str(tmp_path / "missing.md"), str(guide)]) == 2
    captured = capsys.readouterr()
    assert "cannot read the guide" in captured.err and "Traceback" not in captured.err
    assert len(captured.out.splitlines()) == 4


def test_lint_shows_control_characters_in_paths_and_team_text(config, tmp_path, capsys):
    (config / "lint.toml").write_text(
        "[[rules]]\nid = 'x'\nreason = \"bad\\u001b[31m\"\nrewrite = 'r'\npatterns = ['week']\n",
        encoding="utf-8",
    )
    guide = tmp_path / "g\x1b[2Juide.md"
    guide.write_text("## A\n- Tell me about your week.\n", encoding="utf-8")
    assert main(["lint", str(guide)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u241b[2J" in out and "x: bad\u241b[31m" in out


def test_lint_with_a_broken_team_file_is_one_sentence(config, tmp_path, capsys):
    (config / "lint.toml").write_text("[[rules]]\nid = 'x'\npatterns = ['(']\n", encoding="utf-8")
    guide = tmp_path / "g.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert main(["lint", str(guide)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lint.toml" in err and "Traceback" not in err


def test_new_with_a_flagged_guide_warns_and_still_creates(config, tmp_path, capsys):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert main(["new", "P1", "--guide", str(guide)]) == 0
    captured = capsys.readouterr()
    session_id = captured.out.strip()
    assert len(session_id) == 32
    assert f"{guide}:5:3: hypothetical: " in captured.err
    assert main(["list"]) == 0 and "P1" in capsys.readouterr().out


def test_lint_exit_codes_from_a_real_process(config, tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "tui", "lint", str(guide)],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert run.returncode == 1 and run.stdout.count("\n") == 4


def test_the_documented_example_team_file_loads(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "docs" / "interviewing.md").read_text(
        encoding="utf-8"
    )
    block = readme.split('```toml\n[[rules]]\nid = "jargon"', 1)[1].split("```", 1)[0]
    (tmp_path / "lint.toml").write_text('[[rules]]\nid = "jargon"' + block, encoding="utf-8")
    rules = load_rules(tmp_path).rules
    assert [f.rule for f in lint_question("What drove the churn?", rules)] == ["jargon"]
    assert lint_question("Is there anything else?", rules) == []


def test_a_pipe_as_the_guide_is_a_sentence_not_a_wait(config, tmp_path):
    """A guide opened as a file would wait for a writer of the pipe forever: `lint` and `new`
    hung, and the new-session form's worker kept the app from exiting."""
    pipe = tmp_path / "guide.md"
    os.mkfifo(pipe)
    for command in (["lint", str(pipe)], ["new", "P1", "--guide", str(pipe)]):
        run = subprocess.run(
            [sys.executable, "-m", "tui", *command],
            capture_output=True,
            text=True,
            env={**os.environ},
            timeout=10,
        )
        assert run.returncode == 2 if command[0] == "lint" else run.returncode == 1
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
        assert f"cannot read the guide {pipe}: it is no file but a pipe" in run.stderr
    assert main(["list"]) == 0


def test_a_guide_saved_with_a_byte_order_mark_is_read_as_written(config, tmp_path, capsys):
    """Windows editors (Notepad) save UTF-8 with a byte order mark: the title line then began
    with an invisible U+FEFF, and the guide was refused with "expected '## Section' before any
    text, found '# Title'", a line that looks exactly right."""
    guide = tmp_path / "guide.md"
    guide.write_bytes("\ufeff# Onboarding\r\n\r\n## A\r\n- Tell me about your week.\r\n".encode())
    assert main(["lint", str(guide)]) == 0
    assert main(["new", "P1", "--guide", str(guide)]) == 0
    session_id = capsys.readouterr().out.strip()
    snapshot = DataStore(config.parent / "data").open_session(session_id).read()
    assert snapshot.guide["title"] == "Onboarding"


def test_a_guide_of_a_gigabyte_is_a_sentence_read_no_further(config, tmp_path):
    """A guide was read whole whatever its size: a 1 GB file (sparse here) took three times
    that in memory and, under a 1 GB address-space limit, ended `lint` in a MemoryError
    traceback (the new-session form reads it the same way)."""
    import resource

    guide = tmp_path / "guide.md"
    with guide.open("wb") as file:
        file.truncate(1024**3)

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    for command, code in (["lint", str(guide)], 2), (["new", "P1", "--guide", str(guide)], 1):
        run = subprocess.run(
            [sys.executable, "-m", "tui", *command],
            capture_output=True,
            text=True,
            env={**os.environ},
            preexec_fn=limit_memory,
            timeout=60,
        )
        assert run.returncode == code, run.stderr
        assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
        assert "larger than 1 MB" in run.stderr and "split it" in run.stderr
