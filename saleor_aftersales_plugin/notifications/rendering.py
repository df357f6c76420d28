"""Rendering messages: a sandboxed Jinja2 environment per channel, built-in templates plus the channel's overrides.

Templates live in ``templates/<language>/<event>.<part>`` (parts: ``subject``, ``txt``, ``html``) and hold only
their language's words: HTML bodies extend ``<language>/_layout.html`` (which extends the shared ``_layout.html``),
item lists include the shared ``_items.html`` / ``_items.txt`` (filter ``item_line``). Merchants override any of them per channel with a mapping of the same names to
template source, e.g. ``{"en/approved.subject": "Good news about return {{ case_number }}"}``. Overrides run in
Jinja2's immutable sandbox (no access to Python internals, no mutation), HTML is autoescaped, and undefined
variables are errors rather than blanks. :func:`validate_overrides` checks a mapping before it is saved.
"""

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import Any

import yaml
from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..i18n import html_lang
from .events import COMMON_VARIABLES, EVENTS, PARTS, SAMPLE_CONTEXT, variables_of
from .formatting import TEMPLATES_DIR, available_languages, item_line, match_language, render_context

__all__ = [
    "OverridesError",
    "RenderedMessage",
    "parse_overrides",
    "render",
    "template_name",
    "validate_overrides",
]

LAYOUT = "_layout.html"
_KEY = re.compile(
    r"^(?P<language>[A-Za-z]{2,3}(?:_[A-Za-z0-9]+)*)/(?P<stem>[a-z_]+)\.(?P<part>subject|txt|html)$"
)
MAX_OVERRIDE_CHARS = 64 * 1024


class OverridesError(ValueError):
    """Template overrides were refused; ``errors`` lists every problem (template name and line included)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    language: str


def template_name(language: str, event: str, part: str) -> str:
    return f"{language}/{event}.{part}"


class _OverridesLoader(DictLoader):
    """Overrides by name; each reports its name as its file name, so errors point at the template and its line."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, _filename, uptodate = super().get_source(environment, template)
        return source, template, uptodate


def _blank_none(value: Any) -> Any:
    """Unknown optional values (None) print as nothing rather than "None"."""
    return "" if value is None else value


@pass_context
def _item_line(context: Context, item: Mapping[str, Any]) -> str:
    """``{{ item | item_line }}``: the item in the message's language (HTML templates escape it like any value)."""
    return item_line(item, context["language"])


def _environment(overrides: Mapping[str, str]) -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([_OverridesLoader(dict(overrides)), FileSystemLoader(str(TEMPLATES_DIR))]),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        finalize=_blank_none,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["html_lang"] = html_lang
    environment.filters["item_line"] = _item_line
    return environment


@lru_cache(maxsize=64)
def _cached_environment(frozen: str) -> ImmutableSandboxedEnvironment:
    return _environment(json.loads(frozen))


def _environment_for(overrides: Mapping[str, str]) -> ImmutableSandboxedEnvironment:
    return _cached_environment(json.dumps(dict(overrides), sort_keys=True))


