"""Typed dependencies for the routes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from knowledge.api.state import AppState
from knowledge.schema import Faq, Item, Route


async def get_state(request: Request) -> AppState:
    # async: FastAPI would otherwise hand this one-liner to a worker thread on every request.
    return request.app.state.navigator


def get_session(state: Annotated[AppState, Depends(get_state)]) -> Iterator[Session]:
    with state.sessions() as session:
        yield session


StateDep = Annotated[AppState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]


def lookup(table: dict, guide_id: str, what: str, hint: str = ""):
    """The guide with this id, or a Chinese 404 naming what was looked for (plus an optional hint)."""
    guide = table.get(guide_id)
    if guide is None:
        raise HTTPException(404, detail=f"没有找到{what}「{guide_id[:64]}」{hint}")
    return guide


def get_item(item_id: str, state: StateDep) -> Item:
    return lookup(state.catalogue.items, item_id, "事项")


def get_route(route_id: str, state: StateDep) -> Route:
    return lookup(state.catalogue.routes, route_id, "“一件事”路线")


def get_faq(faq_id: str, state: StateDep) -> Faq:
    return lookup(state.catalogue.faqs, faq_id, "问答")


ItemDep = Annotated[Item, Depends(get_item)]
RouteDep = Annotated[Route, Depends(get_route)]
FaqDep = Annotated[Faq, Depends(get_faq)]
