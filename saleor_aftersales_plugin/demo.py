"""The ``demo`` command: a placeholder until the GraphQL API lands; replace :func:`run_demo` then."""

import argparse


def run_demo(args: argparse.Namespace) -> int:
    """Print what the demo will do; returns the exit status."""
    print(
        "The full demo arrives with the GraphQL API issue. It will start the sandbox (embedded PostgreSQL and\n"
        "Redis, no Saleor needed), publish examples/electronics-shop.yaml, import an order, and walk a return,\n"
        "an exchange, a repair and a complaint through the API, showing each decision and its explanation.\n"
        "\n"
        "Meanwhile, try the policy tools:\n"
        "  python -m saleor_aftersales_plugin policy check examples/electronics-shop.yaml\n"
        "  python -m saleor_aftersales_plugin policy explain examples/electronics-shop.yaml "
        "--case examples/cases/tv-opened-5-days.json"
    )
    return 0
