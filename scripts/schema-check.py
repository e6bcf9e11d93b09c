#!/usr/bin/env python3
"""Validate manifest files against schemas/ with Python's jsonschema, independently of Provisor.

Usage: schema-check.py [--schemas DIR] [--json-schema NAME] FILE...
Prints one JSON object: {file: {"valid": bool, "errors": [...]}}. provisor.yaml files are checked
against config.schema.json, .json files (a saved plan) against NAME (default plan.schema.json),
.jsonl files (an outbox export: one provisioning message per line) line by line against NAME,
everything else document by document against manifest.schema.json.

YAML is read with the YAML 1.2 core rules Provisor uses (so `no` and `on` are strings, and only
true/false are booleans); an integer with a leading zero (`010`) stays a string, as Provisor
refuses to guess between YAML 1.1's octal and 1.2's decimal.
"""
import json
import os
import re
import sys

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource


class Core12Loader(yaml.SafeLoader):
    pass


Core12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
]:
    Core12Loader.add_implicit_resolver(tag, re.compile(pattern), first)


def validators(schemas_dir):
    resources = []
    for name in os.listdir(schemas_dir):
        if name.endswith(".schema.json"):
            with open(os.path.join(schemas_dir, name)) as f:
                resources.append((name, Resource.from_contents(json.load(f))))
    registry = Registry().with_resources(resources)
    def make(name):
        return Draft202012Validator(registry.contents(name), registry=registry.with_resource(name, registry[name]))
    return make


def check(path, validator):
    errors = []
    try:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".json"):
                documents = [json.load(f)]
            elif path.endswith(".jsonl"):
                documents = [json.loads(line) for line in f if line.strip()]
            else:
                documents = [d for d in yaml.load_all(f, Loader=Core12Loader) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return {"valid": False, "errors": [f"yaml: {error}".replace("\n", " ")]}
    for index, document in enumerate(documents):
        for error in validator.iter_errors(document):
            where = "/".join(str(p) for p in error.absolute_path)
            errors.append(f"document {index}: {where}: {error.message}")
    return {"valid": not errors, "errors": errors}


def main(argv):
    schemas_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
    json_schema = "plan.schema.json"
    while len(argv) > 1 and argv[0] in ("--schemas", "--json-schema"):
        if argv[0] == "--schemas":
            schemas_dir = argv[1]
        else:
            json_schema = argv[1]
        argv = argv[2:]
    make = validators(schemas_dir)
    manifest, config, json_document = make("manifest.schema.json"), make("config.schema.json"), make(json_schema)

    def validator(path):
        if os.path.basename(path) == "provisor.yaml":
            return config
        return json_document if path.endswith((".json", ".jsonl")) else manifest

    result = {path: check(path, validator(path)) for path in argv}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
