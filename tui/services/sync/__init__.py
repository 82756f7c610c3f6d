"""A study shared on git: `fieldnote sync` (init, commit, fetch, merge, push) and the merge driver.

The three-way merge of Fieldnote's files by document id is pure (`merge.py`); git runs as a command.
"""
