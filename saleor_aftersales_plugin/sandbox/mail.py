"""A Django e-mail backend for the sandbox and tests: one ``.eml`` file per message in a directory.

Files are named after the message's delivery key and created exclusively, so the directory is an idempotent
receiver: a message sent twice with the same key is stored once, and each repeat is counted in
``duplicates.log``. With ``$AFTERSALES_MAIL_KEEP_DUPLICATES=1`` it behaves like a plain mail server instead: every
repeat is kept as ``<key>.<n>.eml`` beside the first. Settings: ``EMAIL_FILE_PATH`` (or ``$AFTERSALES_MAIL_DIR``;
default ``<state dir>/mail``); ``$AFTERSALES_MAIL_DELAY`` (seconds per message) imitates a slow mail server, which
accepts a message only at the end of that delay.
"""

import os
import re
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from .embedded import state_dir

DUPLICATES_LOG = "duplicates.log"


def mail_directory() -> Path:
    configured = getattr(settings, "EMAIL_FILE_PATH", None) or os.environ.get("AFTERSALES_MAIL_DIR")
    if configured:
        path = Path(configured)
    else:
        path = state_dir() / "mail"
    path.mkdir(parents=True, exist_ok=True)
    return path


class DirectoryEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = mail_directory()
        self.delay = float(os.environ.get("AFTERSALES_MAIL_DELAY") or 0)
        self.keep_duplicates = os.environ.get("AFTERSALES_MAIL_KEEP_DUPLICATES") == "1"

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        for message in email_messages:
            if self.delay:
                time.sleep(self.delay)
            key = message.extra_headers.get("Message-ID") or f"<{time.time_ns()}@local>"
            name = re.sub(r"[^A-Za-z0-9@._-]", "", key) + ".eml"
            # Written aside, then linked into place: the link is atomic and fails if the key was stored before.
            partial = self.directory / f".{name}.{os.getpid()}.partial"
            partial.write_bytes(message.message().as_bytes())
            try:
                self._store(partial, name, key)
            finally:
                partial.unlink()
        return len(email_messages)

    def _store(self, partial: Path, name: str, key: str) -> None:
        copy = 1
        while True:
            target = name if copy == 1 else name.replace(".eml", f".{copy}.eml")
            try:
                os.link(partial, self.directory / target)
                return
            except FileExistsError:
                if copy == 1:
                    with open(self.directory / DUPLICATES_LOG, "a", encoding="utf-8") as log:
                        log.write(key + "\n")
                if not self.keep_duplicates:
                    return
                copy += 1
