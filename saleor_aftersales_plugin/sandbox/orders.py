"""Orders and policies for the sandbox from files: what Saleor's order hooks and configuration do inside Saleor.

An order file holds one order in the case-file format (:mod:`..domain.facts_json`), either bare or wrapped as
``{"as_of": "<ISO 8601>", "order": {...}}``. With ``as_of`` every instant of the order is shifted by
(now - ``as_of``) on import, so sample orders delivered "3 days ago" stay 3 days old whenever they are imported.
"""

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..domain.facts import OrderFacts
from ..domain.facts_json import FactsInvalid, order_facts_from_dict
from ..models import OrderRecord, PolicyVersion
from ..rules.document import load_source
from ..rules.validation import normalise_policy
from ..services import ServiceError
from ..services.orders import record_order
from ..services.policies import publish_policy

__all__ = ["OrderFileInvalid", "import_orders", "order_files", "publish_policy_file", "read_order_file"]

_WRAPPER_KEYS = {"as_of", "order"}


class OrderFileInvalid(ValueError):
    """An order file cannot be imported; the message names the file and every problem in it."""


def _shift(value: datetime | None, delta: timedelta) -> datetime | None:
    return None if value is None else value + delta


def shift_order(order: OrderFacts, delta: timedelta) -> OrderFacts:
    """``order`` with every instant (placed, fulfilled, delivered, per line) moved by ``delta``."""
    lines = tuple(
        replace(
            line, fulfilled_at=_shift(line.fulfilled_at, delta), delivered_at=_shift(line.delivered_at, delta)
        )
        for line in order.lines
    )
    return replace(
        order,
        created_at=order.created_at + delta,
        fulfilled_at=_shift(order.fulfilled_at, delta),
        delivered_at=_shift(order.delivered_at, delta),
        lines=lines,
    )


def read_order_file(path: Path, now: datetime | None = None) -> OrderFacts:
    """The order in ``path``, its dates moved to ``now`` (default: the current time) when the file has ``as_of``."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise OrderFileInvalid(f"{path}: cannot be read: {exc.strerror}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrderFileInvalid(f"{path}: not valid JSON: {exc}.") from None
    as_of: datetime | None = None
    order_path = "$"
    if isinstance(data, dict) and "order" in data:
        unknown = sorted(set(data) - _WRAPPER_KEYS)
        if unknown:
            raise OrderFileInvalid(
                f"{path}: unknown key(s) {', '.join(unknown)} beside 'order'; only 'as_of' and 'order' belong there."
            )
        raw_as_of = data.get("as_of")
        if raw_as_of is not None:
            try:
                as_of = datetime.fromisoformat(str(raw_as_of))
            except ValueError:
                as_of = None
            if as_of is None or as_of.tzinfo is None:
                raise OrderFileInvalid(
                    f"{path}: $.as_of {raw_as_of!r} is not an ISO 8601 instant with an offset, e.g. "
                    '"2026-03-10T12:00:00+01:00".'
                )
        data, order_path = data["order"], "$.order"
    try:
        order = order_facts_from_dict(data, order_path)
    except FactsInvalid as invalid:
        problems = "\n".join(f"  {where}: {message}" for where, message in invalid.errors)
        raise OrderFileInvalid(
            f"{path}: the order has {len(invalid.errors)} problem(s):\n{problems}"
        ) from None
    if as_of is not None:
        order = shift_order(order, (now or timezone.now()) - as_of)
    return order


def order_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``*.json`` files named, directories expanded (sorted by name)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise OrderFileInvalid(f"{path}: no such file or directory.")
    if not files:
        raise OrderFileInvalid(f"No *.json order files in {', '.join(str(p) for p in paths)}.")
    return files


def import_orders(paths: Iterable[str | Path], now: datetime | None = None) -> list[OrderRecord]:
    """Record every order in ``paths`` (files or directories); importing again updates the same orders.

    All or nothing: a bad file (unreadable, invalid, or refused by the recording service) imports no order.
    """
    now = now or timezone.now()
    files = order_files(paths)
    orders = [read_order_file(path, now) for path in files]
    records = []
    with transaction.atomic():
        for path, order in zip(files, orders, strict=True):
            try:
                records.append(record_order(order))
            except ServiceError as error:
                raise OrderFileInvalid(f"{path}: {error.message}") from None
    return records


def publish_policy_file(
    channel: str, path: str | Path, created_by: str = "sandbox"
) -> tuple[PolicyVersion, bool]:
    """Validate the policy file (JSON or YAML) and publish it for ``channel``; returns ``(version, created)``.

    Raises :class:`..rules.document.SourceError` or :class:`..rules.validation.PolicyInvalid` for a bad document.
    """
    text = Path(path).read_text(encoding="utf-8")
    data, source_format = load_source(text)
    return publish_policy(channel, normalise_policy(data), text, source_format, created_by)
