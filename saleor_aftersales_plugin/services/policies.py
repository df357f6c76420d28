"""Publishing policy versions: one immutable row per distinct document, numbered per channel from 1."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ..models import PolicyVersion
from ..rules.document import SourceError, load_source
from ..rules.validation import PolicyError, normalise_policy, validate_policy
from . import LOCK_POLICY_PUBLISH, NotFoundError, ServiceError, advisory_xact_lock

__all__ = [
    "DirectPolicyHost",
    "PolicyRejected",
    "canonical_json",
    "content_hash",
    "current_policy",
    "policy_in_force",
    "policy_version",
    "publish_policy",
    "read_policy_text",
]


def canonical_json(document: dict[str, Any]) -> str:
    """Key-sorted, whitespace-free JSON: the same document always gives the same text."""
    return json.dumps(
        document, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def content_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def publish_policy(
    channel: str,
    document: dict[str, Any],
    source: str,
    source_format: str,
    created_by: str = "",
    *,
    effective_from: datetime | None = None,
) -> tuple[PolicyVersion, bool]:
    """Publish ``document`` for ``channel``; returns ``(version, created)``.

    Re-publishing the current document creates nothing and returns the current version; publishing a document identical
    to an older version (a rollback) creates a new version. ``document`` should already be validated by the rules
    package.
    """
    if not channel:
        raise ServiceError("A policy needs a channel slug.", field="channel")
    # Store exactly what was hashed (e.g. dates from YAML become ISO strings), so the hash always matches the row.
    canonical = canonical_json(document)
    normalised = json.loads(canonical)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    with transaction.atomic():
        advisory_xact_lock(LOCK_POLICY_PUBLISH, channel)
        latest = PolicyVersion.objects.filter(channel=channel).order_by("-version").first()
        if latest is not None and latest.content_hash == digest:
            return latest, False
        now = timezone.now()
        version = PolicyVersion.objects.create(
            channel=channel,
            version=(latest.version + 1) if latest else 1,
            document=normalised,
            source=source,
            source_format=source_format,
            content_hash=digest,
            created_at=now,
            effective_from=effective_from or now,
            created_by=created_by,
        )
    return version, True


def policy_in_force(channel: str, at: datetime, *, document: bool = True) -> PolicyVersion | None:
    """The newest version of ``channel`` already effective at ``at``; ``document=False`` leaves its (large)
    document unread until used (:func:`.eligibility.load_policy` reads it only for a version it has not built)."""
    versions = PolicyVersion.objects if document else PolicyVersion.objects.defer("document")
    return versions.filter(channel=channel, effective_from__lte=at).order_by("-version").first()


def current_policy(channel: str, *, document: bool = True) -> PolicyVersion | None:
    return policy_in_force(channel, timezone.now(), document=document)


def policy_version(channel: str, version: int) -> PolicyVersion:
    try:
        return PolicyVersion.objects.get(channel=channel, version=version)
    except PolicyVersion.DoesNotExist:
        raise NotFoundError(
            f"Channel {channel!r} has no policy version {version}.", field="version"
        ) from None


class PolicyRejected(ServiceError):
    """A policy text that cannot be published; ``errors`` holds every problem with its JSON path."""

    def __init__(self, errors: list[PolicyError]) -> None:
        super().__init__(
            f"The policy has {len(errors)} error(s); each is listed with its path.",
            code="invalid",
            field="policy",
        )
        self.errors = errors


def read_policy_text(text: str, complete: Callable[[Any], Any] | None = None) -> tuple[dict[str, Any], str]:
    """Policy text -> (the data that would be published, its format); ``complete`` fills what the host supplies
    (e.g. the channel's currency). Raises :class:`PolicyRejected` with every error."""
    if not isinstance(text, str) or not text.strip():
        raise PolicyRejected(
            [PolicyError("$", "required", "Enter a policy; the default one is a good start.")]
        )
    try:
        data, source_format = load_source(text)
    except SourceError as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        raise PolicyRejected([PolicyError("$", "syntax_error", f"{error}{where}")]) from None
    if complete is not None and isinstance(data, dict):
        data = complete(data)
    errors = validate_policy(data)
    if errors:
        raise PolicyRejected(errors)
    return data, source_format


class DirectPolicyHost:
    """Publishing where the plugin owns the policy text (the sandbox and the command line): validate, publish."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def complete(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def publish(self, text: str, published_by: str) -> tuple[PolicyVersion, bool]:
        data, source_format = read_policy_text(text, self.complete)
        return publish_policy(self.channel, normalise_policy(data), text, source_format, published_by)
