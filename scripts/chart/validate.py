#!/usr/bin/env python3
"""Strict schema validation of rendered manifests, offline.

usage: validate.py RENDERED.yaml [--json OUT.json] [--kube-version 1.33.0 ...]

Every object is validated with kubernetes-validate in strict mode (an unknown field is an error)
against each requested Kubernetes version; HTTPRoute (Gateway API, a CRD kubernetes-validate
does not ship) against scripts/chart/schemas/httproute-v1.json. Any other kind is an error.
With --json, the parsed objects are also written as one JSON array (for policy.test.mjs).
"""
import argparse
import functools
import json
import os
import sys

import jsonschema
import yaml
import kubernetes_validate.utils as kv

HERE = os.path.dirname(os.path.abspath(__file__))

# kubernetes-validate re-reads its (large) schema files for every object; cache them.
kv.schema_contents = functools.lru_cache(maxsize=None)(kv.schema_contents)

CRD_SCHEMAS = {
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): os.path.join(HERE, "schemas", "httproute-v1.json"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rendered")
    ap.add_argument("--json")
    ap.add_argument("--kube-version", action="append", dest="versions")
    args = ap.parse_args()
    versions = args.versions or ["1.33.0"]

    with open(args.rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]

    errors = 0
    for doc in docs:
        name = "%s/%s" % (doc.get("kind"), doc.get("metadata", {}).get("name"))
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key in CRD_SCHEMAS:
            with open(CRD_SCHEMAS[key]) as f:
                schema = json.load(f)
            for err in jsonschema.Draft7Validator(schema).iter_errors(doc):
                path = ".".join(str(p) for p in err.absolute_path)
                print("ERROR %s (Gateway API schema): %s: %s" % (name, path, err.message))
                errors += 1
            continue
        for version in versions:
            try:
                kv.validate(doc, version, strict=True)
            except kv.ValidationError as err:
                path = ".".join(str(p) for p in err.path)
                print("ERROR %s (Kubernetes %s strict): %s: %s" % (name, version, path, err.message))
                errors += 1
            except kv.SchemaNotFoundError as err:
                print("ERROR %s: %s" % (name, err.message))
                errors += 1

    if args.json:
        with open(args.json, "w") as f:
            json.dump(docs, f)
    print("%d objects, %d errors (Kubernetes %s strict)" % (len(docs), errors, ", ".join(versions)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
