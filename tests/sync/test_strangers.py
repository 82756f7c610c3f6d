"""What a sync says of a file that is no part of a study depends on where the file is: this
data folder (move it out) or the remote (check the URL, remove it there). The side is a value
the caller names (`tree.IN_THIS_FOLDER`, `tree.ON_THE_REMOTE`), never read back out of the
sentence's words."""

from __future__ import annotations

import pytest

from tui.services.sync.git import SyncError
from tui.services.sync.tree import (
    IN_THIS_FOLDER,
    MAX_FILE_BYTES,
    ON_THE_REMOTE,
    Entry,
    refuse_strangers,
)

SESSION = "sessions/0123456789abcdef0123456789abcdef.json"
STRANGERS = {
    "a path outside a study": {"notes.txt": Entry("100644", "0" * 40, 10)},
    "a symbolic link": {SESSION: Entry("120000", "0" * 40, 10)},
    "a huge file": {SESSION: Entry("100644", "0" * 40, MAX_FILE_BYTES + 1)},
}


@pytest.mark.parametrize("stranger", STRANGERS)
def test_each_side_is_told_what_to_do_where_the_file_is(stranger: str) -> None:
    for side, other in ((IN_THIS_FOLDER, ON_THE_REMOTE), (ON_THE_REMOTE, IN_THIS_FOLDER)):
        with pytest.raises(SyncError) as raised:
            refuse_strangers(STRANGERS[stranger], side)
        sentence = str(raised.value)
        assert sentence.startswith(f"{side.name} holds ")
        assert side.stranger in sentence or side.remove in sentence
        assert other.stranger not in sentence and other.remove not in sentence
    with pytest.raises(SyncError) as raised:
        refuse_strangers(STRANGERS[stranger], IN_THIS_FOLDER)
    assert "remote" not in str(raised.value)


def test_a_study_is_no_stranger_on_either_side() -> None:
    study = {SESSION: Entry("100644", "0" * 40, 10), "codebook.json": Entry("100644", "1" * 40, 5)}
    refuse_strangers(study, IN_THIS_FOLDER)
    refuse_strangers(study, ON_THE_REMOTE)
