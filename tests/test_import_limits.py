"""Hostile files for `fieldnote import`, each written by the test: depth, huge times, lying
zips, giant members. Each gets one sentence, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tests.exchange_data import seed
from tui.cli import main
from tui.domain.tags import MAX_TAG_DEPTH, inline_name_problem, tag_depth_problem
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _run(home, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FIELDNOTE_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_tag_deeper_than_the_cap_is_refused_by_the_domain():
    assert tag_depth_problem("/".join(["a"] * MAX_TAG_DEPTH)) is None
    too_deep = "/".join(["a"] * (MAX_TAG_DEPTH + 1))
    assert f"at most {MAX_TAG_DEPTH} levels" in tag_depth_problem(too_deep)
    assert inline_name_problem(too_deep) == tag_depth_problem(too_deep)


def test_fieldnote_note_refuses_a_tag_of_1500_levels(tmp_path):
    home = tmp_path / "home"
    made = _run(home, "new", "Deep", "--participant", "Kim")
    assert made.returncode == 0, made.stderr
    deep = "#" + "/".join(["x"] * 1500)
    refused = _run(home, "note", "Deep", f"a note {deep}")
    assert refused.returncode != 0
    assert "at most 64 levels" in refused.stderr and "Nothing was added" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    listed = _run(home, "list")
    assert " 0 notes" in listed.stdout


def _study_json(tmp_path: Path) -> dict:
    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source), "json")
    source.codebook.close()
    return orjson.loads(data)


def _write_json(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "study.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def test_a_second_session_with_a_path_for_an_id_writes_nothing(tmp_path, store, capsys):
    doc = _study_json(tmp_path)
    doc["sessions"][1]["session"]["id"] = "../../evil"
    path = _write_json(tmp_path, doc)
    with pytest.raises(ExchangeError, match=r"study.json \(session 2\): its session id is not"):
        import_files(store, [path], now=NOW)
    assert not (tmp_path / "evil.json").exists() and store.list_sessions()[0] == []
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "nothing was imported" in err


@pytest.mark.parametrize(
    "table, field, value, said",
    [
        ("notes", "text", 5, "'text' that is not text"),
        ("session", "title", ["x"], "'title' that is not text"),
        ("excerpts", "start", "3", "'start' that is not a whole number"),
        ("guide", "guide", {"title": 7}, "'guide title' that is not text"),
    ],
)
def test_fields_of_the_wrong_type_are_refused_before_anything_is_written(
    tmp_path, store, monkeypatch, capsys, table, field, value, said
):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    doc = _study_json(tmp_path)
    entry = doc["sessions"][1]
    if table == "session":
        entry["session"][field] = value
    elif table == "guide":
        entry["guide"] = value
    else:
        entry[table][0][field] = value
    path = _write_json(tmp_path, doc)
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(session 2)" in err and said in err and "nothing was imported" in err
    assert err.count("\n") == 1
    assert store.list_sessions() == ([], [])
    assert main(["list"]) == 0


def test_a_codebook_tag_of_the_wrong_shape_or_depth_is_refused(tmp_path, store):
    doc = _study_json(tmp_path)
    doc["codebook"][0]["uses"] = "many"
    with pytest.raises(ExchangeError, match=r"\(tag 1\): .*'uses' that is not a whole number"):
        import_files(store, [_write_json(tmp_path, doc)], now=NOW)
    doc = _study_json(tmp_path)
    doc["codebook"][0]["name"] = "/".join(["deep"] * 1500)
    with pytest.raises(ExchangeError, match=r"\(tag 1\): a tag has 1500 levels, more than the 64"):
        import_files(store, [_write_json(tmp_path, doc)], now=NOW)
    assert store.list_sessions()[0] == [] and store.codebook.tags() == []
