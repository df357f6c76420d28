"""The host this process serves: Saleor's when Saleor's apps are installed in Django, the sandbox's otherwise.

For work no caller handed a host to: the Celery tasks, and the messages of services called without one. The hosts
are named, not imported (as Django names its e-mail backend): they sit above the services and tasks that ask for one,
and Saleor's host imports Saleor, which the sandbox does not have.
"""

from django.apps import apps
from django.utils.module_loading import import_string

from .domain.host import HostPort

SALEOR_HOST = "saleor_aftersales_plugin.saleor.host.SaleorHost"
SANDBOX_HOST = "saleor_aftersales_plugin.sandbox.host.SandboxHost"


def current_host() -> HostPort:
    """A new host port for this process.

    Inside Saleor it is always Saleor's: if Saleor moved something that host needs, its import fails here, loudly,
    rather than the work falling back to the sandbox (which moves no money and knows no staff groups).
    """
    return import_string(SALEOR_HOST if apps.is_installed("saleor.order") else SANDBOX_HOST)()
