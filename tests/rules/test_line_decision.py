"""LineDecision has its own __init__ (the frozen dataclass's generated one is slow to call once per line): it takes
exactly the dataclass's fields, in order and with their defaults, and what it builds behaves as the dataclass would."""

import dataclasses
import inspect
import pickle
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from saleor_aftersales_plugin.rules.actions import SlaSetting, WindowSetting
from saleor_aftersales_plugin.rules.calendar import Anchor, DayKind
from saleor_aftersales_plugin.rules.decision import LineDecision


def _line(**changes) -> LineDecision:
    fields = {
        "line_id": "line-1",
        "quantity": 2,
        "eligible": True,
        "reasons": (),
        "window": WindowSetting(14, Anchor.DELIVERY, DayKind.CALENDAR),
        "window_anchor": Anchor.DELIVERY,
        "window_ends_at": datetime(2026, 4, 1, tzinfo=UTC),
        "fees": (),
        "fee_cap": None,
        "resolutions": ("refund",),
        "store_credit_bonus": Decimal(5),
        "review_required": False,
        "photos_required": 1,
        "warranty_months": 24,
        "warranty_ends_at": None,
        "in_warranty": None,
        "sla": SlaSetting(Decimal(24), Decimal(5)),
        "escalation_path": "default",
        "refundable": Decimal("19.99"),
        "decided_by": {"window": "rule-1"},
    }
    return LineDecision(**(fields | changes))


def test_init_takes_the_fields_in_order_with_their_defaults():
    parameters = list(inspect.signature(LineDecision.__init__).parameters.values())[1:]
    fields = dataclasses.fields(LineDecision)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == expected, field.name


def test_built_line_has_every_field_and_stays_frozen():
    line = _line()
    assert (line.refundable, line.decided_by, line.trace) == (Decimal("19.99"), {"window": "rule-1"}, ())
    assert vars(line).keys() == {f.name for f in dataclasses.fields(line)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.eligible = False  # type: ignore[misc]


def test_equality_replace_and_pickle_work_as_for_a_dataclass():
    line = _line()
    assert line == _line() and line != _line(quantity=1)
    changed = dataclasses.replace(line, eligible=False, reasons=("window_expired",))
    assert (changed.eligible, changed.reasons, changed.line_id) == (False, ("window_expired",), "line-1")
    assert line.eligible is True
    assert pickle.loads(pickle.dumps(line)) == line
    assert "refundable=Decimal('19.99')" in repr(line)
