"""Hostile files for `fieldnote import`, each written by the test: depth, huge times, lying
zips, giant members. Each gets one sentence, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys

from tui.domain.tags import MAX_TAG_DEPTH, inline_name_problem, tag_depth_problem


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
