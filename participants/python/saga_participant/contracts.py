"""Message contracts from an exported AsyncAPI document (docs/contracts/*.asyncapi.json).

load(path) gives {wire name: payload JSON Schema}. check(body, schema) checks a decoded JSON
body against one, for the subset of JSON Schema the exporter writes (type, properties,
required, items, minimum, maximum, maxProperties, const, enum) and raises ValueError naming the
first problem -- the same bodies the C++ decoder refuses (a missing field, a wrong type).
Standard library only.
"""
import json

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def load(path):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    return {name: message["payload"]
            for name, message in document["components"]["messages"].items()}


def check(value, schema, where="body"):
    kind = schema.get("type")
    if kind is not None and not _TYPES[kind](value):
        raise ValueError("%s: must be %s" % (where, "an " + kind if kind[0] in "aeiou" else
                                             "a " + kind))
    if "const" in schema and value != schema["const"]:
        raise ValueError("%s: must be %r" % (where, schema["const"]))
    if "enum" in schema and value not in schema["enum"]:
        raise ValueError("%s: must be one of %r" % (where, schema["enum"]))
    if "minimum" in schema and value < schema["minimum"]:
        raise ValueError("%s: below %s" % (where, schema["minimum"]))
    if "maximum" in schema and value > schema["maximum"]:
        raise ValueError("%s: above %s" % (where, schema["maximum"]))
    if isinstance(value, dict):
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            raise ValueError("%s: at most %d members" % (where, schema["maxProperties"]))
        for name in schema.get("required", ()):
            if name not in value:
                raise ValueError("%s: missing field '%s'" % (where, name))
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(value[name], sub, "%s.%s" % (where, name))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], "%s[%d]" % (where, i))
