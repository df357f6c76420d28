"""How validation messages (of policies and of case files) show values and suggest fixes: short, safe renderings and
"did you mean"."""

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MAX_SHOWN = 60
MAX_LISTED = 12
DOCS_HINT = "`python -m saleor_aftersales_plugin docs` lists them all"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quoted_clause(message: object) -> str:
    """Another system's message quoted inside one of ours ("…: {quoted_clause(error)}. The amount stays…"): its
    own closing full stops and spaces are dropped, so the sentence ends with exactly one."""
    return str(message).strip().rstrip(".。").rstrip()


def show(value: Any) -> str:
    """A short, safe rendering of any value for a message (never huge, never recursive)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() < 128 else "a very large number"
    if isinstance(value, float | Decimal):
        text = str(value)
        return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
    if isinstance(value, str):
        text = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
        return repr(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list | tuple):
        return "[…]"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return f"a {type(value).__name__}"


def described(value: Any) -> str:
    """A value as :func:`show` renders it, a list or mapping by its kind ("a list"): for "… is not a mapping"."""
    return kind(value) if isinstance(value, Mapping | list | tuple) else show(value)


def kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    return f"a {type(value).__name__}"


def given(value: Any) -> str:
    if value is None:
        return "the value is empty (null)"
    return f"{show(value)} is {kind(value)}"


def yaml_hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (YAML reads unquoted yes/no/on/off/NO as true/false: put the value in quotes)"
    return ""


def names(options: Iterable[str]) -> str:
    return ", ".join(options)


def closest(word: Any, candidates: Iterable[str]) -> str | None:
    options = [c for c in candidates if isinstance(c, str)]
    if not isinstance(word, str) or not options:
        return None
    lowered = {option.lower(): option for option in options}
    match = difflib.get_close_matches(word.lower()[:200], list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def suggest(word: Any, candidates: Iterable[str], *, what: str = "") -> str:
    """' Did you mean 'x'?' for the closest candidate; otherwise the list of candidates when it is short."""
    options = [c for c in candidates if isinstance(c, str)]
    match = closest(word, options)
    if match is not None:
        return f" Did you mean '{match}'?"
    if not options:
        return ""
    if len(options) <= MAX_LISTED:
        return f" Use one of: {names(options)}."
    return f" There are {len(options)} {what or 'names'}; {DOCS_HINT}."


def full_list(value: str, options: list[str]) -> str:
    """After a 'Did you mean', still list short option lists in full."""
    if closest(value, options) is not None and len(options) <= MAX_LISTED:
        return f" Valid: {names(options)}."
    return ""


def json_path(loc: Iterable[Any]) -> str:
    path = "$"
    for key in loc:
        if isinstance(key, int) and not isinstance(key, bool):
            path += f"[{key}]"
        elif isinstance(key, str) and _IDENTIFIER.match(key):
            path += f".{key}"
        else:
            path += f"[{show(key)}]"
    return path


def where(path: str) -> str:
    if path == "$":
        return "the policy"
    return path[2:] if path.startswith("$.") else path
