#!/usr/bin/env python3
"""Goal: the exported saga/1 contracts are valid and say what the C++ codec does.

Usage: check_asyncapi.py FTGO_ASYNCAPI_BINARY COMMITTED_DOCUMENT

1. The committed document (docs/contracts/ftgo.asyncapi.json) is what the program exports now.
2. It has the AsyncAPI 2.6 structure used (checked with a JSON Schema of that structure), every
   $ref resolves, and every header and payload schema is a valid JSON Schema (draft 2020-12,
   checked by python3-jsonschema's meta-schema).
3. Samples made by the C++ codec (`ftgo_asyncapi --samples`: a header from encode_header and a
   JSON body from encode_body for every command and every reply it declares) validate: the
   header against CommandHeader/ReplyHeader with the message's name, the body against the
   message's payload. Every command and reply of the document is sampled.
4. Negative control: a body without a required field, or with a string for an integer, fails.
"""
import json
import subprocess
import sys

import jsonschema

STRUCTURE = {
    "type": "object",
    "required": ["asyncapi", "info", "channels", "components"],
    "properties": {
        "asyncapi": {"const": "2.6.0"},
        "info": {"type": "object", "required": ["title", "version"]},
        "channels": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["publish", "subscribe"],
            "additionalProperties": True,
            "properties": {op: {"type": "object", "required": ["message"], "properties": {
                "message": {"type": "object", "required": ["oneOf"], "properties": {
                    "oneOf": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["$ref"]}}}}}}
                for op in ("publish", "subscribe")}}},
        "components": {"type": "object", "required": ["schemas", "messages"], "properties": {
            "messages": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["name", "payload", "headers", "x-saga-kind"],
                "properties": {"x-saga-kind": {"enum": ["command", "reply"]},
                               "examples": {"type": "array", "items": {
                                   "type": "object", "required": ["payload"]}}}}}}},
    },
}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def resolve(document, ref):
    node = document
    for part in ref.lstrip("#/").split("/"):
        if part not in node:
            fail("unresolved $ref " + ref)
        node = node[part]
    return node


def main():
    program, committed_path = sys.argv[1], sys.argv[2]
    exported = subprocess.run([program], check=True, capture_output=True, text=True).stdout
    with open(committed_path, encoding="utf-8") as f:
        committed = f.read()
    if exported != committed:
        fail("%s is not the current export: run %s > %s" % (committed_path, program,
                                                             committed_path))
    document = json.loads(exported)
    jsonschema.Draft202012Validator(STRUCTURE).validate(document)
    schemas = document["components"]["schemas"]
    messages = document["components"]["messages"]
    for channel in document["channels"].values():
        for op in ("publish", "subscribe"):
            for ref in channel[op]["message"]["oneOf"]:
                resolve(document, ref["$ref"])
    validators = {}
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
    for name, message in messages.items():
        jsonschema.Draft202012Validator.check_schema(message["payload"])
        validators[name] = jsonschema.Draft202012Validator(message["payload"])
        for example in message.get("examples", []):
            validators[name].validate(example["payload"])
    print("document: %d channels, %d messages, every schema valid"
          % (len(document["channels"]), len(messages)))

    samples = json.loads(subprocess.run([program, "--samples"], check=True,
                                        capture_output=True, text=True).stdout)
    sampled = set()
    for sample in samples:
        header, body = sample["header"], sample["body"]
        name = header["name"]
        if name not in messages:
            fail("sample of %s, which the document does not list" % name)
        message = messages[name]
        header_schema = schemas["CommandHeader" if header["kind"] == "command" else "ReplyHeader"]
        jsonschema.Draft202012Validator(header_schema).validate(header)
        if header["kind"] != message["x-saga-kind"]:
            fail("%s is a %s in the document, a %s in the sample"
                 % (name, message["x-saga-kind"], header["kind"]))
        # An empty body (null here) is an empty struct: it decodes as {}.
        validators[name].validate({} if body is None else body)
        sampled.add(name)
    missing = sorted(set(messages) - sampled - {"NullCompensation"})
    if missing:
        fail("no C++ sample of " + ", ".join(missing))
    print("samples: %d messages encoded by the C++ codec, each valid against its schema"
          % len(samples))

    card = validators["AuthorizeCard"]
    for bad in ({"consumer_id": 1, "order_id": 2}, {"consumer_id": 1, "order_id": 2,
                                                    "amount_cents": "3"}):
        if card.is_valid(bad):
            fail("AuthorizeCard's schema accepts %r" % bad)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
