"""Two data folders standing for two laptops, sharing a study through a bare git repository.

Each laptop runs the real `fieldnote` CLI in this process (its own `FIELDNOTE_HOME`); tags are
applied through the store, as codings with a coder (the coding contract), since tagging from
the command line is another command's work.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import tinydb

from tui.cli import main
from tui.domain.notes import tag_key
from tui.domain.tags import edit_changes
from tui.store import DataStore
from tui.store.storage import DUMP_OPTIONS


@dataclass
class Ran:
    code: int
    out: str
    err: str


def bare_remote(folder: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(folder)], check=True)
    return folder


def copy_of(template: Path, folder: Path) -> None:
    """`template` (a remote and the laptops' clones of it) copied into `folder`, each clone's
    remote pointed at the copied one: a study shared once a module and copied for each test,
    where `sync init` for two laptops took a third of a second."""
    shutil.copytree(template, folder, symlinks=True, dirs_exist_ok=True)
    for git_file in [*folder.glob("*/.git/config"), *folder.glob("*/.git/FETCH_HEAD")]:
        git_file.write_text(git_file.read_text().replace(str(template), str(folder)))


@contextlib.contextmanager
def environment(**values: str) -> Any:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Laptop:
    def __init__(self, home: Path, name: str) -> None:
        self.home, self.name = home, name

    def cli(self, *argv: str) -> Ran:
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        err = io.StringIO()
        with (
            environment(FIELDNOTE_HOME=str(self.home), FIELDNOTE_AUTHOR=self.name),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(list(argv))
        out.flush()
        return Ran(code, out.buffer.getvalue().decode(), err.getvalue())

    def ok(self, *argv: str) -> str:
        ran = self.cli(*argv)
        assert ran.code == 0, ran.err
        return ran.out

    def note(self, session_id: str, text: str) -> str:
        return self.ok("note", session_id, text, "--as", self.name).strip()

    def edit(self, session_id: str, note_id: str, text: str, at: str) -> None:
        """The note's text edited here at `at`, as the interview screen's edit writes it."""
        store = self.store()
        session = store.open_session(session_id)
        session.update_note(note_id, {"text": text, "edited_at": at})
        session.close()

    def sync(self) -> Ran:
        return self.cli("sync", "--as", self.name)

    def store(self) -> DataStore:
        return DataStore(self.home)

    def code(self, session_id: str, note_id: str, tag: str, at: str) -> None:
        """`tag` applied to a note by this laptop's coder, as the coding contract writes it."""
        store = self.store()
        session = store.open_session(session_id)

        def add(doc: dict[str, Any]) -> dict[str, Any]:
            codings = doc.get("codings")
            if codings is None:
                codings = [{"tag": t, "coder": "unknown", "at": None} for t in doc["tags"]]
            mine = (tag_key(tag), self.name)
            if any((tag_key(c["tag"]), c["coder"]) == mine for c in codings):
                return {}
            codings = [*codings, {"tag": tag, "coder": self.name, "at": at}]
            tags = list(dict.fromkeys(c["tag"] for c in codings))
            return {"codings": codings, "tags": tags}

        try:
            session.change_note(note_id, add)
            store.codebook.record_use([tag], at)
        finally:
            session.close()
            store.codebook.close()

    def rate(self, session_id: str, note_id: str, severity: int, at: str) -> None:
        """This laptop's coder rates a note, as the tagging screen's `+` writes it."""
        store = self.store()
        session = store.open_session(session_id)
        edit = {"rate": severity, "coder": self.name, "at": at}
        try:
            session.change_note(note_id, lambda doc: edit_changes(doc, edit))
        finally:
            session.close()
            store.codebook.close()

    def span(self, session_id: str, note_id: str, start: int, end: int, tag: str, at: str) -> str:
        store = self.store()
        session = store.open_session(session_id)
        excerpt_id = uuid.uuid4().hex
        try:
            session.add_excerpt(
                {
                    "id": excerpt_id,
                    "note_id": note_id,
                    "start": start,
                    "end": end,
                    "tags": [tag],
                    "codings": [{"tag": tag, "coder": self.name, "at": at}],
                    "severity": None,
                }
            )
            store.codebook.record_use([tag], at)
        finally:
            session.close()
            store.codebook.close()
        return excerpt_id

    def export(self) -> dict[str, Any]:
        return orjson.loads(self.ok("export", "--all", "--format", "json"))

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.home), *args], capture_output=True, check=True, text=True
        )
        return done.stdout

    def study_files(self) -> list[Path]:
        codebook = [self.home / "codebook.json"] if (self.home / "codebook.json").exists() else []
        return [*codebook, *sorted((self.home / "sessions").glob("*.json"))]


def assert_whole_and_plain(laptop: Laptop) -> None:
    """Every study file parses, holds no conflict marker, and plain TinyDB reads it with the
    same documents (no journal needed), written in the store's own format."""
    for path in laptop.study_files():
        raw = path.read_bytes()
        assert b"<<<<<<<" not in raw and b">>>>>>>" not in raw, path
        data = orjson.loads(raw)
        assert raw == orjson.dumps(data, option=DUMP_OPTIONS), f"{path} is not in store format"
        db = tinydb.TinyDB(path, access_mode="r")
        try:
            for table, docs in data.items():
                assert len(db.table(table).all()) == len(docs)
        finally:
            db.close()
