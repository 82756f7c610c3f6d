"""Shared fixtures: a data folder in a temp dir, a frozen clock, an app wired to both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.domain.guide import parse_guide
from tui.services.session_setup import create_session
from tui.store import DataStore

GUIDE = """# Onboarding study
## Warm-up
- Tell me about your role.
  - What does a normal week look like?
- Do you use spreadsheets for scheduling?
## First week
- Walk me through the first day of your trial.
  - What did you try first?
  - Where did you get stuck?
- What made you come back on day two?
"""


class FrozenClock:
    """The app's `now`: stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture(autouse=True, scope="session")
def pilot_keys():
    """Pilot presses the keys of one `press(...)` without an idle wait between them
    (tests/pilot_keys.py)."""
    from tests import pilot_keys

    with pytest.MonkeyPatch.context() as monkeypatch:
        pilot_keys.install(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def cache_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The study index's cache folder (tui/store/index_file.py): one per test, never the
    user's own."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("FIELDNOTE_CACHE", str(folder))
    return folder


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(tmp_path: Path):
    data = DataStore(tmp_path / "data")
    yield data
    # The codebook holds its file and lock open; hundreds of tests would run out of the
    # descriptors select() can watch (1024), which the terminal-loss tests use.
    data.codebook.close()


@pytest.fixture
def writes(store: DataStore):
    """The tagging screen's writer over `store` (tui/services/tag_writes.py), closed after."""
    from tui.services.tag_writes import TagWrites

    writes = TagWrites(store)
    yield writes
    writes.close()


@pytest.fixture
def session_id(store: DataStore, clock: FrozenClock) -> str:
    return create_session(
        store,
        title="Onboarding study - P7",
        participant="P7 (ops lead)",
        goal="Why do trials stall in week one?",
        guide=parse_guide(GUIDE),
        now=clock(),
    )


@pytest.fixture
def pair(store: DataStore, session_id: str, clock: FrozenClock):
    """Two co-interviewers' live sessions on one session file; the second has a DataStore of
    its own (its own SessionFile and caches), as another process would."""
    from tui.services.live_session import LiveSession

    a = LiveSession(store, session_id, "Maya", now=clock)
    b = LiveSession(DataStore(store.home), session_id, "Jonas", now=clock)
    yield a, b
    for live in (a, b):
        live.flush()
        live.close()


@pytest.fixture
def make_app(store: DataStore, clock: FrozenClock):
    from tui.app import FieldnoteApp

    def make(session_id: str | None = None, author: str = "Maya") -> FieldnoteApp:
        return FieldnoteApp(store, author=author, now=clock, session_id=session_id)

    return make


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 256 KiB tmpfs: fill it (tests.disk_faults.fill) for a real full disk."""
    from tests.disk_faults import tmpfs_at

    yield from tmpfs_at(tmp_path / "tmpfs")
