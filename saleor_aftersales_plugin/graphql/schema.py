"""The plugin's GraphQL schema (graphene 2), served per channel; ``schema.graphql`` is its printed form."""

from pathlib import Path

import graphene

from .mutations import Mutation
from .query import Query

schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=True)

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def printed_schema() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return str(schema).rstrip("\n") + "\n"
