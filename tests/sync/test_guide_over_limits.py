"""A sync merges session files without reading their guides as `new --guide` does, so it can
bring a guide past MAX_QUESTIONS and MAX_PROBES (written by hand, or by another tool). Opening
that session shows the guide cut to the limits and says so; the file is left as it came."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.sync.laptops import Laptop, bare_remote
from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.domain.guide import MAX_PROBES, MAX_QUESTIONS
from tui.store import DataStore
from tui.store.storage import DUMP_OPTIONS
from tui.widgets.guide_panel import GuidePanel, QuestionItem


def huge_guide(questions: int, probes_each: int) -> dict:
    return {
        "title": "Everything",
        "sections": [
            {
                "title": f"Part {part}",
                "intro": "",
                "questions": [
                    {
                        "id": f"q{part * 100 + n + 1}",
                        "text": f"Tell me about thing {part}.{n}.",
                        "probes": [f"What happened then ({k})?" for k in range(probes_each)],
                    }
                    for n in range(100)
                ],
            }
            for part in range(questions // 100)
        ],
    }


async def test_a_synced_guide_past_the_limits_opens_cut_with_a_notice(tmp_path, clock):
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    guide = tmp_path / "guide.md"
    guide.write_text("## Warm-up\n- Tell me about your role.\n", encoding="utf-8")
    session_id = ana.ok("new", "P7", "--participant", "P7", "--guide", str(guide)).strip()
    ana.ok("sync", "init", "--remote", str(remote), "--as", "ana")
    bo.ok("sync", "init", "--remote", str(remote), "--as", "bo")

    # Ana's file gets a guide of 1,000 questions and 5,000 probes, in the store's format.
    path = Path(ana.home, "sessions", f"{session_id}.json")
    data = orjson.loads(path.read_bytes())
    (key,) = data["guide"]
    data["guide"][key]["guide"] = huge_guide(1_000, 5)
    path.write_bytes(orjson.dumps(data, option=DUMP_OPTIONS))
    assert ana.sync().code == 0
    ran = bo.sync()
    assert ran.code == 0, ran.err
    synced = Path(bo.home, "sessions", f"{session_id}.json")
    before = synced.read_bytes()
    assert len(orjson.loads(before)["guide"][key]["guide"]["sections"]) == 10  # it came over

    store = DataStore(bo.home)
    app = FieldnoteApp(store, author="bo", now=clock, session_id=session_id)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            panel = app.screen.query_one(GuidePanel)
            await wait_until(pilot, lambda: panel.guide is not None)
            assert len(app.screen.query(QuestionItem)) == MAX_QUESTIONS
            assert len(app.live.guide.questions) == MAX_QUESTIONS
            assert sum(len(q.probes) for q in app.live.guide.questions) == MAX_PROBES
            shown = [str(n.message) for n in app._notifications]
            assert any(
                "first 500 of 1,000 questions (2,000 of 5,000 probes)" in m and "unchanged" in m
                for m in shown
            ), shown
            await pilot.press("ctrl+q")
    finally:
        store.codebook.close()
    assert synced.read_bytes() == before  # the file as the sync brought it
