"""Editing the guides: the editor's workflow, called by the thin routes in knowledge/api/routes/editor.py.

drafts.py creates and saves versions (with the base_version conflict), going_live.py publishes, rolls
back and withdraws through the Publisher, history.py reads guides, versions and their diffs,
transfer.py exports and imports zips; validation.py checks a guide with field paths, diff.py and
archive.py hold the diff and the zip format, refusals.py the reasons a request is refused.
"""
