"""The app page's headers: only its own scripts run (the configuration script by a nonce fresh each time), and the
sandbox's sign-in token in the address never travels on in a Referer."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_app_page_runs_only_its_own_scripts_and_sends_no_referer():
    pages = [Client().get("/app/queue") for _ in range(2)]
    nonces = []
    for page in pages:
        assert page.status_code == 200
        policy = page["Content-Security-Policy"]
        (nonce,) = re.findall(r"'nonce-([^']+)'", policy)
        assert f"script-src 'self' 'nonce-{nonce}';" in policy and "object-src 'none'" in policy
        assert f'<script nonce="{nonce}">window.__AFTERSALES__ = ' in page.content.decode()
        assert page["Referrer-Policy"] == "no-referrer"
        assert page["X-Content-Type-Options"] == "nosniff"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
