"""What the service answers from right now: the published catalogue and the search index built from it.

One owner for the pair. Publishing (knowledge/publishing.py) replaces them; everything that answers
citizens, staff or editors reads them here (the API through its state, reports and import checks
through what they are given). The catalogue is replaced as a whole, never changed in place, so a
reader that takes `catalogue` once sees one consistent version.
"""
from __future__ import annotations

from collections.abc import Iterable

from knowledge.catalogue import Catalogue
from knowledge.editing.validation import with_guides
from knowledge.schema import Guide
from knowledge.search.engine import SearchEngine, Snapshot


class LiveKnowledge:
    def __init__(self, catalogue: Catalogue, engine: SearchEngine):
        self._catalogue = catalogue
        self.engine = engine

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def replace(self, snapshot: Snapshot, upserts: Iterable[Guide], removed: Iterable[str]) -> None:
        """Serve `snapshot` (already built with `upserts` indexed and `removed` dropped) and the
        catalogue changed the same way."""
        self.engine.swap(snapshot)
        # One assignment: a request reads the old catalogue or the new one, never a mix.
        self._catalogue = with_guides(self._catalogue, list(upserts), list(removed))
