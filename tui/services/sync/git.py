"""The `git` command, run on the data folder: every call and every failure as one sentence.

Fieldnote runs the git a user already has rather than a library (pygit2, dulwich): it reads
the user's own configuration, credentials and ssh keys for any remote, supports every
transport, and a study folder stays an ordinary repository that any git tool understands.
"""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
from pathlib import Path

from tui.store.errors import StoreError


class SyncError(StoreError):
    """Sync could not go on; one sentence with what to do. The local data is as it was."""


NO_GIT = (
    "Fieldnote syncs with git, which is not installed or not on PATH; install git "
    "(for example `apt install git`) and run the command again."
)


DISK_FULL_SAID = b"No space left on device"
"""What git says of a full disk (it runs with LC_ALL=C)."""
DISK_FULL = (
    "The disk holding the study is full, so git could not write to it; free some space and "
    "run `fieldnote sync` again, nothing was changed."
)


REPOSITORY_VARIABLES = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIR",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)
"""What `git rev-parse --local-env-vars` lists: the variables that point git at a repository.
git sets them for its hooks (and some keep GIT_DIR exported); inherited, they outweigh `-C`
and the sync would commit the study into that other repository."""


IDENTITY_STRIPPED = ".,:;<>\"\\' \t\n"


BATCH_SSH = "ssh -o BatchMode=yes"
"""The ssh a sync run from the app uses when the user set none: it fails rather than ask."""
REFUSED_SAID = (
    b"Authentication failed",
    b"Invalid username or password",
    b"returned error: 403",
    b"Permission denied (publickey",
)
"""What git (over https) and ssh say (LC_ALL=C) when the remote was reached and refused who
asked: no network fault, no URL to change, and nothing a prompt could have answered."""
WOULD_ASK = (
    b"Host key verification failed",
    b"Permission denied (",
    b"read_passphrase: can't open /dev/tty",
    b"terminal prompts disabled",
)
"""What ssh says when it needed to ask about a host's key, a key's passphrase or a password
and could not, and what git says when an https remote wanted a user name and a password (or
a token) that no credential helper had and it could not ask for them."""
ANSWER_IN_A_SHELL = (
    "git must ask you something to reach the remote ({why}) and cannot under the app; run "
    "`fieldnote sync` in a shell once to answer (a git credential helper remembers a "
    "password or token), then sync here again; nothing was changed."
)


class Failure(enum.Enum):
    DISK_FULL = "disk full"
    REFUSED_CREDENTIALS = "refused credentials"
    WOULD_ASK = "would ask"
    OTHER = "other"


def failure(stderr: bytes) -> Failure:
    """Which sentence a failed git command gets, from what it said: the one place that decides,
    for the app's sync and the command line's alike. A refusal comes before a question: ssh
    says `Permission denied (publickey)` both for a key the remote refused and, in batch mode,
    for a key whose passphrase it could not ask; either way the key is what to check (one with
    a passphrase goes in ssh-agent), and no shell answers it once for good."""
    for kind, words in (
        (Failure.DISK_FULL, (DISK_FULL_SAID,)),
        (Failure.REFUSED_CREDENTIALS, REFUSED_SAID),
        (Failure.WOULD_ASK, WOULD_ASK),
    ):
        if any(said in stderr for said in words):
            return kind
    return Failure.OTHER


class Git:
    """Runs `git -C <data folder> ...` with a name and e-mail when the user has none set.

    With `prompts=False` (a sync run from the app) git and ssh never ask on the terminal the
    app draws on: no terminal to open, no stdin, no terminal prompt from git, ssh in batch
    mode unless the user set their own ssh command; a question git or ssh could not ask is a
    SyncError saying where to answer it. With `prompts=True` (the CLI) a person is there:
    git, its credential helpers and ssh ask on the terminal as they would for `git fetch`."""

    def __init__(self, home: Path, author: str, *, prompts: bool = True) -> None:
        self.home = Path(home)
        self.author = author
        self.prompts = prompts
        found = shutil.which("git")
        if found is None:
            raise SyncError(NO_GIT)
        self.exe = found
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in REPOSITORY_VARIABLES},
            "LC_ALL": "C",
            "LANGUAGE": "C",
        }
        self._identity: list[str] | None = None
        if not prompts:
            # A remote asking for a password fails at once rather than wait on the app's
            # terminal (git could not open it anyway: its run has no controlling terminal).
            self.env["GIT_TERMINAL_PROMPT"] = "0"
        if not prompts and not {"GIT_SSH_COMMAND", "GIT_SSH"} & self.env.keys():
            if not self.run("config", "--get", "core.sshCommand", check=False).stdout.strip():
                self.env["GIT_SSH_COMMAND"] = BATCH_SSH

    def identity(self) -> list[str]:
        """`-c user.name=... -c user.email=...` for whichever of them the user has not set."""
        if self._identity is None:
            options = []
            # git strips these (and spaces) from a name's ends, and refuses a name left empty.
            name = self.author if self.author.strip(IDENTITY_STRIPPED) else "fieldnote"
            for key, value in (
                ("user.name", name),
                ("user.email", f"{name.replace(' ', '.')}@fieldnote.invalid"),
            ):
                if not self.run("config", "--get", key, check=False).stdout.strip():
                    options += ["-c", f"{key}={value}"]
            self._identity = options
        return self._identity

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(
                [self.exe, "-C", str(self.home), *args],
                input=input,
                stdin=None if self.prompts or input is not None else subprocess.DEVNULL,
                capture_output=True,
                env={**self.env, **(env or {})},
                check=False,
                # Without a controlling terminal ssh cannot open /dev/tty under the app.
                start_new_session=not self.prompts,
            )
        except FileNotFoundError:
            raise SyncError(NO_GIT) from None
        except OSError as error:
            raise SyncError(
                f"git could not be started ({error.strerror}); check it runs."
            ) from None
        failed = failure(done.stderr) if done.returncode != 0 else None
        if failed is Failure.DISK_FULL:
            # Whatever the step, the one thing to do is the same (and git's own words, such
            # as "unpack-objects failed", would send a user looking at the network).
            raise SyncError(DISK_FULL)
        if failed is Failure.WOULD_ASK and not self.prompts:
            raise SyncError(ANSWER_IN_A_SHELL.format(why=reason(done.stderr)))
        if check and done.returncode != 0:
            command = _command(args)
            raise SyncError(
                f"git {command} failed ({reason(done.stderr)}); "
                "nothing was changed, run `fieldnote sync` again or check the repository."
            )
        return done

    def out(self, *args: str, input: bytes | None = None) -> str:
        return self.run(*args, input=input).stdout.decode("utf-8", "replace").strip()

    def commit_of(self, ref: str) -> str | None:
        done = self.run("rev-parse", "--verify", "-q", ref + "^{commit}", check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None


def _command(args: tuple[str, ...]) -> str:
    """The git command of `args`, past the `-c key=value` options before it."""
    while args[:1] == ("-c",):
        args = args[2:]
    return args[0] if args else "git"


def reason(stderr: bytes) -> str:
    """git's reason for a failure, short (shown through `visible` by the CLI): its first line
    that says something, without `fatal: ` or `error: `. What follows it is advice ("Please
    make sure you have the correct access rights / and the repository exists."), or a summary
    ("failed to push some refs") after a hook's own `remote:` words, never the cause."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line and not line.startswith(("hint:", "warning:", "To ")):
            return line.removeprefix("fatal: ").removeprefix("error: ")[:200]
    return "no message"
