"""Use cases over the plugin's tables: transactions, row locks and idempotency live here, once.

Modules: :mod:`.policies` (publishing policy versions), :mod:`.orders` (recording host orders as facts) and
:mod:`.cases` (creating cases and moving them through their state machine with an audit trail).
"""

from django.db import connection


class ServiceError(Exception):
    """A use case refused; ``code`` and ``field`` map onto Saleor-style ``errors { field code message }``."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFoundError(ServiceError):
    code = "not_found"


# Namespaces of transaction-scoped advisory locks (first key of pg_advisory_xact_lock(int, int)).
LOCK_POLICY_PUBLISH = 0x41530001


def advisory_xact_lock(namespace: int, name: str) -> None:
    """Serialise transactions on ``(namespace, name)`` until the current transaction ends (PostgreSQL only).

    Used where no row exists yet to ``SELECT ... FOR UPDATE`` (the first policy version of a channel).
    Different names may share a hash; that only serialises a little more.
    """
    if not connection.in_atomic_block:
        raise RuntimeError(
            "advisory_xact_lock() must run inside transaction.atomic(); it would be released at once."
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [namespace, name])
