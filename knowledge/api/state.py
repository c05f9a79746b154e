"""What the running service holds: settings, database sessions, the live knowledge and the helpers around it.

The published catalogue and the search index belong to `live` (knowledge/live.py) and are replaced
only by `publisher`; `catalogue` and `engine` here are read-only views of them for the routes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from knowledge.catalogue import Catalogue
from knowledge.core.config import Settings
from knowledge.live import LiveKnowledge
from knowledge.search.engine import SearchEngine

if TYPE_CHECKING:
    from knowledge.api.login_throttle import LoginThrottle
    from knowledge.dialogue.meaning import Meanings
    from knowledge.importing.jobs import ImportRunner
    from knowledge.publishing import Publisher
    from knowledge.store.trackers import TrackerStore


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker
    live: LiveKnowledge
    # Replaces `live` when guides are published here or on another replica.
    publisher: "Publisher"
    # Reads uploaded guides into import drafts in the background (knowledge/importing/jobs.py).
    imports: "ImportRunner"
    # Failed sign-ins, in Redis with REDIS_URL (knowledge/api/login_throttle.py).
    login_throttle: "LoginThrottle"
    # What POST /api/conversations/events requires as X-Service-Token (knowledge/core/secrets.py).
    service_token: str = ""
    # Rasa's SQL tracker store, when TRACKER_DB_URL is set (knowledge/store/trackers.py).
    trackers: "TrackerStore | None" = None
    # Reads situation answers none of a route's words anchor, with the search embedder (knowledge/dialogue/meaning.py).
    meanings: "Meanings | None" = None

    @property
    def catalogue(self) -> Catalogue:
        """The published catalogue now; read it once per request for one consistent version."""
        return self.live.catalogue

    @property
    def engine(self) -> SearchEngine:
        return self.live.engine
