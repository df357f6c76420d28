"""The published policy, generated from the rules that decide: full text, product summaries and version
differences; pure code. The public policy page, the one part that needs Django, is :func:`.page.policy_page`.
"""

from datetime import datetime

from ..rules.document import Policy
from .diff import policy_diff
from .document import Builder, PolicyText
from .language import SUPPORTED, Phrases, UnsupportedLanguage, environment, resolve_language
from .summary import product_summary

__all__ = [
    "FORMATS",
    "SUPPORTED",
    "UnsupportedLanguage",
    "build_policy_text",
    "policy_diff",
    "product_summary",
    "render_policy_text",
    "resolve_language",
]

FORMATS = ("text", "html", "markdown")


def build_policy_text(
    policy: Policy,
    language: str,
    *,
    version: int | None = None,
    effective_from: datetime | None = None,
    customer_favourable: bool = False,
) -> PolicyText:
    """The policy as sections of keyed sentences in ``language`` (what every format renders)."""
    return Builder(
        policy,
        Phrases(language),
        version=version,
        effective_from=effective_from,
        customer_favourable=customer_favourable,
    ).build()


def render_policy_text(
    policy: Policy,
    language: str,
    *,
    fmt: str = "text",
    version: int | None = None,
    effective_from: datetime | None = None,
    customer_favourable: bool = False,
    heading_level: int = 1,
) -> str:
    """The complete customer-facing policy in ``language`` as plain text, an HTML fragment or Markdown."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    doc = build_policy_text(
        policy,
        language,
        version=version,
        effective_from=effective_from,
        customer_favourable=customer_favourable,
    )
    template = environment(fmt == "html").get_template(f"policy.{fmt}.j2")
    return template.render(doc=doc, level=heading_level).strip() + "\n"
