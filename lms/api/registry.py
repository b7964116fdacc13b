"""The route registry: each operation declares its pydantic models once; they validate requests and the
same models' JSON schemas make the OpenAPI 3.1 document (`build_document`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Callable

from flask import Response, request
from pydantic import BaseModel, ValidationError

from lms.api.auth import authenticate
from lms.api.problems import ApiError
from lms.api.schemas import Problem

MAX_ID = 2**31 - 1


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI style: /partners/{partner_id}
    operation_id: str
    summary: str
    tag: str
    scope: str
    response: type[BaseModel]
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: dict[str, dict] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    headers: dict[str, dict] = field(default_factory=dict)  # request headers, e.g. Idempotency-Key


OPERATIONS: list[Operation] = []


def _errors(errors: list) -> list[dict]:
    return [{"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]


def parse_id(value: str) -> int:
    """A path id: digits within the column's range; anything else is simply not found."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or not 1 <= int(value) <= MAX_ID:
        raise ApiError(404, "There is nothing here, or it is not visible to this token.")
    return int(value)


def _json_body() -> dict:
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(415, "Send the body as application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


def operation(bp, method: str, path: str, *, summary: str, tag: str, response: type[BaseModel],
              scope: str = "read", status: int = 200, query: type[BaseModel] | None = None,
              body: type[BaseModel] | None = None, errors: tuple[int, ...] = (), headers: dict | None = None):
    """Register a view under /api/v1`path`: token with `scope`, then query/body validated into models."""
    names = re.findall(r"{(\w+)}", path)

    def decorator(view: Callable):
        op = Operation(method, path, view.__name__, summary, tag, scope, response, status, query, body,
                       {n: ({"type": "string", "maxLength": 40, "pattern": "^[A-Za-z0-9-]+$"} if n == "code"
                            else {"type": "integer", "minimum": 1, "maximum": MAX_ID}) for n in names},
                       errors, headers or {})
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**kwargs):
            principal = authenticate(scope)
            args = {n: (kwargs[n] if n == "code" else parse_id(kwargs[n])) for n in names}
            try:
                if query is not None:
                    args["query"] = query.model_validate(request.args.to_dict())
                if body is not None:
                    args["body"] = body.model_validate(_json_body())
            except ValidationError as error:
                raise ApiError(422, "The request does not match the schema.", errors=_errors(error.errors())) from None
            result = view(principal, **args)
            if isinstance(result, Response):
                return result
            payload = result.model_dump(mode="json")
            resp = Response(json.dumps(payload, separators=(",", ":")), status=status, mimetype="application/json")
            if method == "GET":
                resp.add_etag()
                resp.make_conditional(request)
            return resp

        flask_path = re.sub(r"{(\w+)}", r"<\1>", path)
        bp.add_url_rule(flask_path, view.__name__, wrapped, methods=[method])
        return wrapped

    return decorator


# --- the document ---------------------------------------------------------------------------------------

def _schema_ref(model: type[BaseModel], components: dict, mode: str = "serialization") -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel], components: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title",)}
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


ERROR_TEXT = {400: "Malformed request", 401: "Missing, unknown or revoked token", 403: "The token's scope or "
              "partner restriction does not allow this", 404: "Not found or not visible to this token",
              409: "The lead's state does not allow this, or the Idempotency-Key was used for another request",
              412: "Precondition failed", 415: "The body is not application/json",
              422: "The request does not match the schema, or a rule refused it", 429: "Rate limit exceeded"}


def build_document() -> dict:
    components: dict = {}
    problem_ref = _schema_ref(Problem, components)
    problem_content = {"application/problem+json": {"schema": problem_ref}}
    rate_headers = {name: {"schema": {"type": "integer"}, "description": text} for name, text in (
        ("RateLimit-Limit", "Requests allowed in the window"), ("RateLimit-Remaining", "Requests left"),
        ("RateLimit-Reset", "Seconds until the window resets"))}
    paths: dict = {}
    for op in OPERATIONS:
        parameters = [{"name": n, "in": "path", "required": True, "schema": s} for n, s in op.path_params.items()]
        if op.query is not None:
            parameters += _query_parameters(op.query, components)
        for name, schema in op.headers.items():
            parameters.append({"name": name, "in": "header", "required": False, "schema": schema})
        responses = {str(op.status): {"description": "OK" if op.status == 200 else "Created",
                                      "headers": rate_headers,
                                      "content": {"application/json": {"schema": _schema_ref(op.response, components)}}}}
        if op.method == "GET":
            parameters.append({"name": "If-None-Match", "in": "header", "required": False,
                               "schema": {"type": "string", "maxLength": 200}})
            responses["304"] = {"description": "Not modified (the ETag matched If-None-Match)"}
        codes = {401, 404, 422, 429, *op.errors}
        if op.scope != "read":
            codes.add(403)
        if op.body is not None:
            codes |= {400, 415}
        if op.query is not None and "cursor" in op.query.model_fields:
            codes.add(400)
        for code in sorted(codes):
            responses[str(code)] = {"description": ERROR_TEXT[code], "content": problem_content}
        entry = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag], "parameters": parameters,
                 "responses": responses, "security": [{"bearer": []}], "x-scope": op.scope}
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": _schema_ref(op.body, components, mode="validation")}}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Partner portal API", "version": "1.0.0",
                 "description": "Read partners, people, learning progress, certificates and survey scores; "
                                "read and write leads. Authenticate with `Authorization: Bearer <token>` "
                                "(an admin creates tokens). Errors are RFC 9457 problem details."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
