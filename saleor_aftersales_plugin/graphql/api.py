"""The boundary the HTTP side calls: who is asking, for which channel, and one function that answers GraphQL.

The sandbox's views and the Saleor plugin's ``webhook()`` authenticate the request, build a :class:`RequestContext`
and call :func:`execute`; nothing here knows HTTP or Saleor.
"""

import json
import logging
import re
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from graphql import GraphQLError
from graphql.error import GraphQLLocatedError, GraphQLSyntaxError
from graphql.execution import ExecutionResult, MiddlewareManager
from graphql.execution import execute as execute_document
from graphql.language import ast
from graphql.validation import validate

from ..services import ServiceError
from .core.context import PolicyHost, RequestContext
from .core.cost import CostError, measure, parse_within_limits
from .core.variables import whole_number_errors
from .schema import MIDDLEWARE, schema

__all__ = [
    "PolicyHost",
    "RequestContext",
    "answer_http",
    "error_answer",
    "execute",
    "json_bytes",
    "new_request_id",
]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
"""Largest GraphQL request body accepted (policy documents in policyValidate/policySimulate included)."""


def new_request_id() -> str:
    """An id for one HTTP request: in every answer (``extensions.requestId``) and in every log line about it."""
    return uuid.uuid4().hex


def error_answer(code: str, message: str, request_id: str, **extensions: Any) -> dict[str, Any]:
    """A JSON answer carrying one error, Saleor style: ``{"data": null, "errors": [{message, extensions}]}``."""
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
        "extensions": {"requestId": request_id},
    }


def _bad_request(message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"data": None, "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


_VARIABLE_ERROR = re.compile(r'^Variable "\$(\w+)" got invalid value')
_ARGUMENT_ERROR = re.compile(r'^Argument "(\w+)" has invalid value')


def _format_error(error: Exception, request_id: str = "") -> dict[str, Any]:
    original = getattr(error, "original_error", None) if isinstance(error, GraphQLLocatedError) else None
    formatted: dict[str, Any] = {"message": str(error)}
    locations = getattr(error, "locations", None)
    if locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in locations]
    path = getattr(error, "path", None)
    if path:
        formatted["path"] = path
    if isinstance(original, ServiceError):
        formatted["message"] = original.message
        formatted["extensions"] = {"code": original.code.upper(), "field": original.field}
    elif original is not None:
        logger.error("GraphQL resolver failed (request %s)", request_id, exc_info=original)
        formatted["message"] = (
            f"Internal error: the request could not be completed; it has been logged as {request_id}."
        )
        formatted["extensions"] = {"code": "INTERNAL_ERROR"}
    else:
        bad_value = _VARIABLE_ERROR.match(str(error)) or _ARGUMENT_ERROR.match(str(error))
        if bad_value:
            formatted["extensions"] = {"code": "INVALID", "field": bad_value.group(1)}
        else:
            formatted["extensions"] = {"code": "GRAPHQL_ERROR"}
    return formatted


_MIDDLEWARE = MiddlewareManager(*MIDDLEWARE)
"""Built once: it keeps each field's resolver wrapped in the middleware across requests."""


@lru_cache(maxsize=64)  # at most 64 documents of at most LIMITS.document_chars each
def _prepared(query: str, operation_name: str | None) -> tuple[ast.Document, tuple[GraphQLError, ...]]:
    """``query`` parsed, measured against the cost limits and validated against the schema, once per query text
    and operation (clients send the same few queries again and again); the validation errors, if any.

    Raises :class:`CostError` or ``GraphQLSyntaxError`` (not cached: a refused query is refused again).
    """
    document = parse_within_limits(query)
    measure(document, operation_name)
    return document, tuple(validate(schema, document))


MAX_NUMBER_DIGITS = 40
"""Whole numbers in a request body have at most this many digits (no value here needs more)."""


