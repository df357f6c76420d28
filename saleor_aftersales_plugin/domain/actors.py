"""Who acts on a case: the customer, staff, a Saleor app, or the system itself (rules, sweeps)."""

from dataclasses import dataclass

CUSTOMER = "customer"
STAFF = "staff"
APP = "app"
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    type: str
    id: str = ""
    email: str = ""

    @property
    def is_customer(self) -> bool:
        return self.type == CUSTOMER


SYSTEM_ACTOR = Actor(SYSTEM, "rules")
