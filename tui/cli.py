"""`fieldnote`: argument parsing; launches the app or runs a command.

Errors a user can fix are one sentence on stderr and a non-zero exit, never a traceback.
Textual is imported only by the commands that open the UI, so scripting commands start fast.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tui import __version__
from tui.domain.display_text import cut, visible, visible_lines
from tui.domain.people import clean_name

if TYPE_CHECKING:
    from tui.store import DataStore

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_FLAGGED = 1
EXIT_UNREADABLE = 2
EXIT_BROKEN_PIPE = 141
"""As a program ended by SIGPIPE exits (128 + 13): its reader stopped reading."""
LISTED_CELLS = 80
"""`fieldnote list` cuts a title to this many cells, a participant to half (the other
fields take ~40): a session fits a wide terminal's line, and one bad file cannot flood it."""


class UserError(Exception):
    """A mistake the user can fix; printed as one sentence."""


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose mistakes (a missing, unknown or wrong argument) end as a
    sentence naming the command whose --help lists what it takes, not `error: ...`."""

    commands: dict[str, argparse.ArgumentParser] | None = None
    """The subcommands' parsers, by name (the top parser's)."""

    def parse_args(self, args=None, namespace=None):
        args = joined_negative_values(sys.argv[1:] if args is None else list(args))
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            # Said by the command given, whose --help is where to look.
            owner = (self.commands or {}).get(getattr(parsed, "command", None) or "", self)
            owner.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def error(self, message: str):
        self.print_usage(sys.stderr)
        say(
            f"{self.prog}: {message}; run {self.prog} --help for what each argument takes.",
            err=True,
        )
        sys.exit(EXIT_USAGE)


NEGATIVE_VALUED = frozenset({"--offset"})
"""Options whose value may be negative: a time such as `-0:45`."""


def joined_negative_values(args: list[str]) -> list[str]:
    """`--offset -0:45` as `--offset=-0:45`. argparse takes a value that starts with `-` and
    is no plain number (`-5` passes) for an option, and would refuse the form --help shows."""
    joined: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            joined += [arg, *rest]
            break
        value = next(rest, None) if arg in NEGATIVE_VALUED else None
        if value is not None and value[:1] == "-" and value[1:2].isdigit():
            joined.append(f"{arg}={value}")
        else:
            joined += [arg] if value is None else [arg, value]
    return joined


def say(text: str = "", *, end: str = "\n", err: bool = False) -> None:
    """Print on stdout (stderr with `err`). Every command prints through this or `warn`:
    titles, notes and paths a user or a file wrote could hold terminal escapes, which are
    shown as symbols, never obeyed."""
    if err:
        sys.stderr.write(visible_lines(text) + end)
        return
    with stdout_checked():
        sys.stdout.write(visible_lines(text) + end)


@contextmanager
def stdout_checked() -> Iterator[None]:
    """A write to stdout that fails (`fieldnote report > out.md` on a full disk, `>/dev/full`,
    stdout closed with `>&-`) is a sentence, not a traceback: what was printed is incomplete.
    A pipe whose reader went away stays a `BrokenPipeError` (`_run` ends quietly on it)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except (OSError, AttributeError) as error:
        if isinstance(error, AttributeError) and sys.stdout is not None:
            raise  # a bug, not a closed stdout
        if sys.stdout is not None:  # what is still buffered goes nowhere, so exit is quiet
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if isinstance(error, OSError):
            from tui.store.errors import describe_os_error, write_advice

            cause = describe_os_error(error)
            advice = write_advice(error.errno, "write it somewhere else")
        else:
            cause, advice = "it is closed", "give the command somewhere to write"
        raise UserError(
            f"Could not write to standard output because {cause}; what was printed is "
            f"incomplete, so {advice} and run the command again."
        ) from None


def warn(message: str) -> None:
    """One `fieldnote: ...` line on stderr (errors and warnings), made safe like `say`."""
    say(f"fieldnote: {message}", err=True)


def default_author() -> str:
    """Who you are without --as: `$FIELDNOTE_AUTHOR`, else `name` in the config file, else
    the login name (`$USER`)."""
    from tui.services.keymap import KeymapError, configured_name

    try:
        return os.environ.get("FIELDNOTE_AUTHOR") or configured_name() or getpass.getuser()
    except (KeyError, OSError):
        return "me"
    except KeymapError as error:  # the name it holds is unknown: nothing is signed by a guess
        raise UserError(
            f"{error} It names you on notes and codings: fix it, or give your name for now "
            'with FIELDNOTE_AUTHOR="Your Name" (or --as) to go on.'
        ) from None


def _author(args: argparse.Namespace, otherwise: str | None = "") -> str | None:
    """`--as NAME`, else `otherwise` (the login name by default). An empty `--as ""` is a
    mistake (an unset shell variable), not a request for the login name."""
    if args.author is None:
        return default_author() if otherwise == "" else otherwise
    if not args.author.strip():
        raise UserError("--as is empty; give your name, or leave --as out to use your login name.")
    return clean_name(args.author)


def demo_home() -> Path:
    """`$FIELDNOTE_DEMO_HOME`, else `demo/` inside the data folder (`$FIELDNOTE_HOME` too)."""
    override = os.environ.get("FIELDNOTE_DEMO_HOME")
    if override:
        return Path(override)
    from tui.store.datastore import ENV_HOME

    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser() / "demo"
    import platformdirs

    return Path(platformdirs.user_data_dir("fieldnote")) / "demo"


