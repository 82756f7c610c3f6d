"""Team coding: who coded what, how far coders agree, and settling where they differ.

No Textual here; the agreement screen and `fieldnote agree` sit over `agreement.py`.
"""
