"""The public policy page of a channel: HTML for people, ``?format=json`` for programs.

Query parameters: ``lang`` (one of the policy's languages), ``version`` (default: the version in force),
``from`` and ``to`` (two versions to compare), ``format=json``. Links are relative, so the page works wherever it is
mounted (the sandbox's /policy/<channel>/ and the plugin's webhook path).
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from .i18n import html_lang, match_language, negotiate_language
from .models import PolicyVersion
from .publishing import build_policy_text, policy_diff
from .publishing.language import SUPPORTED, Phrases, environment
from .services.eligibility import customer_favourable_default, load_policy


class _BadRequest(Exception):
    pass


def _languages(policy_languages: tuple[str, ...]) -> list[str]:
    """The policy's languages the text is written in, in the policy's order (its default first); English if none."""
    found = [match_language(language, SUPPORTED) for language in policy_languages]
    return list(dict.fromkeys(language for language in found if language)) or ["en"]


def _choose_language(request: HttpRequest, available: list[str]) -> str:
    """``?lang=`` when the page is written in it, else the browser's Accept-Language, else the shop's default."""
    chosen = match_language(request.GET.get("lang"), available)
    return chosen or negotiate_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""), available)


def _version_number(
    request: HttpRequest, name: str, known: dict[int, PolicyVersion], phrases: Phrases
) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        number = int(raw)
    except ValueError:
        raise _BadRequest(phrases.say("page_not_a_version", name=name, given=repr(raw))) from None
    if number not in known:
        raise _BadRequest(
            phrases.say(
                "page_no_such_version",
                name=name,
                number=number,
                versions=", ".join(map(str, sorted(known))),
            )
        )
    return number


def _answer(response: HttpResponse, language: str) -> HttpResponse:
    """``response`` saying its language, and that it depends on the browser's (for caches in front of the shop)."""
    response["Content-Language"] = html_lang(language)
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _url(params: dict[str, Any]) -> str:
    return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})


def policy_page(request: HttpRequest, channel: str) -> HttpResponse:
    as_json = request.GET.get("format") == "json"
    versions = list(PolicyVersion.objects.filter(channel=channel).order_by("version"))
    # Errors are told in the browser's language (or ?lang=) among those the page is written in.
    error_language = _choose_language(request, list(SUPPORTED))
    error_phrases = Phrases(error_language)
    if not versions:
        message = error_phrases.table("ui")["none"]
        if as_json:
            return _answer(JsonResponse({"channel": channel, "error": message}, status=404), error_language)
        return _answer(
            HttpResponse(message, status=404, content_type="text/plain; charset=utf-8"), error_language
        )
    known = {version.version: version for version in versions}
    now = timezone.now()
    in_force = [version for version in versions if version.effective_from <= now]
    current = in_force[-1] if in_force else versions[0]
    try:
        number = _version_number(request, "version", known, error_phrases)
        diff_from = _version_number(request, "from", known, error_phrases)
        diff_to = _version_number(request, "to", known, error_phrases)
    except _BadRequest as error:
        if as_json:
            return _answer(
                JsonResponse({"channel": channel, "error": str(error)}, status=400), error_language
            )
        return _answer(
            HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8"), error_language
        )
    shown = known[number] if number is not None else current
    policy = load_policy(shown)
    languages = _languages(policy.defaults.languages)
    language = _choose_language(request, languages)
    phrases = Phrases(language)
    doc = build_policy_text(
        policy,
        language,
        version=shown.version,
        effective_from=shown.effective_from,
        customer_favourable=customer_favourable_default(channel),
    )
    diff = None
    if diff_from is not None or diff_to is not None:
        diff_from = diff_from if diff_from is not None else max(1, (diff_to or shown.version) - 1)
        diff_to = diff_to if diff_to is not None else shown.version
        diff = policy_diff(load_policy(known[diff_from]), load_policy(known[diff_to]), language)
    base = {"lang": language, "version": number}

    def when(version: PolicyVersion) -> str:
        """The day a version took effect on its shop's calendar, as its published text says."""
        return phrases.date(load_policy(version).calendar.local_date(version.effective_from))

    def status(version: PolicyVersion) -> str:
        if version.pk == current.pk and version.effective_from <= now:
            return "current"
        return "upcoming" if version.effective_from > now else ""

    version_rows = [
        {
            "version": version.version,
            "effective_from": when(version),
            "effective_from_iso": version.effective_from.isoformat(),
            "status": status(version),
            "shown": version.pk == shown.pk,
            "url": _url({"lang": language, "version": version.version}),
        }
        for version in versions
    ]
    if as_json:
        return _answer(
            JsonResponse(
                {
                    "channel": channel,
                    "shop": policy.name,
                    "language": language,
                    "languages": languages,
                    "version": shown.version,
                    "effective_from": shown.effective_from.isoformat(),
                    "versions": [
                        {key: row[key] for key in ("version", "effective_from_iso", "status")}
                        for row in version_rows
                    ],
                    "policy": doc.to_dict(),
                    "text": environment(False).get_template("policy.text.j2").render(doc=doc, level=1).strip()
                    + "\n",
                    "diff": None if diff is None else {"from": diff_from, "to": diff_to, "changes": diff},
                },
                json_dumps_params={"ensure_ascii": False, "indent": 2},
            ),
            language,
        )
    language_links = [
        {
            "tag": html_lang(option),
            "name": Phrases(option).table("ui")["self_name"],
            "url": _url({**base, "lang": option, "from": diff_from, "to": diff_to}),
            "current": option == language,
        }
        for option in languages
    ]
    html = (
        environment(True)
        .get_template("page.html.j2")
        .render(
            doc=doc,
            level=1,
            ui=phrases.table("ui"),
            shop=policy.name or channel,
            language=language,
            languages=language_links,
            version={
                "version": shown.version,
                "effective_from": when(shown),
                "effective_from_iso": shown.effective_from.isoformat(),
            },
            versions=version_rows,
            diff=diff,
            diff_from=diff_from
            if diff is not None
            else (versions[-2].version if len(versions) > 1 else None),
            diff_to=diff_to if diff is not None else versions[-1].version,
            none_changed=phrases.say("diff_none"),
            json_url=_url({**base, "format": "json"}),
        )
    )
    return _answer(HttpResponse(html, content_type="text/html; charset=utf-8"), language)
