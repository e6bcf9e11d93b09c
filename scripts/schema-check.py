#!/usr/bin/env python3
"""Validate manifest files against schemas/ with Python's jsonschema, independently of Provisor.

Usage: schema-check.py [--schemas DIR] FILE...
Prints one JSON object: {file: {"valid": bool, "errors": [...]}}. provisor.yaml files are checked
against config.schema.json, everything else document by document against manifest.schema.json.

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
    return make("manifest.schema.json"), make("config.schema.json")


def check(path, manifest_validator, config_validator):
    validator = config_validator if os.path.basename(path) == "provisor.yaml" else manifest_validator
    errors = []
    try:
        with open(path, encoding="utf-8") as f:
            documents = [d for d in yaml.load_all(f, Loader=Core12Loader) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return {"valid": False, "errors": [f"yaml: {error}".replace("\n", " ")]}
    for index, document in enumerate(documents):
        for error in validator.iter_errors(document):
            where = "/".join(str(p) for p in error.absolute_path)
            errors.append(f"document {index}: {where}: {error.message}")
    return {"valid": not errors, "errors": errors}


def main(argv):
    schemas_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
    if len(argv) > 1 and argv[0] == "--schemas":
        schemas_dir, argv = argv[1], argv[2:]
    manifest_validator, config_validator = validators(schemas_dir)
    result = {path: check(path, manifest_validator, config_validator) for path in argv}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
