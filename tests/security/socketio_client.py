"""A socket.io citizen, run with the Rasa venv's Python (python-socketio's client lives there):

    .venv/rasa/bin/python tests/security/socketio_client.py URL SESSION_ID MESSAGE...

Connects as Rasa's web widgets do (session_request with a session id of the client's choosing), sends
each message, collects the bot's answers to it, and prints them as JSON: [[answer, …] per message].
"""
from __future__ import annotations

import asyncio
import json
import sys

import socketio

QUIET_S = 1.5      # an answer may come in several parts; this long without one ends it
FIRST_S = 60.0


async def converse(url: str, session_id: str, messages: list[str]) -> list[list[dict]]:
    sio = socketio.AsyncClient()
    inbox: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    sio.on("bot_uttered", lambda data: inbox.put_nowait(data))
    sio.on("session_confirm", lambda _: confirmed.set())
    await sio.connect(url, transports=["polling"], socketio_path="/socket.io")
    await sio.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 20)
    answers = []
    for message in messages:
        await sio.emit("user_uttered", {"message": message, "session_id": session_id})
        got = [await asyncio.wait_for(inbox.get(), FIRST_S)]
        while True:
            try:
                got.append(await asyncio.wait_for(inbox.get(), QUIET_S))
            except asyncio.TimeoutError:
                break
        answers.append(got)
    await sio.disconnect()
    return answers


if __name__ == "__main__":
    print(json.dumps(asyncio.run(converse(sys.argv[1], sys.argv[2], sys.argv[3:])), ensure_ascii=False))
