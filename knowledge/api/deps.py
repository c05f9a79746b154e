"""Typed dependencies for the routes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from knowledge.api.state import AppState
from knowledge.catalogue import Catalogue
from knowledge.schema import Faq, Item, Route


def get_state(request: Request) -> AppState:
    return request.app.state.navigator


def get_session(state: Annotated[AppState, Depends(get_state)]) -> Iterator[Session]:
    with state.sessions() as session:
        yield session


StateDep = Annotated[AppState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]


def _catalogue(state: AppState) -> Catalogue:
    return state.catalogue


def get_item(item_id: str, state: StateDep) -> Item:
    item = _catalogue(state).items.get(item_id)
    if item is None:
        raise HTTPException(404, detail=f"没有找到事项「{item_id}」")
    return item


def get_route(route_id: str, state: StateDep) -> Route:
    route = _catalogue(state).routes.get(route_id)
    if route is None:
        raise HTTPException(404, detail=f"没有找到“一件事”路线「{route_id}」")
    return route


def get_faq(faq_id: str, state: StateDep) -> Faq:
    faq = _catalogue(state).faqs.get(faq_id)
    if faq is None:
        raise HTTPException(404, detail=f"没有找到问答「{faq_id}」")
    return faq


ItemDep = Annotated[Item, Depends(get_item)]
RouteDep = Annotated[Route, Depends(get_route)]
FaqDep = Annotated[Faq, Depends(get_faq)]
