"""The OpenAPI document and its reference page (server-rendered from the same document: no JS, no CDN)."""

from __future__ import annotations

from flask import jsonify, render_template

from lms.api import bp
from lms.api.registry import build_document


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document())


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return schema.get("format") or schema.get("type", "any")


@bp.get("/docs")
def reference():
    document = build_document()
    operations = [(path, method.upper(), entry) for path, methods in document["paths"].items()
                  for method, entry in methods.items()]
    schemas = [(name, [(prop, _type(spec), prop in schema.get("required", []))
                       for prop, spec in schema.get("properties", {}).items()])
               for name, schema in sorted(document["components"]["schemas"].items())]
    return render_template("api/docs.html", document=document, operations=operations, schemas=schemas,
                           type_of=_type)
