#!/usr/bin/env python3
"""Checks the API's answers against its OpenAPI 3.1 document.

Usage: openapi-check.py DOCUMENT.json ANSWERS.json

ANSWERS.json is a list of {"method", "path" (as requested, without the query), "status", "body"}.
The document must be valid OpenAPI 3.1; each answer's operation must be in it, its status among
the operation's responses, and a JSON body valid against that response's schema. Every
operation of the document must have been exercised. Prints what is wrong; exits 1 if anything is.
"""
import json
import re
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

document = json.load(open(sys.argv[1]))
answers = json.load(open(sys.argv[2]))
validate(document)

problems = []
exercised = set()
templates = []
for path, item in document["paths"].items():
    pattern = "^" + "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path)) + "$"
    templates.append((re.compile(pattern), path, item))

for a in answers:
    path = a["path"].removeprefix("/api/v1")
    match = next(((t, p, item) for t, p, item in templates if t.match(path)), None)
    if match is None:
        problems.append(f"{a['method']} {a['path']}: not in the document")
        continue
    _, template, item = match
    operation = item.get(a["method"].lower())
    if operation is None:
        problems.append(f"{a['method']} {a['path']}: the document has no {a['method']} for {template}")
        continue
    exercised.add((a["method"].lower(), template))
    response = operation["responses"].get(str(a["status"]))
    if response is None:
        problems.append(f"{a['method']} {a['path']}: status {a['status']} is not among {sorted(operation['responses'])}")
        continue
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        continue
    try:
        body = json.loads(a["body"])
    except json.JSONDecodeError as e:
        problems.append(f"{a['method']} {a['path']}: the body is not JSON ({e})")
        continue
    wrapped = {"$ref": "urn:tandem-openapi#/components/schemas/__probe"}
    probe = dict(document)
    probe["components"] = dict(document["components"])
    probe["components"]["schemas"] = dict(document["components"]["schemas"], __probe=schema)
    reg = Registry().with_resource("urn:tandem-openapi", Resource.from_contents(probe, default_specification=DRAFT202012))
    validator = Draft202012Validator(wrapped, registry=reg)
    for error in validator.iter_errors(body):
        problems.append(f"{a['method']} {a['path']} ({a['status']}): {'/'.join(map(str, error.absolute_path))}: {error.message}")

for path, item in document["paths"].items():
    for method in item:
        if (method, path) not in exercised:
            problems.append(f"{method.upper()} {path}: in the document, never exercised by the test")

for p in problems:
    print(p)
print(f"{len(answers)} answers checked against {sum(len(i) for i in document['paths'].values())} operations: {len(problems)} problems")
sys.exit(1 if problems else 0)
