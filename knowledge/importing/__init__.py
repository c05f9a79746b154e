"""Bringing a centre's own guides in: 实施清单 spreadsheets and 办事指南 documents become import drafts.

The flow: `safety` checks each uploaded file (size, real format, zip bombs, entities, passwords);
`spreadsheet` and `document` read it into `Recognised` guides (fields.py says which label is which
field and how "20个工作日" becomes days); `drafting` turns each into item data with the text it could
not place kept whole in `notes`, proposed aliases and Chinese validation errors; `jobs` runs all of
that in the background with progress and cancel; `report` writes the per-file report and the template.
Nothing here touches the live base: a reviewer publishes clean drafts (knowledge/api/routes/imports.py).
"""
