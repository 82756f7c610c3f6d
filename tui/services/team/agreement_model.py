"""What the agreement screen shows and what its keys change: the figures of a pair of coders,
their disagreements, a cursor over them, and settling one. No Textual: the screen calls `read`
and `settle` from thread workers and draws what they leave here.
"""

from __future__ import annotations

from itertools import combinations

from tui.domain.codings import UNKNOWN_CODER
from tui.services.team.agreement import (
    Agreement,
    CodingSet,
    Disagreement,
    compute,
    load,
    resolve,
    unresolve,
)
from tui.store import DataStore

KEEP_WORDS = {
    "first": "kept {first}'s",
    "second": "kept {second}'s",
    "both": "kept both",
    "neither": "kept neither",
}


class AgreementModel:
    def __init__(self, store: DataStore, session_ids: list[str], resolver: str) -> None:
        self.store = store
        self.session_ids = list(session_ids)
        self.resolver = resolver
        """Who settles disagreements: the coder of the resolutions."""
        self.coding: CodingSet | None = None
        self.result: Agreement | None = None
        self.pair: tuple[str, str] | None = None
        self.cursor = 0
        self.done: list[tuple[Disagreement, str, tuple[str, str]]] = []
        """The settlements made here, the last last, with when and in which pair: what `undo`
        takes back."""

    # -- worker thread --------------------------------------------------------------------------

    def read(self) -> None:
        """Read the sessions and compute the figures (a worker's job: reads every file)."""
        self.coding = load(self.store, self.session_ids)
        self._compute()

    def settle(self, disagreement: Disagreement, keep: str, now_iso: str) -> str:
        """Settle one disagreement of the pair, read its session again and recompute; the
        sentence to tell the user."""
        first, second = self.pair or ("", "")
        resolve(self.store, disagreement, first, second, keep, self.resolver, now_iso)
        self.done.append((disagreement, now_iso, (first, second)))
        if self.coding is not None:
            self.coding.reread(self.store, disagreement.unit.session_id)
        self._compute()
        said = KEEP_WORDS[keep].format(first=first, second=second)
        return (
            f"#{disagreement.name}: {said}, as {self.resolver}'s settlement; each coder's own "
            "coding is kept aside for the figures."
        )

    def undo(self) -> str:
        """Take back the last settlement made here (a worker's job, as `settle`): the coders'
        codings are in force again and the disagreement back in the list, under the cursor;
        the sentence to tell the user."""
        disagreement, at, pair = self.done.pop()
        unresolve(self.store, disagreement, self.resolver, at)
        if self.coding is not None:
            self.coding.reread(self.store, disagreement.unit.session_id)
        self.pair = pair
        self._compute()
        where = (disagreement.unit.session_id, disagreement.unit.note["id"], disagreement.key)
        self.cursor = next(
            (
                i
                for i, d in enumerate(self.disagreements)
                if (d.unit.session_id, d.unit.note["id"], d.key) == where
            ),
            self.cursor,
        )
        return f"#{disagreement.name}: settlement undone; each coder's coding is in force again."

    def _compute(self) -> None:
        assert self.coding is not None
        if self.pair is None:
            pairs = self.pairs()
            self.pair = pairs[0] if pairs else None
        self.result = compute(self.coding, list(self.pair) if self.pair else None)
        self.cursor = max(0, min(self.cursor, len(self.disagreements) - 1))

    def next_pair(self) -> bool:
        """Compare the next pair of coders (a worker's job: it recomputes every figure);
        False when there is no other pair."""
        pairs = self.pairs()
        if len(pairs) < 2:
            return False
        at = pairs.index(self.pair) if self.pair in pairs else -1
        self.pair = pairs[(at + 1) % len(pairs)]
        self.cursor = 0
        self._compute()
        return True

    # -- UI thread ------------------------------------------------------------------------------

    @property
    def disagreements(self) -> list[Disagreement]:
        if self.result is None or self.pair is None:
            return []
        return self.result.between(*self.pair)

    @property
    def current(self) -> Disagreement | None:
        found = self.disagreements
        return found[min(self.cursor, len(found) - 1)] if found else None

    def move(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.disagreements) - 1))

    def pairs(self) -> list[tuple[str, str]]:
        """Every pair of coders, those `fieldnote agree` compares first (a note-taker who only
        typed tags into their own notes is in the later pairs: `CodingSet.typists`)."""
        if self.coding is None:
            return []
        known = [c for c in self.coding.coders if c != UNKNOWN_CODER] or self.coding.coders
        compared = set(self.coding.compared())
        pairs = list(combinations(known, 2))
        return sorted(pairs, key=lambda pair: not compared.issuperset(pair))
