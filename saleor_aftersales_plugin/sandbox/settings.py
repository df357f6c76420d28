"""Django settings of the standalone sandbox host (demo and tests); Saleor uses its own settings."""

import os

import dj_database_url

from .embedded import database_url

SECRET_KEY = os.environ.get("SECRET_KEY", "aftersales-sandbox-not-secret")
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "saleor_aftersales_plugin",
]
MIDDLEWARE: list[str] = []
DATABASES = {"default": dj_database_url.parse(database_url(), conn_max_age=0)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "saleor_aftersales_plugin.sandbox.urls"
STATIC_URL = "/static/"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shop@example.com")
# The demo points the worker's file-based mail backend at a directory of its state dir to show delivered messages.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
AFTERSALES_DEFAULT_CHANNEL = os.environ.get("AFTERSALES_DEFAULT_CHANNEL", "default-channel")
# As Saleor's settings: graphql-core logs a traceback for every error a resolver raises, refusals of bad input
# included; the API logs unexpected failures itself, once, with the request's id (graphql/api.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {
        "graphql.execution.utils": {"propagate": False, "handlers": ["null"]},
        "graphql.execution.executor": {"propagate": False, "handlers": ["null"]},
    },
}