def _whole_number(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number in it has {digits:,} digits; numbers have at most {MAX_NUMBER_DIGITS}")
    return int(text)


def decode_body(raw: bytes) -> Any:
    """The JSON of an HTTP body; ``ValueError`` saying why for text that is not JSON or nests too deeply."""
    if len(raw) > MAX_BODY_BYTES:
        raise ValueError(f"the body has {len(raw):,} bytes; the maximum is {MAX_BODY_BYTES:,}")
    try:
        return json.loads(raw or b"null", parse_int=_whole_number)
    except RecursionError:
        raise ValueError("it nests too deeply") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"it is not UTF-8 ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise ValueError(str(error)) from None


def answer_http(raw_body: bytes, context: RequestContext, request_id: str) -> tuple[int, dict[str, Any]]:
    """Decode an HTTP body and answer it: (status, JSON-ready answer with ``extensions.requestId``). Never raises."""
    try:
        try:
            body = decode_body(raw_body)
        except ValueError as error:
            return 400, error_answer(
                "BAD_REQUEST", f"The request body is not valid JSON: {error}.", request_id
            )
        return execute(body, context, request_id=request_id)
    except Exception:  # the contract is to answer, never to raise
        logger.exception("GraphQL request %s failed", request_id)
        return 500, error_answer(
            "INTERNAL_ERROR", f"Internal error; it has been logged as {request_id}.", request_id
        )


def json_bytes(data: Any) -> bytes:
    """UTF-8 JSON of an answer; text that cannot be UTF-8 (unpaired surrogates) is escaped instead of failing."""
    try:
        return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, cls=DjangoJSONEncoder).encode("ascii")


def execute(
    body: Mapping[str, Any], context: RequestContext, *, request_id: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Answer one GraphQL request ``{"query", "variables", "operationName"}``; returns (HTTP status, JSON-ready).

    A malformed body, a query that does not parse or validate, or one over the cost limits (:mod:`.core.cost`) answers
    400; everything else 200 with ``data`` and, when something failed, ``errors`` (each with ``extensions.code``).
    Every answer carries ``extensions.requestId``, also in the log lines about it. Never raises.
    """
    request_id = request_id or new_request_id()
    status, response = _execute(body, context, request_id)
    response.setdefault("extensions", {})["requestId"] = request_id
    return status, response


def _execute(body: Mapping[str, Any], context: RequestContext, request_id: str) -> tuple[int, dict[str, Any]]:
    if not isinstance(body, Mapping):
        return _bad_request(
            'The request body must be a JSON object: {"query": "...", "variables": {...}, "operationName": "..."}.'
        )
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        return _bad_request('The request needs "query": a GraphQL document as a non-empty string.')
    variables = body.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        return _bad_request(f'"variables" must be a JSON object, not {type(variables).__name__}.')
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        return _bad_request('"operationName" must be a string naming one operation of the query.')
    unknown = sorted(set(body) - {"query", "variables", "operationName", "extensions"})
    if unknown:
        return _bad_request(
            f"Unknown key(s) in the request body: {', '.join(unknown)}; "
            "use query, variables and operationName."
        )
    try:
        document, invalid = _prepared(query, operation_name or None)
    except CostError as error:
        logger.info("GraphQL request %s refused: %s", request_id, error.message)
        return 400, {"data": None, "errors": [error.as_graphql_error()]}
    except GraphQLSyntaxError as error:
        return 400, {"data": None, "errors": [_format_error(error, request_id)]}
    if invalid:
        return 400, {"data": None, "errors": [_format_error(error, request_id) for error in invalid]}
    not_whole = whole_number_errors(schema, document, operation_name or None, variables)
    if not_whole:
        return 400, {"data": None, "errors": [_format_error(error, request_id) for error in not_whole]}
    try:
        result = execute_document(
            schema,
            document,
            context_value=context,
            variable_values=dict(variables),
            operation_name=operation_name or None,
            middleware=_MIDDLEWARE,
        )
    except (
        Exception
    ) as error:  # e.g. variables that do not fit the operation: answered as graphql() answers them
        result = ExecutionResult(errors=[error], invalid=True)
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [_format_error(error, request_id) for error in result.errors]
    if result.invalid:
        return 400, response
    return 200, response
