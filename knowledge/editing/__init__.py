"""Editing the guides: validation with field paths, version diffs, zip export and import."""