def render(
    event: str,
    language: str,
    payload: Mapping[str, Any],
    *,
    time_zone: str = "UTC",
    overrides: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """Render the three parts of ``event`` in ``language`` (matched to an available one) for ``payload``.

    ``overrides`` are the channel's template overrides, as its host gives them (none by default).
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown message event {event!r}; known: {', '.join(EVENTS)}.")
    language = match_language(language)
    environment = _environment_for(parse_overrides(overrides or {}))
    missing: dict[str, Any] = {name: [] if name == "items" else None for name in variables_of(event)}
    context = render_context(missing | dict(payload), language, time_zone)
    parts = {
        part: environment.get_template(template_name(language, event, part)).render(context) for part in PARTS
    }
    return RenderedMessage(
        subject=" ".join(parts["subject"].split()),
        text=parts["txt"].strip() + "\n",
        html=parts["html"].strip() + "\n",
        language=language,
    )


_PART_ALIASES = {"subject": "subject", "txt": "txt", "text": "txt", "body": "txt", "html": "html"}


def _flatten(value: Mapping[str, Any]) -> dict[str, Any]:
    """``{event: {language: {part: source}}}`` (parts: subject, text/txt/body, html) as flat template names."""
    flat: dict[str, Any] = {}
    for event_name, languages in value.items():
        if not isinstance(languages, Mapping):
            flat[str(event_name)] = languages
            continue
        for language, parts in languages.items():
            if not isinstance(parts, Mapping):
                flat[f"{language}/{event_name}"] = parts
                continue
            for part, source in parts.items():
                flat[f"{language}/{event_name}.{_PART_ALIASES.get(str(part), part)}"] = source
    return flat


def parse_overrides(value: Mapping[str, Any] | str | None) -> Mapping[str, Any]:
    """Overrides as flat template names -> source.

    Accepts the flat mapping (``{"en/approved.subject": ...}``), the nested form
    (``{"approved": {"en": {"subject": ..., "text": ..., "html": ...}}}``) or either as JSON / YAML text, as the
    plugin configuration holds it.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            data = yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise OverridesError([f"Template overrides are not valid JSON or YAML: {error}."]) from None
        value = data if data is not None else {}
    if isinstance(value, Mapping) and any(isinstance(item, Mapping) for item in value.values()):
        value = _flatten(value)
    if not isinstance(value, Mapping):
        raise OverridesError(
            [
                "Template overrides must be a mapping of template names to template text, e.g. "
                '{"en/approved.subject": "Return {{ case_number }} approved"}.'
            ]
        )
    return value


def _line_of_error(name: str, traceback: TracebackType | None) -> int | None:
    """The line of template ``name`` where a render error happened (Jinja2 rewrites frames to template lines)."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == name:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _check_template(
    environment: ImmutableSandboxedEnvironment, name: str, source: str, event: str
) -> list[str]:
    try:
        tree = environment.parse(source, name=name)
    except TemplateSyntaxError as error:
        return [f"{name}, line {error.lineno}: syntax error: {(error.message or '').rstrip('.')}."]
    allowed = variables_of(event) if event else frozenset(COMMON_VARIABLES)
    unknown = sorted(meta.find_undeclared_variables(tree) - allowed - set(environment.globals))
    errors = []
    for variable in unknown:
        line = next((node.lineno for node in tree.find_all(nodes.Name) if node.name == variable), None)
        known = ", ".join(sorted(allowed))
        errors.append(f"{name}, line {line}: unknown variable '{variable}'; this template may use: {known}.")
    return errors


def validate_overrides(value: Mapping[str, Any] | str | None) -> list[str]:
    """Every problem with a channel's template overrides (empty when they are fine to save).

    Checks the names (``<language>/<event>.<part>`` with a known language, event and part, or
    ``<language>/_layout.html``), the syntax, the variables each template uses, and test-renders every event of an
    overridden language with sample values so that errors such as ``{{ items[0].nmae }}`` are caught too. Each
    message names the template and, where known, the line.
    """
    try:
        overrides = parse_overrides(value)
    except OverridesError as error:
        return error.errors
    errors: list[str] = []
    languages = available_languages()
    checked: dict[str, str] = {}
    for name, source in overrides.items():
        match = _KEY.match(str(name))
        if not match:
            errors.append(
                f"{name!r} is not a template name: use '<language>/<event>.<part>' with part subject, txt or html, "
                "e.g. 'en/approved.subject', or '<language>/_layout.html'."
            )
            continue
        language, stem, part = match["language"], match["stem"], match["part"]
        if language not in languages:
            errors.append(
                f"{name}: no built-in templates for language {language!r}; available: {', '.join(languages)}."
            )
            continue
        if f"{stem}.{part}" != LAYOUT and stem not in EVENTS:
            errors.append(f"{name}: unknown event {stem!r}; known events: {', '.join(EVENTS)}.")
            continue
        if not isinstance(source, str):
            errors.append(f"{name}: the template must be text, got {type(source).__name__}.")
            continue
        if len(source) > MAX_OVERRIDE_CHARS:
            errors.append(f"{name}: the template is longer than {MAX_OVERRIDE_CHARS // 1024} KiB.")
            continue
        checked[str(name)] = source
    environment = _environment(checked)
    for name, source in checked.items():
        stem = name.split("/", 1)[1].rsplit(".", 1)[0]
        errors.extend(_check_template(environment, name, source, "" if stem + ".html" == LAYOUT else stem))
    if errors:
        return errors
    for language in sorted({name.split("/", 1)[0] for name in checked}):
        for event in EVENTS:
            for part in PARTS:
                name = template_name(language, event, part)
                layout_overridden = part == "html" and f"{language}/{LAYOUT}" in checked
                if name not in checked and not layout_overridden:
                    continue
                try:
                    template = environment.get_template(name)
                    template.render(
                        render_context(SAMPLE_CONTEXT, language, str(SAMPLE_CONTEXT["time_zone"]))
                    )
                except TemplateError as error:
                    traceback = sys.exc_info()[2]
                    failing = name
                    line = _line_of_error(name, traceback)
                    layout = f"{language}/{LAYOUT}"
                    if line is None and layout in checked:
                        failing, line = layout, _line_of_error(layout, traceback)
                    where = f", line {line}" if line else ""
                    errors.append(
                        f"{failing}{where}: {error.message or error} (when rendering {name} with sample values)."
                    )
    return list(dict.fromkeys(errors))
