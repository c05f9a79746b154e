"""GET /api/items/{id}, /api/routes/{id}, /api/faq/{id} — the published guides."""
from __future__ import annotations

from fastapi import APIRouter

from knowledge.api.deps import FaqDep, ItemDep, RouteDep
from knowledge.schema import Faq, Item, Route

router = APIRouter(prefix="/api", tags=["guides"])


@router.get("/items/{item_id}", response_model=Item)
def read_item(item: ItemDep) -> Item:
    return item


@router.get("/routes/{route_id}", response_model=Route)
def read_route(route: RouteDep) -> Route:
    return route


@router.get("/faq/{faq_id}", response_model=Faq)
def read_faq(faq: FaqDep) -> Faq:
    return faq
