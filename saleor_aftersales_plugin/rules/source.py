"""Reading policy text (JSON or YAML) with bounds: nothing a merchant pastes can hang, crash or silently drop data.

The readers refuse duplicate keys (JSON and YAML alike: last-wins would silently drop e.g. a second ``rules``),
nesting deeper than :data:`MAX_NESTING`, YAML alias trees that would expand past :data:`MAX_EXPANDED_NODES` (counted
on the composed node graph before anything is built) and integers longer than :data:`MAX_INTEGER_DIGITS` (kept as
``Decimal`` so that validation reports them as out of range instead of Python refusing to convert them).
"""

import json
import re
from decimal import Decimal
from typing import Any

import yaml
from yaml import _yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_SOURCE_BYTES = 512 * 1024
MAX_NESTING = 64
"""Deepest nesting of lists and mappings in the text (a policy needs about 25 for 8 levels of conditions)."""
MAX_ALIASES = 1_000
MAX_EXPANDED_NODES = 200_000
MAX_INTEGER_DIGITS = 40

__all__ = [
    "MAX_ALIASES",
    "MAX_EXPANDED_NODES",
    "MAX_INTEGER_DIGITS",
    "MAX_NESTING",
    "MAX_SOURCE_BYTES",
    "SourceError",
    "load_source",
]


class SourceError(ValueError):
    """The text is neither JSON nor YAML, or breaks a bound; carries the line and column when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


# --- JSON

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _json_nesting(text: str) -> tuple[int, int] | None:
    """Where the text first nests deeper than MAX_NESTING (an offset and the depth), scanning without recursion."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return match.start(), depth
        elif token in "]}":
            depth -= 1
    return None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _json_int(text: str) -> int | Decimal:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INTEGER_DIGITS else Decimal(text)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _load_json(text: str) -> Any:
    deep = _json_nesting(text)
    if deep is not None:
        line, column = _line_column(text, deep[0])
        raise SourceError(
            f"The JSON nests lists and objects more than {MAX_NESTING} levels deep.", line, column
        )
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_json_int, object_pairs_hook=_json_object)
    except _DuplicateKey as exc:
        position = _duplicate_json_key_position(text, exc.key)
        raise SourceError(
            f"The key {json.dumps(exc.key, ensure_ascii=False)[:80]} appears twice in one object; "
            "a second one would silently replace the first: merge them or remove one.",
            *position,
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"Invalid JSON: {exc.msg}.", exc.lineno, exc.colno) from None
    except (ValueError, RecursionError) as exc:  # e.g. a number Python cannot convert
        raise SourceError(f"Invalid JSON: {type(exc).__name__}.") from None


def _duplicate_json_key_position(text: str, key: str) -> tuple[int | None, int | None]:
    quoted = json.dumps(key)
    first = text.find(quoted)
    second = text.find(quoted, first + 1) if first >= 0 else -1
    return _line_column(text, second) if second >= 0 else (None, None)


# --- YAML


class _BoundedComposer(Composer):
    """Counts aliases and nesting while composing; the node graph is measured before it is constructed."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise SourceError(
                    f"The YAML uses more than {MAX_ALIASES} aliases (*name).", mark.line + 1, mark.column + 1
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                mark = self.peek_event().start_mark
                raise SourceError(
                    f"The YAML nests lists and mappings more than {MAX_NESTING} levels deep.",
                    mark.line + 1,
                    mark.column + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(root: Node) -> int:
    """Nodes the document would have with every alias expanded, computed on the shared graph (no expansion)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, ScalarNode):
            sizes[id(node)] = 1
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                children.extend((key, value))
        if children_done:
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


class _BoundedConstructor(SafeConstructor):
    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        if isinstance(node, MappingNode):
            seen: set[tuple[str, str]] = set()
            for key_node, _value in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # keys merged in with << may be overridden, as YAML intends
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise SourceError(
                        f"The key {key_node.value[:80]!r} appears twice in one mapping; a second one would "
                        "silently replace the first: merge them or remove one.",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Node) -> int | Decimal:  # type: ignore[override]
        value = str(self.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
        digits = value.lstrip("+-")
        if digits.isdigit() and len(digits) > MAX_INTEGER_DIGITS and not digits.startswith("0"):
            return Decimal(value)
        return super().construct_yaml_int(node)


_BoundedConstructor.add_constructor("tag:yaml.org,2002:int", _BoundedConstructor.construct_yaml_int)


class _BoundedLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _BoundedComposer,
    _BoundedConstructor,
    yaml.resolver.Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _BoundedComposer.__init__(self)
        _BoundedConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


CParser = getattr(_yaml, "CParser", None) if yaml.__with_libyaml__ else None

if CParser is not None:

    class _FastBoundedLoader(_BoundedComposer, CParser, _BoundedConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        """libyaml scans and parses; composing (with the bounds) and constructing stay in Python."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            _BoundedConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _Loader: type = _FastBoundedLoader
else:  # pragma: no cover - PyYAML without libyaml
    _Loader = _BoundedLoader


def _load_yaml(text: str) -> Any:
    loader: Any = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise SourceError(
                f"The YAML's aliases (*name) would expand to more than {MAX_EXPANDED_NODES:,} values; "
                "write the values out or use fewer aliases."
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            raise SourceError(f"Invalid YAML: {problem}.", mark.line + 1, mark.column + 1) from None
        raise SourceError(f"Invalid YAML: {problem}.") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(f"Invalid YAML: {exc}"[:300]) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_source(text: str) -> tuple[Any, str]:
    """Parse policy text, JSON or YAML; returns (data, format) or raises :class:`SourceError`."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise SourceError(
            f"The text holds a character that is not valid Unicode at offset {exc.start}."
        ) from None
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"The policy is larger than {MAX_SOURCE_BYTES // 1024} KiB; split long texts or remove rules."
        )
    if text.lstrip().startswith(("{", "[")):
        return _load_json(text), "json"
    return _load_yaml(text), "yaml"