def add_keymap_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """`--keymap` on every command that opens the UI (and on `keys`)."""
    parser.add_argument(
        "--keymap",
        metavar="NAME_OR_PATH",
        # On a command, only a given --keymap overrides one given before the command.
        default=None if top else argparse.SUPPRESS,
        help="a preset (default, vim, emacs) or a keymap file; "
        "the config file's `keymap` otherwise",
    )


SESSION_HELP = "an id, a unique id prefix or a title"


def add_command(commands, name: str, help: str) -> argparse.ArgumentParser:
    """A subcommand whose own --help opens with what it does, as `fieldnote --help` says it."""
    return commands.add_parser(name, help=help, description=f"{help[0].upper()}{help[1:]}.")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="fieldnote",
        description="Keyboard-first notes for customer interviews. "
        "With no command, opens the sessions screen.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"fieldnote {__version__}",
        help="print the version and exit",
    )
    add_keymap_option(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = add_command(commands, "demo", help="open the sample studies in a demo data folder")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo folder first")
    demo.add_argument("--as", dest="author", help="your name on new notes")
    add_keymap_option(demo)

    new = add_command(commands, "new", help="create a session; prints its id")
    new.add_argument("title", help='the session\'s name, e.g. "Onboarding study - P7"')
    new.add_argument("--participant", default="", help='who is interviewed, e.g. "P7 (ops lead)"')
    new.add_argument("--guide", type=Path, help="the question guide, in Markdown")
    new.add_argument("--goal", default="", help="the research goal, one sentence")
    new.add_argument("--study", default="", help="the study the session belongs to")

    open_ = add_command(commands, "open", help="open a session in the interview screen")
    open_.add_argument("session", help=SESSION_HELP)
    open_.add_argument("--as", dest="author", help="your name on the notes you type")
    add_keymap_option(open_)

    pair = add_command(
        commands,
        "pair",
        help="open a session twice, side by side in a new tmux window, one per person",
    )
    pair.add_argument("session", help=SESSION_HELP)
    pair.add_argument("--as", dest="author", help="your name (the left pane)")
    pair.add_argument("--with", dest="partner", required=True, help="the other person's name")
    add_keymap_option(pair)

    code = add_command(
        commands, "code", help="open the tagging screen (one session, its study, or every session)"
    )
    code.add_argument("session", nargs="?", help=f"{SESSION_HELP}; omit for all")
    code.add_argument(
        "--study",
        action="store_true",
        help="every session of SESSION's study (its `study`), or of the study SESSION names",
    )
    code.add_argument("--as", dest="author", help="your name: the coder of your codings")
    code.add_argument(
        "--blind", action="store_true", help="show only your own codings (o toggles it)"
    )
    add_keymap_option(code)

    analyse = add_command(
        commands, "analyse", help="open the analysis screen (one study, or every session)"
    )
    analyse.add_argument("--study", help="the study to analyse; omit for every session")
    analyse.add_argument(
        "--as", dest="author", help="your name: the coder of what you tag from the evidence"
    )
    add_keymap_option(analyse)

    report = add_command(
        commands,
        "report",
        help="write a study's synthesis as Markdown or a self-contained HTML file",
    )
    report.add_argument("--study", help="the study to report on; omit for every session")
    report.add_argument(
        "--format",
        choices=("md", "html"),
        default="md",
        dest="fmt",
        help="md (the default) or html",
    )
    report.add_argument("-o", "--output", type=Path, help="the file to write; stdout otherwise")
    report.add_argument("--force", action="store_true", help="replace an existing file")

    add_command(commands, "list", help="list the sessions")

    rename = add_command(
        commands,
        "rename-speaker",
        help="rename a speaker or participant in a session (onto an existing name: merge them)",
    )
    rename.add_argument("session", help=SESSION_HELP)
    rename.add_argument("old", metavar="OLD", help="the name used now")
    rename.add_argument("new", metavar="NEW", help="the name to use")

    note = add_command(commands, "note", help="append one note from a script or another shell")
    note.add_argument("session", help=SESSION_HELP)
    note.add_argument("text", help="the note; - reads it from stdin (for long notes)")
    note.add_argument(
        "--as", dest="author", help="your name on the note (your login name otherwise)"
    )

    restore = add_command(
        commands,
        "restore",
        help="put the notes and tag changes of a rescue file (fieldnote-unsaved-*.json) back "
        "into their sessions",
    )
    restore.add_argument("file", type=Path, help="the rescue file a quit or a crash wrote")
    restore.add_argument("--as", dest="author", help="the author of rescued drafts")

    repair = add_command(
        commands,
        "repair",
        help="make a session with a damaged journal readable, keeping every readable note",
    )
    repair.add_argument("session", help=SESSION_HELP)

    add_team_commands(commands)
    add_recording_commands(commands)
    add_exchange_commands(commands)
    add_sync_commands(commands)

    lint = add_command(
        commands,
        "lint",
        help="check guides for closed, leading, hypothetical, double and pitching questions; "
        "exits 1 when anything is flagged, 2 when a guide cannot be read",
    )
    lint.add_argument("guides", type=Path, nargs="+", metavar="GUIDE", help="a guide in Markdown")

    keys = add_command(
        commands,
        "keys",
        help="print the effective key bindings (under each screen: id, keys, description)",
    )
    add_keymap_option(keys)
    keys.add_argument(
        "--toml", action="store_true", help="print them as a keymap file to start your own from"
    )
    parser.commands = dict(commands.choices)
    return parser


def add_team_commands(commands) -> None:
    tag = add_command(commands, "tag", help="apply (or remove) your codings of tags to one note")
    tag.add_argument("session", help=SESSION_HELP)
    tag.add_argument("note", help="the note's id or a unique id prefix (fieldnote note prints it)")
    tag.add_argument(
        "tags", nargs="+", metavar="TAG", help="a tag, / for a level (pain/onboarding)"
    )
    tag.add_argument("--as", dest="author", help="the coder (your login name otherwise)")
    tag.add_argument("--remove", action="store_true", help="remove your codings instead")
    tag.add_argument(
        "--new-tag",
        action="store_true",
        help="create a tag even where one differs from it only in case, accents or separators",
    )
    agree = add_command(
        commands,
        "agree",
        help="inter-coder agreement: kappa, alpha and the disagreements, per code",
    )
    agree.add_argument("sessions", nargs="*", metavar="SESSION", help="ids, id prefixes or titles")
    agree.add_argument("--study", help="every session of this study")
    agree.add_argument("--coders", nargs="+", metavar="NAME", help="who to compare (default all)")
    agree.add_argument(
        "--format",
        choices=("text", "md", "csv", "json"),
        default="text",
        dest="fmt",
        help="text (the default), md, csv or json",
    )


def add_recording_commands(commands) -> None:
    attach = add_command(
        commands,
        "attach",
        help="attach an interview's transcript (.vtt, .srt, plain text) and media to its live "
        "session",
    )
    attach.add_argument("session", help=SESSION_HELP)
    attach.add_argument(
        "transcript",
        type=_named_path,
        metavar="TRANSCRIPT",
        help="a .vtt, .srt or plain-text transcript",
    )
    attach.add_argument(
        "--media",
        type=Path,
        metavar="FILE",
        help="the audio or video file (without it, the one attached before stays)",
    )
    attach.add_argument(
        "--offset",
        metavar="SECONDS",
        help="the recording's time when the interview clock read 0 (90, 1:30, -0:45); "
        "the session's recording offset otherwise",
    )
    for name, what in (
        ("align", "print each note with the transcript cue it belongs to"),
        ("quotes", "check each quote against the attached transcript's verbatim"),
    ):
        command = add_command(commands, name, help=what)
        command.add_argument("session", help=SESSION_HELP)
        command.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            dest="fmt",
            help="text (the default) or json",
        )


