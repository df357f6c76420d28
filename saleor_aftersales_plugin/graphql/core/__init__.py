"""What every part of the GraphQL API shares: the request context, who may call what, global ids, errors, scalars,
connections, the base mutation and the request limits."""
