"""Storage: the only code that imports tinydb. One locked, atomic TinyDB file per session.

Layout of the data folder (`$FIELDNOTE_HOME`, else the platform's user data folder):
`sessions/<session-id>.json` (tables `session`, `guide`, `notes`, `excerpts`) and
`codebook.json` (table `tags`). No Textual here: the UI calls this from its workers.
"""

from tui.store.codebook import Codebook
from tui.store.datastore import (
    DataStore,
    SessionSummary,
    new_document_problem,
    new_session_problem,
    new_tag_problem,
)
from tui.store.errors import (
    AmbiguousSessionError,
    DataFolderError,
    LockHeldError,
    SessionNotFoundError,
    StoreError,
    SymlinkRefusedError,
    UnreadableFileError,
    WriteFailedError,
)
from tui.store.session import UNCHANGED, SessionFile, SessionSnapshot

__all__ = [
    "UNCHANGED",
    "AmbiguousSessionError",
    "Codebook",
    "DataFolderError",
    "DataStore",
    "LockHeldError",
    "SessionFile",
    "SessionNotFoundError",
    "SessionSnapshot",
    "SessionSummary",
    "StoreError",
    "SymlinkRefusedError",
    "UnreadableFileError",
    "WriteFailedError",
    "new_document_problem",
    "new_session_problem",
    "new_tag_problem",
]
