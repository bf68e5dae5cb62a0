#!/usr/bin/env python3
"""Validate gpuxfer.report documents against schema/gpuxfer.report.v<major>.schema.json.

  scripts/validate_schema.py FILE...   every FILE must be a valid report or error document
  scripts/validate_schema.py           the self-test CI runs (ctest schema_validation):
                                         tests/data/schema/valid/*.json    must pass
                                         tests/data/schema/invalid/*.json  must fail
                                         tests/data/runs/*/*.json whose "schema" is "gpuxfer.report" must pass

One line per file (ok, rejected for an invalid fixture, FAIL), then a summary. Exit 0 when every file is as
expected, 1 otherwise, 77 (ctest: skipped) when the Python module `jsonschema` is missing.

Stricter than plain JSON Schema in the same places gpuxfer's reader is: an integer must be written
as one (1.0 is not an integer), NaN / Infinity and duplicate keys are not JSON. The schema file is
chosen by the document's schema_version.major; a major with no schema file here is reported as such
(gpuxfer of this major refuses it too, naming both versions: docs/schema.md, "Versioning").
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_NAME = "gpuxfer.report"

try:
    import jsonschema
    import jsonschema.validators
except ImportError:
    print("validate_schema.py: SKIP: the Python module 'jsonschema' is not installed "
          "(Debian: apt-get install python3-jsonschema; or: python3 -m pip install 'jsonschema>=4')")
    sys.exit(77)


class NotJson(Exception):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise NotJson(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _no_constant(name):
    raise NotJson(f"{name} is not JSON")


def load_json(path):
    with open(path, "rb") as f:
        text = f.read()
    try:
        return json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constant)
    except UnicodeDecodeError as e:
        raise NotJson(f"not UTF-8 ({e.reason} at byte {e.start})")
    except json.JSONDecodeError as e:
        raise NotJson(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}")


_validators = {}


def validator_for_major(major):
    """(validator of the whole schema, {branch name: validator of that branch}) for
    schema/gpuxfer.report.v<major>.schema.json, or None when there is no such file."""
    if major in _validators:
        return _validators[major]
    path = os.path.join(ROOT, "schema", f"{SCHEMA_NAME}.v{major}.schema.json")
    if not os.path.isfile(path):
        _validators[major] = None
        return None
    with open(path) as f:
        schema = json.load(f)
    base = jsonschema.validators.validator_for(schema)
    base.check_schema(schema)
    # JSON Schema calls 1.0 an integer; nlohmann::json (gpuxfer's reader) does not.
    strict_types = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool))
    cls = jsonschema.validators.extend(base, type_checker=strict_types)
    # The top-level oneOf says only "matches none"; the branch a document means to be (error
    # document, bench or list report) gives the useful message.
    branches = {}
    for name in ("errorDocument", "benchReport", "listReport"):
        if name in schema.get("$defs", {}):
            sub = {k: v for k, v in schema.items() if k != "oneOf"}
            sub["$ref"] = f"#/$defs/{name}"
            branches[name] = cls(sub)
    _validators[major] = (cls(schema), branches)
    return _validators[major]


def _where(error):
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(top level)"


def _position(doc, path):
    """Where a path lies in the document, in the order its keys are written."""
    out, node = [], doc
    for p in path:
        if isinstance(node, dict):
            keys = list(node)
            out.append(keys.index(p) if p in node else len(keys))
            node = node.get(p)
        elif isinstance(node, list) and isinstance(p, int):
            out.append(p)
            node = node[p] if p < len(node) else None
        else:
            break
    return out


def _first(errors, doc):
    """The error to show: the first in document order, consistency rules (if/then) last."""
    def key(e):
        derived = any(k in ("then", "else") for k in e.schema_path)
        return (derived, _position(doc, e.absolute_path))
    return min(errors, key=key)


def _describe(error, doc):
    """One line: where, and the most specific reason (a oneOf is explained by its best branch)."""
    if error.validator == "oneOf" and isinstance(error.schema, dict) and \
            "suiteMethods" in error.schema.get("$comment", ""):
        rec = error.instance if isinstance(error.instance, dict) else {}
        return (f"{_where(error)}: method {json.dumps(rec.get('method'))} with metric "
                f"{json.dumps(rec.get('metric'))} is not a method of suite {json.dumps(rec.get('suite'))}")
    while error.context:
        # The branch that got furthest into the value (its type matched) explains it best.
        error = max(error.context, key=lambda e: (len(e.absolute_path), not e.context))
    message = error.message
    shown = repr(error.instance)
    if len(shown) > 60:
        kind = {dict: "an object", list: f"an array of {len(error.instance)} item(s)"}.get(
            type(error.instance), "the value")
        message = message.replace(shown, kind)
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{_where(error)}: {message}"


def _branch(doc):
    if "error" in doc:
        return "errorDocument"
    run = doc.get("run")
    options = run.get("options") if isinstance(run, dict) else None
    return "benchReport" if isinstance(options, dict) and "suites" in options else "listReport"


def problems(path):
    """None when the file is a valid document, else a one-line reason."""
    try:
        doc = load_json(path)
    except OSError as e:
        return f"cannot read ({e.strerror})"
    except NotJson as e:
        return str(e)
    if not isinstance(doc, dict):
        return "not a gpuxfer report (top level is not an object)"
    if doc.get("schema") != SCHEMA_NAME:
        return f'not a gpuxfer report (schema is {json.dumps(doc.get("schema"))}, not "{SCHEMA_NAME}")'
    version = doc.get("schema_version")
    major = version.get("major") if isinstance(version, dict) else None
    minor = version.get("minor") if isinstance(version, dict) else None
    if not (isinstance(major, int) and not isinstance(major, bool)):
        return 'schema_version must be {"major": int, "minor": int}'
    validator = validator_for_major(major)
    if validator is None:
        known = sorted(int(p.split(".v")[-1].split(".")[0])
                       for p in glob.glob(os.path.join(ROOT, "schema", f"{SCHEMA_NAME}.v*.schema.json")))
        return (f"schema version {major}.{minor}: no schema/{SCHEMA_NAME}.v{major}.schema.json here "
                f"(this checkout describes major {', '.join(map(str, known)) or 'none'})")
    whole, branches = validator
    if whole.is_valid(doc):
        return None
    branch = branches.get(_branch(doc))
    errors = list(branch.iter_errors(doc)) if branch is not None else []
    if not errors:  # valid as the branch it looks like, yet not valid overall: say so
        errors = list(whole.iter_errors(doc))
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return _describe(_first(errors, doc), doc) + more


def relative(path):
    try:
        return os.path.relpath(path, os.getcwd())
    except ValueError:
        return path


def self_test():
    valid = sorted(glob.glob(os.path.join(ROOT, "tests/data/schema/valid/*.json")))
    invalid = sorted(glob.glob(os.path.join(ROOT, "tests/data/schema/invalid/*.json")))
    results = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/data/runs/*/*.json"))):
        try:
            with open(path, "rb") as f:
                head = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError):
            head = None  # not readable or not JSON: validated below so the failure is reported
        if head is None or (isinstance(head, dict) and head.get("schema") == SCHEMA_NAME):
            results.append(path)
    if not valid or not invalid:
        print("validate_schema.py: no fixtures under tests/data/schema/valid or invalid")
        return 1
    failures = 0
    for path in valid + results:
        why = problems(path)
        if why is None:
            print(f"ok       {relative(path)}")
        else:
            failures += 1
            print(f"FAIL     {relative(path)}: {why}")
    for path in invalid:
        why = problems(path)
        if why is None:
            failures += 1
            print(f"FAIL     {relative(path)}: accepted, but it is an invalid fixture")
        else:
            print(f"rejected {relative(path)}: {why}")
    total = len(valid) + len(results) + len(invalid)
    print(f"validate_schema.py: {total - failures}/{total} as expected "
          f"({len(valid)} valid fixtures, {len(invalid)} invalid fixtures, {len(results)} real runs)")
    return 1 if failures else 0


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) == 1:
        return self_test()
    failures = 0
    for path in argv[1:]:
        why = problems(path)
        if why is None:
            print(f"ok   {path}")
        else:
            failures += 1
            print(f"FAIL {path}: {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
