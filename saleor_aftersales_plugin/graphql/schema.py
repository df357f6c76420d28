"""The plugin's GraphQL schema (graphene 2), served per channel; ``schema.graphql`` is its printed form.

Regenerate the committed file after changing the schema: ``python -m saleor_aftersales_plugin.graphql.schema``.
"""

from pathlib import Path

import graphene

if __name__ == "__main__":  # run as a script: load the app without a database
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "saleor_aftersales_plugin"], USE_TZ=True
        )
    django.setup()

from .dashboard import DashboardMutation, DashboardQuery  # noqa: E402
from .inputs import ArgumentBounds  # noqa: E402
from .mutations import Mutation as CaseMutations  # noqa: E402
from .query import Query as CaseQueries  # noqa: E402
from .visibility import CustomerView  # noqa: E402


class Query(CaseQueries, DashboardQuery):
    class Meta:
        description = "The after-sales API of one channel: policies, eligibility, cases, statistics."


class Mutation(CaseMutations, DashboardMutation):
    class Meta:
        description = "Requests, case work, and checking, simulating and publishing the channel's policy."


schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=True)

MIDDLEWARE = [ArgumentBounds(), CustomerView()]
"""Run on every field: argument bounds (root fields) and what customers may see (see each module)."""

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def printed_schema() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return str(schema).rstrip("\n") + "\n"


def write_schema_file(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(printed_schema(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"Wrote {write_schema_file()}")