def add_exchange_commands(commands) -> None:
    export = add_command(
        commands, "export", help="export sessions as Markdown, CSV, JSON or REFI-QDA (.qdpx, .qdc)"
    )
    export.add_argument("sessions", nargs="*", metavar="SESSION", help="ids, id prefixes or titles")
    export.add_argument("--study", help="every session of this study")
    export.add_argument("--all", dest="every", action="store_true", help="every session")
    export.add_argument(
        "--format",
        required=True,
        choices=["md", "csv", "json", "qdpx", "qdc"],
        dest="fmt",
        help="md, csv, json, qdpx (a REFI-QDA project, needs -o) or qdc (the codebook alone)",
    )
    export.add_argument(
        "-o", "--output", type=Path, help="the file to write; text formats go to stdout without it"
    )
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.add_argument(
        "--pseudonymise", action="store_true", help="participants P1, P2 ..., authors I1, I2 ..."
    )
    import_ = add_command(
        commands,
        "import",
        help="import .json, .qdc, .qdpx, or a transcript (.vtt, .srt, plain text)",
    )
    import_.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a Fieldnote .json export, a REFI-QDA .qdc or .qdpx, or a transcript",
    )
    import_.add_argument("--study", help="the study the imported sessions belong to")
    import_.add_argument("--participant", help="which transcript speaker is the participant")
    import_.add_argument(
        "--speaker",
        action="append",
        default=[],
        metavar="LABEL=NAME",
        help='give a speaker label one name, e.g. "Mr Praline=Praline" (repeatable)',
    )


