"""``python -m saleor_aftersales_plugin sandbox serve|import|token``: the standalone sandbox from the command line.

Without ``DATABASE_URL`` the sandbox starts an embedded PostgreSQL under ``.aftersales-state/`` (see :mod:`.embedded`).
The commands import the plugin's models and services inside their functions, after Django is set up.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_POLICY = EXAMPLES / "electronics-shop.yaml"
EXAMPLE_ORDERS = EXAMPLES / "orders"


def _serve(args: argparse.Namespace) -> int:
    from .server import make_server, migrate, serve_forever, setup_django, use_sandbox_celery

    setup_django()
    migrate()
    if args.policy and not _published(args.channel, args.policy):
        return 1
    use_sandbox_celery()
    server = make_server(args.host, args.port, quiet=args.quiet)

    def ready(url: str) -> None:
        # The first line is read by scripts (bench/api.py) to find the port.
        print(
            f"Serving the after-sales sandbox at {url}/ (GraphiQL at {url}/graphql/); Ctrl-C stops.",
            flush=True,
        )
        print("Sandbox host: refunds and store credit are recorded only; no money moves.", flush=True)

    serve_forever(server, ready)
    return 0


def _published(channel: str, path: str) -> bool:
    """Publish the policy file; False after printing every reason it was refused (never a traceback)."""
    from ..rules.document import SourceError
    from ..rules.validation import PolicyInvalid
    from ..services import ServiceError
    from .orders import publish_policy_file

    try:
        version, created = publish_policy_file(channel, path)
    except PolicyInvalid as invalid:
        for error in invalid.errors:
            print(f"{error.path}: [{error.code}] {error.message}", file=sys.stderr)
        print(f"error: {path}: {len(invalid.errors)} error(s); nothing was published.", file=sys.stderr)
        return False
    except SourceError as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        print(f"error: {path}: {error}{where}; nothing was published.", file=sys.stderr)
        return False
    except UnicodeDecodeError as error:
        print(f"error: {path} is not UTF-8 text ({error.reason}).", file=sys.stderr)
        return False
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror or error}.", file=sys.stderr)
        return False
    except (ServiceError, ValueError) as error:
        print(f"error: {path}: {getattr(error, 'message', error)}", file=sys.stderr)
        return False
    state = "published" if created else "already current"
    print(f"Policy {path}: version {version.version} of channel {channel!r} {state}.")
    return True


def _import(args: argparse.Namespace) -> int:
    from .server import migrate, setup_django

    setup_django()
    from .orders import OrderFileInvalid, import_orders

    migrate()
    if args.policy and not _published(args.channel, args.policy):
        return 1
    try:
        records = import_orders(args.paths or [EXAMPLE_ORDERS])
    except OrderFileInvalid as invalid:
        print(f"error: {invalid}", file=sys.stderr)
        return 1
    for record in records:
        who = record.customer_id or f"guest {record.customer_email}"
        print(f"order {record.number or record.order_id} ({record.order_id}) in {record.channel} for {who}")
    print(f"Imported {len(records)} order(s).")
    return 0


def _token(args: argparse.Namespace) -> int:
    from .server import setup_django

    setup_django()  # the tokens are signed with the sandbox SECRET_KEY
    from . import tokens

    try:
        if args.role == "customer":
            token = tokens.customer_token(args.id or "user-anna", args.email or "anna@example.com")
        elif args.role == "staff":
            token = tokens.staff_token(
                args.id or "staff-1", args.email or "staff@volt.example", args.channel, merchant=args.merchant
            )
        else:
            token = tokens.app_token(args.id or "app-1")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def add_parser(commands: Any) -> None:
    """Register the ``sandbox`` command on the CLI's subparsers."""
    sandbox = commands.add_parser(
        "sandbox", help="run the standalone sandbox host (no Saleor needed; no money moves)"
    )
    sub = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="SUBCOMMAND")

    serve = sub.add_parser("serve", help="serve GraphQL (with GraphiQL) and the policy page on loopback")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    serve.add_argument("--policy", metavar="FILE", help="publish this policy file first")
    serve.add_argument("--channel", default="default-channel", help="channel of --policy")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.set_defaults(handler=_serve)

    imp = sub.add_parser("import", help="record orders from JSON files (default: examples/orders)")
    imp.add_argument("paths", nargs="*", metavar="PATH", help="order JSON files or directories")
    imp.add_argument("--policy", metavar="FILE", help="publish this policy file first")
    imp.add_argument("--channel", default="default-channel", help="channel of --policy")
    imp.set_defaults(handler=_import)

    token = sub.add_parser("token", help="print a bearer token (guests need none)")
    token.add_argument("role", choices=["customer", "staff", "app"])
    token.add_argument("--id", help="user or app id (default: a sample one)")
    token.add_argument("--email", help="email of the customer or staff member")
    token.add_argument(
        "--channel", action="append", help="limit staff to this channel slug (repeat for more; default: all)"
    )
    token.add_argument(
        "--merchant", action="store_true", help="staff who may also publish the policy (MANAGE_PLUGINS)"
    )
    token.set_defaults(handler=_token)
