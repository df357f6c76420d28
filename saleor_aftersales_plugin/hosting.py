"""The host this process serves: Saleor's when Saleor's apps are installed in Django, the sandbox's otherwise.

For work no caller handed a host to: the Celery tasks, and the messages of services called without one.
"""

from django.apps import apps
from django.utils.module_loading import import_string

from .domain.host import HostPort
from .sandbox.host import SandboxHost

SALEOR_HOST = "saleor_aftersales_plugin.saleor.host.SaleorHost"


def current_host() -> HostPort:
    """A new host port for this process.

    Inside Saleor it is always Saleor's: if Saleor moved something that host needs, its import fails here, loudly,
    rather than the work falling back to the sandbox (which moves no money and knows no staff groups).
    """
    if apps.is_installed("saleor.order"):
        # By name: this module is loaded where Saleor is not installed too (the sandbox, CI).
        return import_string(SALEOR_HOST)()
    return SandboxHost()
