"""Fieldnote: keyboard-first notes for customer interviews, and the tagging that follows.

Kept import-free so `python -m tui --help` and the store tooling start fast.
"""

__version__ = "0.1.0"
