"""Command line: ``python -m saleor_aftersales_plugin`` (or ``saleor-aftersales``).

Exit status: 0 success, 1 the policy or case is invalid (or, with ``check --strict``, has warnings), 2 a file
cannot be read or the command line is wrong, 70 an internal error (one line saying what; ``AFTERSALES_DEBUG=1``
shows the traceback). Bad input never prints a traceback.
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import __version__

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class _Unreadable(Exception):
    """A file the command needs cannot be read; the message says which and why."""


def _read(path: str, what: str) -> str:
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _Unreadable(f"error: {what} file {path!r} does not exist.") from None
    except IsADirectoryError:
        raise _Unreadable(f"error: {what} file {path!r} is a directory; give the path of a file.") from None
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"error: {what} file {path!r} is not UTF-8 text ({exc.reason}).") from None
    except OSError as exc:
        raise _Unreadable(f"error: cannot read {what} file {path!r}: {exc.strerror}.") from None


def _load_policy(path: str) -> Any:
    """The parsed Policy, or None after printing every error (exit status 1)."""
    from .rules.validation import PolicyInvalid, parse_policy

    text = _read(path, "policy")
    try:
        return parse_policy(text)
    except PolicyInvalid as invalid:
        for error in invalid.errors:
            print(f"{error.path}: [{error.code}] {error.message}")
        count = len(invalid.errors)
        print(f"{path}: {count} error{'s' if count != 1 else ''}.", file=sys.stderr)
        return None


def _policy_check(args: argparse.Namespace) -> int:
    from .rules.warnings import policy_warnings

    policy = _load_policy(args.file)
    if policy is None:
        return EXIT_INVALID
    warnings = policy_warnings(policy)
    for warning in warnings:
        print(warning)
    count = len(policy.rules)
    summary = f"{policy.name or Path(args.file).name} — {count} rule{'s' if count != 1 else ''}"
    if warnings:
        summary += f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if warnings and args.strict:
        print(f"{args.file}: refused by --strict: {summary}.", file=sys.stderr)
        return EXIT_INVALID
    print(f"OK: {summary}")
    return EXIT_OK


def _policy_explain(args: argparse.Namespace) -> int:
    from .domain.facts_json import FactsInvalid, case_facts_from_dict

    case_text = _read(args.case, "case")
    policy = _load_policy(args.file)
    if policy is None:
        return EXIT_INVALID
    try:
        data = json.loads(case_text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        print(f"{args.case}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        return EXIT_INVALID
    try:
        facts = case_facts_from_dict(data)
    except FactsInvalid as invalid:
        for path, message in invalid.errors:
            print(f"{path}: {message}")
        print(f"{args.case}: the case has {len(invalid.errors)} problem(s).", file=sys.stderr)
        return EXIT_INVALID

    from .rules.engine import decide, format_decision
    from .rules.zero_refund import apply_zero_refund

    # As the service decides: a line whose refund would be 0.00 after fees gets the policy's zero_refund outcome.
    decision, zero_refunds = apply_zero_refund(
        policy.defaults.zero_refund, facts, decide(policy, facts), lambda case: decide(policy, case)
    )
    if args.json:
        data = decision.to_dict()
        if zero_refunds:
            data["zero_refunds"] = [item.to_dict() for item in zero_refunds]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_decision(decision, time_zone_formatter=policy.calendar.format_instant))
        for item in zero_refunds:
            fees = ", ".join(f"{code} {amount}" for code, amount in item.fees)
            print(
                f"Refund 0.00 after fees on line {item.line_id}: {item.before_fees} before fees ({fees}); "
                f"zero_refund: {item.outcome.value}"
            )
    return EXIT_OK


def _policy_preview(args: argparse.Namespace) -> int:
    """The customer-facing text of a policy file, as the policy page and the API would publish it."""
    from .publishing import render_policy_text, resolve_language
    from .publishing.language import SUPPORTED, UnsupportedLanguage

    policy = _load_policy(args.file)
    if policy is None:
        return EXIT_INVALID
    wanted = args.language or (policy.defaults.languages or ("en",))[0]
    try:
        language = resolve_language(wanted)
    except UnsupportedLanguage:
        print(
            f"error: the policy text cannot be written in {wanted!r}; use --language with one of "
            f"{', '.join(SUPPORTED)}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    listed = {_resolved_or_none(code) for code in policy.defaults.languages}
    if language not in listed:
        print(
            f"note: {language} is not among the policy's languages ({', '.join(policy.defaults.languages)}); "
            "customers are not offered this text until defaults.languages lists it.",
            file=sys.stderr,
        )
    sys.stdout.write(render_policy_text(policy, language, fmt=args.format))
    return EXIT_OK


def _resolved_or_none(code: str) -> str | None:
    from .publishing.language import UnsupportedLanguage, resolve_language

    try:
        return resolve_language(code)
    except UnsupportedLanguage:
        return None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31."
        ) from None


def _policy_simulate(args: argparse.Namespace) -> int:
    text = _read(args.file, "policy")
    # The simulation reads recorded orders and cases: the sandbox's database, as the tests and the demo use it.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_aftersales_plugin.sandbox.settings")
    import django

    django.setup()
    from .services import ServiceError
    from .services.simulation import SimulationInvalid, simulate

    try:
        report = simulate(args.channel, text, args.start, args.end)
    except SimulationInvalid as invalid:
        for error in invalid.errors:
            print(f"{error.path}: [{error.code}] {error.message}")
        print(f"{args.file}: {len(invalid.errors)} error(s).", file=sys.stderr)
        return EXIT_INVALID
    except ServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.format_text())
    return EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    from .rules.reference import render_reference
    from .rules.schema import policy_json_schema

    sys.stdout.write(policy_json_schema() if args.json_schema else render_reference())
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .sandbox.demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m saleor_aftersales_plugin",
        description="After-sales policies for Saleor: check them, explain their decisions, read their reference.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    policy = commands.add_parser("policy", help="check a policy file or explain how it decides a case")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")
    check = policy_commands.add_parser("check", help="validate a policy (JSON or YAML) and list every error")
    check.add_argument("file", metavar="FILE", help="policy document, JSON or YAML")
    check.add_argument(
        "--strict",
        action="store_true",
        help="also refuse (exit 1) a policy with warnings, e.g. less than a statutory minimum or a threshold "
        "without the shop's currency",
    )
    check.set_defaults(handler=_policy_check)
    explain = policy_commands.add_parser("explain", help="decide a case with a policy and show why")
    explain.add_argument("file", metavar="FILE", help="policy document, JSON or YAML")
    explain.add_argument(
        "--case", required=True, metavar="CASE.json", help="the case: order, request and time"
    )
    explain.add_argument("--json", action="store_true", help="print the decision as JSON")
    explain.set_defaults(handler=_policy_explain)

    preview = policy_commands.add_parser(
        "preview", help="print the customer-facing policy text a policy file publishes"
    )
    preview.add_argument("file", metavar="FILE", help="policy document, JSON or YAML")
    preview.add_argument(
        "--language",
        metavar="L",
        help="language of the text, e.g. en or zh_Hans (default: the policy's first language)",
    )
    preview.add_argument(
        "--format", choices=("text", "html", "markdown"), default="text", help="output format (default: text)"
    )
    preview.set_defaults(handler=_policy_preview)

    simulate = policy_commands.add_parser(
        "simulate", help="decide a period's recorded orders and cases with a draft and the current version"
    )
    simulate.add_argument("file", metavar="FILE", help="draft policy document, JSON or YAML")
    simulate.add_argument("--channel", required=True, help="channel slug whose current version is compared")
    simulate.add_argument("--from", dest="start", required=True, type=_date, metavar="DATE", help="first day")
    simulate.add_argument(
        "--to", dest="end", required=True, type=_date, metavar="DATE", help="last day (included)"
    )
    simulate.add_argument("--json", action="store_true", help="print the report as JSON")
    simulate.set_defaults(handler=_policy_simulate)

    docs = commands.add_parser("docs", help="print the policy language reference (docs/policy.md)")
    docs.add_argument(
        "--json-schema",
        action="store_true",
        help="print the policy's JSON Schema instead (docs/policy.schema.json)",
    )
    docs.set_defaults(handler=_docs)
    demo = commands.add_parser("demo", help="walk through the plugin in the standalone sandbox")
    demo.add_argument("--once", action="store_true", help="run the walkthrough and exit instead of serving")
    demo.set_defaults(handler=_demo)
    from .sandbox.commands import add_parser as add_sandbox_parser

    add_sandbox_parser(commands)
    return parser


EXIT_INTERNAL = 70
DEBUG_ENV = "AFTERSALES_DEBUG"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except _Unreadable as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `docs | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except RecursionError:
        print("error: the input nests too deeply to be read.", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # never a traceback for the user; AFTERSALES_DEBUG=1 shows it
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"error: {type(exc).__name__}: {exc}\n(an internal error; run again with {DEBUG_ENV}=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
