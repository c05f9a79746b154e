"""What the running service holds: settings, database sessions, the published catalogue and the index."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from knowledge.catalogue import Catalogue
from knowledge.core.config import Settings
from knowledge.search.engine import SearchEngine


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker
    catalogue: Catalogue
    engine: SearchEngine
