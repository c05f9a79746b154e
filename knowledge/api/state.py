"""What the running service holds: settings, database sessions, the published catalogue and the index.

`catalogue` is replaced as a whole (never changed in place) when guides are published, so a request
that reads it once sees one consistent version.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from knowledge.catalogue import Catalogue
from knowledge.core.config import Settings
from knowledge.search.engine import SearchEngine

if TYPE_CHECKING:
    from knowledge.importing.jobs import ImportRunner
    from knowledge.publishing import Publisher


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker
    catalogue: Catalogue
    engine: SearchEngine
    # Changes `catalogue` and `engine` when guides are published here or on another replica.
    publisher: "Publisher | None" = None
    # Reads uploaded guides into import drafts in the background (knowledge/importing/jobs.py).
    imports: "ImportRunner | None" = None
