"""Cases for bot/tracker_store.py, run in the Rasa venv by tests/bot/test_tracker_store.py:

    .venv/rasa/bin/python tests/bot/tracker_store_cases.py CASE

The store is called directly on a temporary SQLite database, next to stock Rasa's SQLTrackerStore
on the same database as the reference.
"""
from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet,  # noqa: E402
                                     UserUttered)

from bot.tracker_store import SessionWindowSQLTrackerStore  # noqa: E402

DOMAIN = Domain.load(str(ROOT / "bot" / "domain.yml"))
RECENT = 10


def stores(db: Path) -> tuple[SessionWindowSQLTrackerStore, SQLTrackerStore]:
    window = SessionWindowSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), recent_turns=RECENT)
    return window, SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))


def turn(n: int, now: float) -> list:
    """One turn as Rasa logs it, with a focus that changes every 7 turns and a situation form that
    is active from turn 20 to 24."""
    events = [UserUttered(f"问题{n}", intent={"name": "ask_duration", "confidence": 1.0}, timestamp=now),
              ActionExecuted("action_navigate", timestamp=now)]
    if n % 7 == 0:
        events.append(SlotSet("focus", f"item:guide-{n}", timestamp=now))
    if n == 20:
        events += [SlotSet("situation_needed", True, timestamp=now), ActionExecuted("situation_form", timestamp=now),
                   ActiveLoop("situation_form", timestamp=now),
                   SlotSet("requested_slot", "situation_answer", timestamp=now)]
    if n == 24:
        events += [ActiveLoop(None, timestamp=now), SlotSet("requested_slot", None, timestamp=now),
                   SlotSet("situation_needed", False, timestamp=now)]
    events += [BotUttered(f"回答{n}", timestamp=now), ActionExecuted("action_listen", timestamp=now)]
    return events


async def talk(store, sender: str, turns: range, now: float) -> None:
    """Turn by turn as Rasa does: retrieve, add the turn's events, save."""
    for n in turns:
        tracker = await store.retrieve(sender) or store.init_tracker(sender)
        if not tracker.events or n == 0:
            tracker.update(ActionExecuted("action_session_start", timestamp=now))
            tracker.update(SessionStarted(timestamp=now))
            tracker.update(ActionExecuted("action_listen", timestamp=now))
        for event in turn(n, now):
            tracker.update(event, DOMAIN)
        await store.save(tracker)


async def case_window_is_equivalent_and_bounded() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        window, stock = stores(Path(tmp) / "c.db")
        sizes = []
        for upto in (5, 22, 60, 200):  # short, inside the form, after it, long
            sender = f"s{upto}"
            await talk(window, sender, range(upto), time.time())
            reference = await stock.retrieve(sender)
            for read in ("kept", "from the database"):
                if read == "from the database":
                    window._kept.clear()
                mine = await window.retrieve(sender)
                where = f"{upto} turns, {read}"
                assert mine.current_slot_values() == reference.current_slot_values(), where
                assert mine.active_loop_name == reference.active_loop_name, where
                assert mine.latest_message.text == reference.latest_message.text, where
                assert mine.latest_action_name == reference.latest_action_name, where
                last = 2 * (RECENT - 1)  # the states a policy could look at within the window
                assert mine.past_states(DOMAIN)[-last:] == reference.past_states(DOMAIN)[-last:], where
                sizes.append(len(mine.events))
        # Stock loads every event of the session; ours at most twice the window.
        assert max(sizes) < 150 and sizes[-1] == sizes[-3], sizes
        assert len((await stock.retrieve("s200")).events) > 4 * 200


async def case_save_appends_only_new_events() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        window, stock = stores(Path(tmp) / "c.db")
        await talk(window, "a", range(40), time.time())
        full = await stock.retrieve_full_tracker("a")
        expected = 3 + sum(len(turn(n, 0)) for n in range(40))
        assert len(full.events) == expected, (len(full.events), expected)
        tracker = await window.retrieve("a")
        await window.save(tracker)  # nothing new: nothing written
        assert len((await stock.retrieve_full_tracker("a")).events) == expected


async def case_a_new_session_starts_the_window_afresh() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        window, _ = stores(Path(tmp) / "c.db")
        await talk(window, "a", range(1, 30), time.time() - 86400)
        assert (await window.retrieve("a")).get_slot("focus") == "item:guide-28"
        await talk(window, "a", range(0, 3), time.time())  # turn 0 opens a new session
        tracker = await window.retrieve("a")
        assert tracker.get_slot("focus") == "item:guide-0"
        assert all(e.timestamp > time.time() - 3600 for e in tracker.events), "only the new session is loaded"


async def case_kept_trackers_are_never_stale() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.db"
        window, _ = stores(db)
        other = SessionWindowSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
        await talk(window, "a", range(1, 4), time.time())
        kept = await window.retrieve("a")
        assert kept is window_last_saved(window, "a") or kept.get_slot("focus") is None
        # A turn that fails half-way: the tracker was changed but never saved.
        kept.update(SlotSet("focus", "item:unsaved"), DOMAIN)
        assert (await window.retrieve("a")).get_slot("focus") is None, "an unsaved change was handed out"
        # Another replica's turn on the same database is seen by the next turn here.
        await talk(window, "a", range(7, 8), time.time())
        assert (await window.retrieve("a")).get_slot("focus") == "item:guide-7"
        await talk(window, "a", range(8, 9), time.time())  # kept again after this save
        await talk(other, "a", range(14, 15), time.time())
        assert (await window.retrieve("a")).get_slot("focus") == "item:guide-14", "another replica's turn was missed"
        # A purge or a deletion by the knowledge service (knowledge/store/trackers.py) is seen too.
        await talk(window, "a", range(15, 16), time.time())
        with sqlite3.connect(db) as other_process:
            other_process.execute("DELETE FROM events WHERE sender_id = 'a'")
        assert await window.retrieve("a") is None


def window_last_saved(store, sender):
    entry = store._kept.get(sender)
    return entry[1] if entry else None


if __name__ == "__main__":
    asyncio.run(globals()[f"case_{sys.argv[1]}"]())
    print("ok")
