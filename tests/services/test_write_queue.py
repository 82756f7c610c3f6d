"""Apply, queue, replay: the write queue's log of what a read may lack."""

from __future__ import annotations

import threading

from tui.domain.guide import GuideState
from tui.services.write_queue import WriteJob, WriteQueue


def job(name: str, apply=lambda: None) -> WriteJob:
    return WriteJob(name, apply, payload={"name": name}, touches=(name,))


def test_a_read_replays_what_was_queued_or_written_after_it_began():
    queue = WriteQueue(log_length=100)
    try:
        queue.enqueue(job("a"))
        assert queue.flush(timeout=10)
        since = queue.stale_from()  # taken before the read
        queue.enqueue(job("b"))
        queue.enqueue(job("c"))
        assert [j.describe for j in queue.since(since)] == ["b", "c"]
        assert queue.flush(timeout=10)
        # Written by now, but the read may still have missed them: they stay replayable.
        assert [j.describe for j in queue.since(since)] == ["b", "c"]
    finally:
        queue.close()


def test_written_changes_beyond_the_log_length_are_dropped_and_a_stale_read_redone():
    queue = WriteQueue(log_length=3)
    try:
        since = queue.stale_from()
        for name in "abcde":
            queue.enqueue(job(name))
        assert queue.flush(timeout=10)
        assert queue.since(since) is None  # the log no longer reaches back: read again
        assert [j.describe for j in queue.since(queue.last_seq - 2)] == ["c", "d", "e"]
    finally:
        queue.close()


def test_changes_not_written_yet_are_never_dropped_from_the_log():
    release = threading.Event()
    queue = WriteQueue(log_length=2)
    try:
        since = queue.stale_from()
        queue.enqueue(job("held", lambda: release.wait(10)))
        for name in "abcd":
            queue.enqueue(job(name))
        assert [j.describe for j in queue.since(since)] == ["held", "a", "b", "c", "d"]
    finally:
        release.set()
        assert queue.flush(timeout=10)
        queue.close()


def test_a_guide_change_is_applied_the_same_on_disk_and_in_memory(session_id, store):
    session_file = store.open_session(session_id)
    try:
        session_file.update_guide_state(current="q2", marks={"q1": "asked", "q3": "skipped"})
        on_disk = session_file.update_guide_state(current="q3", marks={"q3": None})
    finally:
        session_file.close()
    state = GuideState()
    state.apply_change("q2", {"q1": "asked", "q3": "skipped"})
    state.apply_change("q3", {"q3": None})
    assert state.to_doc() == on_disk == {"current": "q3", "marks": {"q1": "asked"}}


def test_a_held_write_starts_on_release_and_a_forgotten_hold_runs_out():
    written = threading.Event()
    queue = WriteQueue()
    try:
        queue.hold(60)
        queue.enqueue(job("a", written.set))
        assert not written.wait(0.2)  # held: the frame showing it comes first
        queue.release()
        assert written.wait(5)

        written.clear()
        queue.hold(0.1)  # never released: it starts anyway
        queue.enqueue(job("b", written.set))
        assert written.wait(5)
    finally:
        queue.close()


def test_flush_does_not_wait_for_a_hold():
    queue = WriteQueue()
    try:
        queue.hold(60)
        queue.enqueue(job("a"))
        assert queue.flush(timeout=5)
    finally:
        queue.close()


def test_the_retry_pace_is_the_one_set_when_the_queue_is_made(monkeypatch):
    # The app's queues take the default: a test that sets RETRY_SECONDS shorter (to see several
    # failed retries of a full disk or a held lock) still waited 2 s between them.
    monkeypatch.setattr("tui.services.write_queue.RETRY_SECONDS", 0.1)
    queue = WriteQueue()
    try:
        assert queue.retry_seconds == 0.1
    finally:
        queue.close()
    given = WriteQueue(retry_seconds=0.05)
    try:
        assert given.retry_seconds == 0.05
    finally:
        given.close()