def add_sync_commands(commands) -> None:
    sync = add_command(
        commands,
        "sync",
        help="share the data folder on git: `sync init [--remote URL]`, `sync` (commit, fetch, "
        "merge, push), `sync status`",
    )
    sync.add_argument("action", nargs="?", choices=("init", "status"), help="omit to sync now")
    sync.add_argument("--remote", metavar="URL", help="with init: the git remote to share through")
    sync.add_argument("--as", dest="author", help="your name on the commits")
    driver = add_command(
        commands, "merge-driver", help="git's merge driver for study files (set up by `sync init`)"
    )
    for name, what in (
        ("base", "the common ancestor's version (git's %%O)"),
        ("ours", "our version, where the merge is written (%%A)"),
        ("theirs", "their version (%%B)"),
    ):
        driver.add_argument(name, type=Path, help=what)
    driver.add_argument("path", help="the file's path in the study (%%P)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help and --version end here, importing nothing
    # Ended by `kill` (or a job control's TERM), a command unwinds as it does on Ctrl-C: an
    # export's temp file is removed and a forked helper ended, instead of left behind. The
    # app sets its own handler when it starts (it saves every note first).
    try:
        previous = signal.signal(signal.SIGTERM, _end_on_term)
    except ValueError:  # called from a thread other than the main one (a test's)
        previous = None
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    try:
        code = COMMANDS[args.command or "home"](args)
        with stdout_checked():  # a pipe whose reader went away is met here, not at exit
            sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The pipe's reader went away (`fieldnote list | head`): what is left is unwanted.
        # Standard output goes to /dev/null, so flushing it at exit fails no more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if not isinstance(error, _reported_errors()):
            raise
        for line in str(error).splitlines():  # a keymap's mistakes: one line each
            warn(line)
        return EXIT_FAILED


def _end_on_term(number: int, _frame: object) -> None:
    raise SystemExit(128 + number)


REPORTED_ERRORS = (
    ("tui.store.errors", "StoreError"),
    ("tui.domain.guide", "GuideError"),
    ("tui.services.keymap", "KeymapError"),
)
"""The errors a command reports as the sentence they hold, by module and name."""


def _reported_errors() -> tuple[type[Exception], ...]:
    """`UserError` and those of `REPORTED_ERRORS` whose module the command imported: an error
    of a module never imported cannot have been raised, and importing the guide parser and the
    keymap just to name their errors cost every command 25 ms."""
    found = [
        getattr(sys.modules[module], name)
        for module, name in REPORTED_ERRORS
        if module in sys.modules
    ]
    return (UserError, *found)


def _store(*, app: bool = False) -> DataStore:
    """The data folder. A rename, merge or delete of a tag that a killed process left half
    made is finished first, with a line saying so, before a command reads (or exports)
    sessions that would split one tag in two; for a command that opens the `app`, the app
    does it, with a notice (a line printed here, its first frame would wipe)."""
    from tui.store import DataStore

    store = DataStore.from_environment()
    if not app and store.tag_changes_left():
        from tui.services.codebook import finish_cut_short

        for sentence, _ in finish_cut_short(store):
            say(sentence, err=True)
    return store


def _keymap_loader(args: argparse.Namespace | None):
    """Loads the keymap --keymap or the config chose; the app calls it again to reload."""
    from functools import partial

    from tui.services.keymap import load_keymap

    return partial(load_keymap, getattr(args, "keymap", None))


FRAMES_PER_SECOND = 240
GIL_SWITCH_SECONDS = 0.001


def _run_app(
    store: DataStore,
    author: str,
    session_id: str | None = None,
    *,
    args: argparse.Namespace | None = None,
    tagging: tuple[str, str | None] | None = None,
    analysis: str | None = None,
    blind: bool = False,
) -> int:
    if session_id is None:
        _read_ahead(
            store, digests=analysis is not None, light=tagging is not None and analysis is None
        )
    loader = _keymap_loader(args)
    # A mistake in a keymap must not keep a note-taker out of an interview: the bindings it
    # touches keep their default keys, and it is said here and on the screen.
    keymap = loader(lenient=True)
    for problem in keymap.problems:
        warn(problem)
    if keymap.problems:
        warn("Opening with the default keys for those; fix them and run `fieldnote keys`.")
    # Textual draws a change at the next tick of a frame clock (60 a second by default): a key
    # landing just after a frame (the clock, the cursor's blink) waited up to 17 ms to show.
    # Frames are only drawn when something changed, so a faster clock costs nothing idle.
    os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
    # The writer, watcher and reader threads hand the GIL back to the UI thread within 1 ms
    # rather than Python's default 5 ms: an Enter's frame was seen waiting on a write that way.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    from tui.app import FieldnoteApp

    app = FieldnoteApp(
        store,
        author=author,
        session_id=session_id,
        keymap=keymap,
        keymap_loader=loader,
        tagging=tagging,
        analysis=analysis,
        blind=blind,
    )
    app.run()
    if app.rescued_to:
        count, path = app.rescued_to
        warn(
            f"{count} unsaved change(s) were written to {path}; once the data folder takes "
            f"writes again, fieldnote restore {path} puts them back."
        )
    return app.return_code or 0


def _read_ahead(store: DataStore, digests: bool, light: bool = False) -> None:
    """A cold study index's second reader, forked before the app's or the report's modules
    are imported (over 100 ms, which it spends reading): `StudyIndex.stand_by`, which the app
    calls again itself once it is made (that call then finds this reader)."""
    from tui.services.study_index import study_index

    study_index(store).stand_by(digests=digests, light=light)


def cmd_home(args: argparse.Namespace) -> int:
    return _run_app(_store(app=True), default_author(), args=args)


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil

    from tui.services.exchange.samples import load_study, sample_studies

    home = demo_home()
    if args.reset and home.exists():
        shutil.rmtree(home)
    from tui.store import DataStore

    store = DataStore(home)
    if not store.list_sessions()[0]:
        studies = sample_studies()
        if not studies:
            raise UserError("no sample studies are installed; reinstall Fieldnote.")
        for study in studies:
            load_study(store, study)
    summaries, _ = store.list_sessions()
    say(f"Demo data folder: {home}", err=True)
    # The sessions screen first: a newcomer sees every sample and chooses one.
    author = (
        _author(args, None)
        or store.open_session(summaries[0].id).read().session.get("interviewers", ["me"])[0]
    )
    return _run_app(store, author, args=args)


def cmd_new(args: argparse.Namespace) -> int:
    from tui.services.session_setup import create_session, read_guide

    if not args.title.strip():
        raise UserError("the title is empty; give the session a name.")
    # Each is one line wherever it is shown (as the new-session form's fields are).
    title, participant, goal, study = map(
        clean_name, (args.title, args.participant, args.goal, args.study)
    )
    guide = None
    if args.guide is not None:
        try:
            guide = read_guide(args.guide)
        except OSError as error:
            raise UserError(f"cannot read the guide {args.guide}: {error.strerror}.") from None
    session_id = create_session(
        _store(), title=title, participant=participant, goal=goal, guide=guide, study=study
    )
    if guide is not None:
        # Advice, not a refusal: the interview may already be scheduled.
        try:
            _print_findings(args.guide, guide, _lint_rules(), err=True)
        except UserError as error:
            warn(f"warning: {error}")
    say(session_id)
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    store = _store(app=True)
    session_id = store.resolve(args.session, loose=True)
    store.open_session(session_id)  # an unreadable file is reported here, before the UI starts
    return _run_app(store, _author(args), session_id, args=args)


def cmd_pair(args: argparse.Namespace) -> int:
    from tui.services.tmux import TmuxError, open_pair

    store = _store()
    session_id = store.resolve(args.session, loose=True)
    title = store.open_session(session_id).read().session.get("title", "")
    author = _author(args)
    if not args.partner.strip():
        raise UserError("--with is empty; give the other person's name.")
    if args.partner.strip() == author:
        raise UserError("--with names yourself; give the other person's name.")
    keymap = getattr(args, "keymap", None)
    extra = ["--keymap", keymap] if keymap else []
    try:
        open_pair(session_id, title, (author, args.partner.strip()), extra=extra)
    except TmuxError as error:
        raise UserError(str(error)) from None
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    store = _store(app=True)
    if args.session is None:
        if args.study:
            raise UserError("--study needs a SESSION whose study to open; name one.")
        scope, session_id = "all", None
        if not store.session_paths():  # no file is read: the screen reads them
            raise UserError("there are no sessions to tag yet; create one with fieldnote new.")
    else:
        session_id = _code_session(store, args.session, study=args.study)
        store.open_session(session_id)  # an unreadable file is reported before the UI starts
        scope = "study" if args.study else "session"
    return _run_app(store, _author(args), args=args, tagging=(scope, session_id), blind=args.blind)


def _code_session(store: DataStore, ref: str, *, study: bool) -> str:
    """The session `fieldnote code` opens on: the one `ref` names; with --study, where `ref`
    names no one session, a session of the study of that name (as `agree`, `analyse` and
    `export --study NAME` take a study's name)."""
    from tui.store.errors import AmbiguousSessionError, SessionNotFoundError

    try:
        return store.resolve(ref, loose=True)
    except (SessionNotFoundError, AmbiguousSessionError):
        if not study:
            raise
        wanted = ref.strip().casefold()
        summaries, _ = store.list_sessions()
        named = [s.id for s in summaries if s.study and s.study.casefold() == wanted]
        if not named:
            from tui.services.study_index import no_study_named

            known = (s.study for s in summaries)
            raise UserError(
                f"No session matches '{visible(ref)}', and {no_study_named(ref, known)}"
            ) from None
        return named[-1]  # the oldest: the study opens at its top


def _study(store: DataStore, name: str | None) -> str:
    """The study named on the command line as the data folder spells it; "" for none given."""
    from tui.services.analysis import studies
    from tui.services.study_index import no_study_named

    if name is None:
        if not store.session_paths():  # no file is read: the screen reads them
            raise UserError("there are no sessions to analyse yet; create one with fieldnote new.")
        return ""
    known = studies(store)
    wanted = name.strip().casefold()
    for study in known:
        if study.casefold() == wanted:
            return study
    raise UserError(no_study_named(name, known))


def cmd_analyse(args: argparse.Namespace) -> int:
    store = _store(app=True)
    study = _study(store, args.study)
    return _run_app(store, _author(args), args=args, analysis=study)


def cmd_report(args: argparse.Namespace) -> int:
    store = _store()
    _read_ahead(store, digests=True)
    from tui.domain.clock import utc_now
    from tui.services.analysis import StudyAnalysis
    from tui.services.exchange.errors import ExchangeError
    from tui.services.exchange.output import is_stream, write_export
    from tui.services.report import render

    service = StudyAnalysis(store, _study(store, args.study) or None)
    try:
        view = service.refresh(force=True)
    finally:
        service.close()
    if view.problems:
        # A report that silently lacks sessions would be read as the whole study.
        for problem in view.problems:
            warn(f"left out: {problem}")
        raise UserError(
            f"{len(view.problems)} file(s) could not be read (above), so no report was made; "
            "do what each line above says, and report again."
        )
    text = render(view, args.fmt, utc_now())
    if args.output is None:
        say(text, end="")
        return 0
    try:
        path = write_export(args.output, text.encode("utf-8"), force=args.force, command="report")
    except ExchangeError as error:
        raise UserError(str(error)) from None
    if not is_stream(path):  # its name, for a script; not after the report in the stream
        say(str(path))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from tui.services.study_index import study_index

    scan = study_index(_store()).refresh(light=True)
    summaries, problems = scan.summaries(), scan.problems
    for s in summaries:
        coded = f"{round(100 * s.coded_count / s.note_count)}%" if s.note_count else "-"
        notes = "note " if s.note_count == 1 else "notes"
        # One line per session, whatever a file holds: a line break in a field shows as ⏎,
        # and a field longer than a line is cut with an ellipsis.
        who = f"  ({cut(s.participant, LISTED_CELLS // 2)})" if s.participant else ""
        counts = f"{s.note_count:>5} {notes}  {coded:>4} coded"
        say(f"{s.id[:8]}  {s.created_at[:10]}  {counts}  {cut(s.title, LISTED_CELLS)}{who}")
    for problem in problems:
        # A session's file by its short id as above; any other file by its whole name. A
        # journal's line is said to be the journal's, not the session file's.
        journal = problem.path.name.endswith(".json.journal")
        stem = problem.path.name.removesuffix(".journal").removesuffix(".json")
        name = stem[:8] if re.fullmatch("[0-9a-f]{32}", stem) else stem
        whose = f"{name}'s journal" if journal else name
        say(f"{whose}  unreadable: {problem.problem}")
    for problem in problems:
        warn(str(problem))
    if not summaries and not problems:
        say("No sessions yet. Create one with: fieldnote new TITLE --participant NAME", err=True)
    return EXIT_FAILED if problems else 0


def cmd_note(args: argparse.Namespace) -> int:
    from tui.domain.notes import MAX_NOTE_CHARS, overlong_tags
    from tui.services.session_setup import append_note_now

    too_long = (
        f"the note is more than the {MAX_NOTE_CHARS:,} characters a note holds; nothing was "
        "added. Split it, or attach a transcript with fieldnote attach."
    )
    if args.text == "-":
        cap = 4 * MAX_NOTE_CHARS + 1  # UTF-8 bytes of the longest note, and one more
        raw = sys.stdin.buffer.read(cap + 1)  # a longer one is refused, not read whole
        if len(raw) > cap:
            raise UserError(too_long)
        try:
            args.text = raw.decode("utf-8").removesuffix("\n")
        except UnicodeDecodeError:
            raise UserError("the note on stdin is not UTF-8 text; nothing was added.") from None
    if not args.text.strip():
        raise UserError("the note is empty; nothing was added.")
    if len(args.text) > MAX_NOTE_CHARS:
        raise UserError(too_long)
    if not args.text.isprintable() and any("\ud800" <= ch <= "\udfff" for ch in args.text):
        raise UserError("the note is not valid UTF-8 text; check the shell's encoding.")
    from tui.domain.tags import tag_limit_problem

    for tag in overlong_tags(args.text):  # refused here; typed live, the word stays text
        raise UserError(f"{tag_limit_problem(tag)} Nothing was added.")
    store = _store()
    note, codebook_problem = append_note_now(
        store, store.resolve(args.session), args.text, _author(args)
    )
    say(note.id)
    if codebook_problem is not None:
        saved = "the note is saved, but its tags were not counted in the codebook"
        warn(f"{saved}: {codebook_problem}")
    return 0


def cmd_rename_speaker(args: argparse.Namespace) -> int:
    from tui.services.speakers import RenameError, rename_speaker

    store = _store()
    session_id = store.resolve(args.session)
    try:
        renamed = rename_speaker(store, session_id, args.old, args.new)
    except RenameError as error:
        raise UserError(str(error)) from None
    say(renamed.summary())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from tui.domain.clock import utc_now
    from tui.services.rescue import RescueError, restore_rescue

    try:
        restored = restore_rescue(_store(), args.file, _author(args), utc_now())
    except RescueError as error:
        raise UserError(str(error)) from None
    for dropped in restored.dropped:
        warn(dropped)
    say(
        f"Put back {restored.notes} note(s), {restored.changes} tag change(s) and "
        f"{restored.drafts} draft(s) from {args.file}; delete it once the session shows them "
        "(restoring it again changes nothing)."
    )
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    store = _store()
    repair = store.repair_session(store.resolve(args.session))
    if not repair.kept:
        say(f"{repair.path} reads as it is; nothing was changed.")
        return 0
    say(
        f"Repaired {repair.path}: {repair.replayed} journal line(s) kept, "
        f"{repair.skipped} damaged line(s) left out, {repair.duplicates} earlier copy(ies) "
        f"of a note stored twice left out; the originals are kept as "
        f"{' and '.join(str(p) for p in repair.kept)}."
    )
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    from tui.domain.clock import to_iso, utc_now
    from tui.services.team.note_coding import code_note

    store = _store()
    coder = _author(args)
    done = code_note(
        store,
        store.resolve(args.session),
        args.note,
        args.tags,
        coder,
        to_iso(utc_now()),
        remove=args.remove,
        new_tag=args.new_tag,
    )
    verb = "removed" if args.remove else "applied"
    if done.changed:
        say(f"{done.note_id[:12]}  {verb} {' '.join('#' + t for t in done.changed)} as {coder}")
    if done.unchanged:
        what = "not coded by" if args.remove else "already coded by"
        warn(f"{' '.join('#' + t for t in done.unchanged)} {what} {coder}; left as it was.")
    return 0


def cmd_agree(args: argparse.Namespace) -> int:
    from tui.services.team.agreement import compute, load, study_sessions
    from tui.services.team.agreement_output import render

    store = _store()
    if bool(args.sessions) == bool(args.study):
        raise UserError("name the sessions to compare, or give --study NAME (one of the two).")
    ids = (
        study_sessions(store, args.study)
        if args.study
        else list(dict.fromkeys(store.resolve(ref) for ref in args.sessions))
    )
    coders = [c.strip() for c in args.coders or [] if c.strip()] or None
    result = compute(load(store, ids), coders)
    for problem in result.problems:
        warn(f"left out: {problem}")
    say(render(result, args.fmt), end="")
    return EXIT_FAILED if result.problem is not None else 0


def _named_path(value: str) -> Path:
    """A path argument that names something: an empty one read as the current folder, and
    `attach X ""` said it could not attach `.`."""
    if not value.strip():
        raise argparse.ArgumentTypeError("it is empty; name the file")
    return Path(value)


def cmd_attach(args: argparse.Namespace) -> int:
    from tui.domain.clock import utc_now
    from tui.domain.notes import parse_elapsed
    from tui.services.recording import RecordingError, attach

    offset = None
    if args.offset is not None:
        try:
            offset = parse_elapsed(args.offset)
        except ValueError as error:
            raise UserError(f"--offset: {error}") from None
    store = _store()
    try:
        done = attach(
            store,
            store.resolve(args.session),
            args.transcript,
            media=args.media,
            keep_media=True,
            offset=offset,
            now=utc_now(),
        )
    except RecordingError as error:
        raise UserError(str(error)) from None
    say(done.summary())
    for notice in done.notices:
        warn(notice)
    return 0


def _recording(args: argparse.Namespace):
    from tui.services.recording import load

    store = _store()
    session_id = store.resolve(args.session)
    loaded = load(store, session_id)
    if loaded is None:
        raise UserError(
            f"no transcript is attached to session {session_id[:8]}; attach one with "
            "fieldnote attach SESSION TRANSCRIPT."
        )
    return loaded


def cmd_align(args: argparse.Namespace) -> int:
    from tui.services.recording import render_align

    say(render_align(_recording(args), args.fmt), end="")
    return 0


def cmd_quotes(args: argparse.Namespace) -> int:
    from tui.services.recording import render_quotes

    say(render_quotes(_recording(args), args.fmt), end="")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from tui.services.exchange.errors import ExchangeError
    from tui.services.exchange.exporting import FORMATS, export_to
    from tui.services.exchange.output import Spool, SpoolError, spool_problem, write_export
    from tui.services.exchange.study import select_sessions

    store = _store()
    fmt = FORMATS[args.fmt]
    notices: list[str] = []

    def export_into(out) -> None:
        study = export_to(store, ids, args.fmt, out, pseudonymised=args.pseudonymise)
        notices.extend(study.notices)

    try:
        if fmt.binary and args.output is None:
            raise ExchangeError(
                f"A .{fmt.extension} file is binary and cannot go to the terminal; "
                "give a file with -o."
            )
        if args.fmt == "qdc" and not (args.sessions or args.study or args.every):
            ids = []  # the codebook alone
        else:
            ids = select_sessions(store, args.sessions, study=args.study, every=args.every)
        if args.output is None:
            # Whole or not at all: a session that cannot be read fails the export before
            # anything is printed. The export waits in a temporary file, not in memory.
            try:
                with Spool() as spool:
                    export_into(spool)
                    spool.seek(0)
                    _write_stdout(spool)
            except SpoolError as error:
                raise ExchangeError(spool_problem(error, "export")) from None
            for notice in notices:
                warn(notice)
            return 0
        path = write_export(args.output, export_into, force=args.force)
    except ExchangeError as error:
        raise UserError(str(error)) from None
    what = f"{len(ids)} session(s)" if args.fmt != "qdc" else "the codebook"
    say(f"Exported {what} to {path}.", err=True)
    for notice in notices:
        warn(notice)
    return 0


def _write_stdout(export: BinaryIO) -> None:
    """The export as it is into a pipe; on a terminal through `say`, so an escape sequence
    inside a note cannot act on the terminal."""
    import shutil

    with stdout_checked():
        if sys.stdout.isatty():
            say(export.read().decode("utf-8"), end="")
            return
        sys.stdout.flush()
        shutil.copyfileobj(export, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def cmd_import(args: argparse.Namespace) -> int:
    from tui.domain.clock import utc_now
    from tui.services.exchange.errors import ExchangeError
    from tui.services.exchange.importing import import_files, speaker_names

    try:
        result = import_files(
            _store(),
            args.paths,
            now=utc_now(),
            study=args.study,
            participant=args.participant,
            speakers=speaker_names(args.speaker),
        )
    except ExchangeError as error:
        raise UserError(str(error)) from None
    for notice in result.notices:
        warn(notice)
    for session_id, title, notes in result.sessions:
        say(f"{session_id}  {notes:>5} notes  {cut(title, LISTED_CELLS)}")
    added = f", {len(result.tags_added)} new tag(s)" if result.tags_added else ""
    say(f"Imported {len(result.sessions)} session(s){added}.", err=True)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from tui.services.sync.study import Study, settle_them, shown_url

    if args.remote is not None and args.action != "init":
        raise UserError("--remote goes with `fieldnote sync init`; run that to set the remote.")
    if args.remote is not None and not args.remote.strip():
        # An unset shell variable, as with --as: not a request for no remote.
        raise UserError(
            "--remote is empty; give the git remote's URL or path, or leave --remote out to "
            "keep the study here for now."
        )
    study = Study(_store().home, _author(args))
    if args.action == "status":
        status = study.status()
        if status.remote is None:
            say(
                "No remote: this study is only here. Add one with: fieldnote sync init --remote URL"
            )
        else:
            say(f"Remote: {shown_url(status.remote)}")
            if status.unreachable is not None:
                say(
                    f"Not reachable now ({status.unreachable}): the counts are as of the last "
                    f"fetch; {status.way_out}."
                )
            say(f"{status.ahead} commit(s) to push, {status.behind} to pull.")
        say(f"{status.changed_here} file(s) changed here since the last sync.")
        for line in status.conflicts:
            say(f"undecided: {line}")
        if status.conflicts:
            settle = settle_them(_settle_key(args))
            say(f"{settle[:1].upper()}{settle[1:]}.")
        return 0
    outcome = study.init(args.remote) if args.action == "init" else study.sync()
    say(outcome.summary(_settle_key(args) if outcome.conflicts else ""), err=True)
    for line in outcome.conflicts:
        say(f"undecided: {line}")
    return 0


def _settle_key(args: argparse.Namespace) -> str:
    """The key that opens the undecided values on the sessions screen, in the user's keymap."""
    keys = _keymap_loader(args)(lenient=True).keys["home.undecided"]
    return keys.split(",")[0].strip()


def cmd_merge_driver(args: argparse.Namespace) -> int:
    from tui.services.sync.driver import merge_files

    try:
        merge_files(args.base, args.ours, args.theirs, args.path)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot merge {args.path} by document id ({error}).") from None
    return 0


def _lint_rules():
    from tui.services.guide_lint import LintRulesError, load_rules, team_rules_folder

    try:
        return load_rules(team_rules_folder()).rules
    except LintRulesError as error:
        raise UserError(str(error)) from None


def _print_findings(path: Path, guide, rules, *, err: bool = False) -> int:
    """`GUIDE.md:LINE:COL: RULE: reason; try: rewrite`, one line per finding, in the order of
    the file (two rules on one question left to right, as an editor lists them)."""
    from tui.services.guide_lint import lint_guide

    found = sorted(lint_guide(guide, rules), key=lambda item: (item.line, item.column))
    for item in found:
        say(f"{path}:{item.line}:{item.column}: {item.finding.advice()}", err=err)
    return len(found)


def cmd_lint(args: argparse.Namespace) -> int:
    from tui.domain.guide import GuideError
    from tui.services.session_setup import read_guide

    try:
        rules = _lint_rules()
    except UserError as error:
        warn(str(error))
        return EXIT_UNREADABLE
    unreadable = flagged = 0
    for path in args.guides:
        try:
            guide = read_guide(path)
        except OSError as error:
            unreadable += 1
            warn(f"cannot read the guide {path}: {error.strerror}; check the path.")
            continue
        except GuideError as error:
            unreadable += 1
            warn(str(error))
            continue
        flagged += _print_findings(path, guide, rules)
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_FLAGGED if flagged else 0


def cmd_keys(args: argparse.Namespace) -> int:
    from tui.services.keymap import keymap_rows, keymap_toml, sources_text

    keymap = _keymap_loader(args)()
    for warning in keymap.warnings:
        warn(f"warning: {warning}")
    if args.toml:
        say(keymap_toml(keymap), end="")
        return 0
    rows = keymap_rows(keymap)
    # Each screen a heading over its keys: as a column its longest name made every line
    # wrap in an 80-column terminal.
    widths = [max(len(row[i]) for row in rows) for i in (1, 2)]
    screen = None
    for title, binding_id, keys, description in rows:
        if title != screen:
            screen = title
            say(title)
        say(f"  {binding_id.ljust(widths[0])}  {keys.ljust(widths[1])}  {description}")
    say(f"Keys from: {sources_text(keymap)}. Your own keys go in {keymap.own}.", err=True)
    return 0


COMMANDS = {
    "rename-speaker": cmd_rename_speaker,
    "home": cmd_home,
    "demo": cmd_demo,
    "new": cmd_new,
    "open": cmd_open,
    "pair": cmd_pair,
    "code": cmd_code,
    "analyse": cmd_analyse,
    "report": cmd_report,
    "list": cmd_list,
    "note": cmd_note,
    "restore": cmd_restore,
    "repair": cmd_repair,
    "tag": cmd_tag,
    "agree": cmd_agree,
    "export": cmd_export,
    "attach": cmd_attach,
    "align": cmd_align,
    "quotes": cmd_quotes,
    "import": cmd_import,
    "lint": cmd_lint,
    "keys": cmd_keys,
    "sync": cmd_sync,
    "merge-driver": cmd_merge_driver,
}
