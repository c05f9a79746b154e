"""Pydantic models of the guides: items (事项), routes (一件事), FAQ entries and industries (行业)."""
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from knowledge.schema.faq import Faq
from knowledge.schema.industry import Industry
from knowledge.schema.item import Item, Material
from knowledge.schema.route import Route

Guide = Annotated[Union[Item, Route, Faq, Industry], Field(discriminator="kind")]
guide_adapter: TypeAdapter[Guide] = TypeAdapter(Guide)

__all__ = ["Faq", "Guide", "Industry", "Item", "Material", "Route", "guide_adapter"]
