"""What the benchmarks share: a fresh sandbox database, running a bench module inside the Saleor tier, and the
environment of a Saleor process (a server, a Celery worker) working on that tier's test database."""

import os
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SALEOR_TIER = ROOT / "tests" / "saleor"
SALEOR_SETTINGS = "aftersales_bench_settings"


def fresh_sandbox_database(suffix: str) -> None:
    """Point Django at a new, migrated database ``<name><suffix>`` (embedded PostgreSQL or DATABASE_URL's server)."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from saleor_aftersales_plugin.sandbox import embedded

    os.environ["DATABASE_URL"] = embedded.fresh_database(embedded.database_url(), suffix)
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_aftersales_plugin.sandbox.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def run_in_saleor_tier(bench_file: str, *, create_db: bool) -> int:
    """Run ``bench_file``'s tests with the Saleor tier's conftest (Saleor's fixtures, its test database)."""
    here = Path(bench_file).resolve()
    sys.path.insert(0, str(SALEOR_TIER))
    # The tier's conftest imports Saleor's fixtures (models) as a -p plugin, before pytest-django would set up Django.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor.tests.settings")
    import django

    django.setup()
    return pytest.main(
        [
            str(here),
            "-c",
            str(SALEOR_TIER / "pytest.ini"),
            "--rootdir",
            str(here.parent),
            "-p",
            "conftest",
            "-n",
            "0",
            "-q",
            "-s",
            "--ds=saleor.tests.settings",
            "--create-db" if create_db else "--reuse-db",
        ]
    )


def saleor_process_env(settings_dir: str, database: str, **settings: object) -> dict[str, str]:
    """The environment of a Saleor process beside a Saleor-tier bench: Saleor's test settings with the plugin and
    ``settings`` (a module written into ``settings_dir``), on the bench's test database ``database``."""
    lines = [
        "from saleor.tests.settings import *  # noqa: F403",
        'PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin"]',
        *(f"{name} = {value!r}" for name, value in settings.items()),
    ]
    Path(settings_dir, f"{SALEOR_SETTINGS}.py").write_text("\n".join(lines) + "\n")
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SALEOR_SETTINGS
    env["PYTHONPATH"] = os.pathsep.join([settings_dir, env.get("PYTHONPATH", "")])
    env["DATABASE_URL"] = f"{env['DATABASE_URL'].rsplit('/', 1)[0]}/{database}"
    return env
