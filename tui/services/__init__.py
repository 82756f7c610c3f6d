"""Services: the Textual-free models the screens sit on, and everything between them and the store.

The live session, tagging writes, tag search, keymaps, clipboard, tmux, exchange formats. A
screen reaches the store only through these (docs/ARCHITECTURE.md). Nothing here imports Textual;
tests/test_import_hygiene.py holds that.
"""
