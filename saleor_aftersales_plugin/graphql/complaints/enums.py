import graphene

from ...services.conversations import COMPLAINT_CATEGORIES

__all__ = ["ComplaintCategory"]

ComplaintCategory = graphene.Enum(
    "ComplaintCategory",
    [(category.upper(), category) for category in COMPLAINT_CATEGORIES],
    description="What a complaint is about.",
)
