import graphene

from ..core.types import NonNullList

__all__ = ["AttributeInput"]


class AttributeInput(graphene.InputObjectType):
    """One product attribute with its values."""

    slug = graphene.String(required=True, description="Attribute slug, e.g. `final-sale`.")
    values = NonNullList(graphene.String, required=True, description="Value slugs.")
