#!/usr/bin/env python3
"""Validate what `gpuxfer compare`, `gpuxfer check` and `gpuxfer fleet` print with --format json
against schema/gpuxfer.{compare,check,fleet}.v1.schema.json.

  scripts/validate_output_schemas.py GPUXFER   the self-test ctest runs (output_schema_validation):
      compare: every A/A pair of data/compare-noise.v1.json "pairs", a few pairs across machines,
          one BASE with two NEW, each plain and with filters and other settings (--suites,
          --sizes headline, --methods, --noise-model none, --fail-on any, --tolerance);
      check: every gpuxfer.report in tests/data/runs/, tests/data/schema/valid/ and the health fixtures
          tests/data/check/health-*.json (bench reports and list
          reports; error documents are refused by check), and a few with --expect files
          (hand-written ones and one --emit-expect round trip);
      fleet: seven real one-GPU runs as six nodes (one host twice) and a truncated file, against
          schema/gpuxfer.fleet.v1.schema.json;
      each output must pass its schema and agree with itself where a schema cannot say so (counts
      per verdict); then hand-broken copies of real outputs (a verdict outside its enum, a missing
      required key, an unknown key, ...) must each be rejected.
Exit 0 when every document is as expected, 1 otherwise, 77 (ctest: skipped) without
python3-jsonschema.

Stricter than plain JSON Schema where gpuxfer is: an integer must be written as one (1.0 is not an
integer); NaN, Infinity and duplicate keys are not JSON.
"""
import copy
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import jsonschema
    import jsonschema.validators
except ImportError:
    print("validate_output_schemas.py: SKIP: the Python module 'jsonschema' is not installed "
          "(Debian: apt-get install python3-jsonschema)")
    sys.exit(77)

# Pairs across machines (link_class matching): 4 vs 2 vs 1 GPUs, transfers and compute.
CROSS_PAIRS = [
    ("tests/data/runs/h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json", "tests/data/runs/h200x2-nvswitch-2026-11-26-b1ce9020/bench.json"),
    ("tests/data/runs/h200x4-nvswitch-2026-11-27-0e91a394/bench.json", "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run1.json"),
    ("tests/data/runs/h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json", "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-compute-run1.json"),
    ("tests/data/runs/h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run1.json", "tests/data/runs/h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json"),
]
# Settings other than the defaults, each on one pair (the first A/A pair and the first cross pair).
EXTRA_FLAGS = [
    ["--methods", "ce_write,h2d_pinned,peer_b2b"],
    ["--noise-model", "none", "--tolerance", "2%"],
    ["--fail-on", "any"],
    ["--sizes", "4KiB,400MB"],
]
# One-GPU runs of the same machine: the members of the fleet the fleet schema is checked on.
FLEET_MEMBERS = [
    "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run1.json",
    "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run2.json",
    "tests/data/runs/h200x1-2026-12-02-1fd204e4/bench-run1.json",
    "tests/data/runs/h200x1-2026-12-02-1fd204e4/bench-run2.json",
    "tests/data/runs/h200x1-2026-12-03-6e8afc30/bench-run1.json",
    "tests/data/runs/h200x1-2026-12-03-6e8afc30/bench-run2.json",
    "tests/data/runs/h200x1-2026-12-03-8d131064/bench-run1.json",
]
# Expectation files for check, with the result they are written for.
EXPECT_RUNS = [
    ("tests/data/runs/h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json", "tests/data/check/h200-node.expect.json"),
    ("tests/data/runs/h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json", "tests/data/check/selects-nothing.expect.json"),
]


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


def parse_json(text):
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise NotJson(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}")


def load_validator(name):
    with open(os.path.join(ROOT, "schema", name)) as f:
        schema = json.load(f)
    base = jsonschema.validators.validator_for(schema)
    base.check_schema(schema)
    # JSON Schema calls 1.0 an integer; nlohmann::json (gpuxfer's reader) does not.
    strict = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool))
    return schema, jsonschema.validators.extend(base, type_checker=strict)(schema)


def describe(error):
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{path.lstrip('.') or '(top level)'}: {message}"


def compare_consistency(doc, news):
    """What the compare schema cannot say: one comparison per NEW, counts per suite = its rows."""
    out = []
    if len(doc.get("comparisons", [])) != news:
        out.append(f"{len(doc.get('comparisons', []))} comparisons for {news} NEW report(s)")
    for i, c in enumerate(doc.get("comparisons", [])):
        for s in c.get("suites", []):
            rows = [r for r in c.get("rows", []) if r.get("suite") == s.get("suite")]
            want = {v: sum(r.get("verdict") == v for r in rows)
                    for v in ("faster", "slower", "same", "noisy", "not_compared")}
            want["matched"] = sum(r.get("ratio") is not None for r in rows)
            want["only_in_base"] = sum(o.get("suite") == s.get("suite") for o in c.get("only_in_base", []))
            want["only_in_new"] = sum(o.get("suite") == s.get("suite") for o in c.get("only_in_new", []))
            for key, n in want.items():
                if s.get(key) != n:
                    out.append(f"comparisons[{i}] suite {s.get('suite')}: {key} is {s.get(key)}, its rows say {n}")
    return out


def check_consistency(doc):
    """What the check schema cannot say: the summary counts the findings."""
    findings = doc.get("findings", [])
    summary = doc.get("summary", {})
    out = []
    for key, verdict in (("fail", "FAIL"), ("warn", "WARN"), ("pass", "PASS")):
        n = sum(f.get("verdict") == verdict for f in findings)
        if summary.get(key) != n:
            out.append(f"summary.{key} is {summary.get(key)}, the findings say {n}")
    # INFO (1.1+) is counted only where there are INFO findings.
    n = sum(f.get("verdict") == "INFO" for f in findings)
    if summary.get("info", 0) != n or ("info" in summary and n == 0):
        out.append(f"summary.info is {summary.get('info')}, the findings say {n}")
    return out


def break_compare(doc):
    """Hand-broken copies of a real compare document: (what, document), each must be rejected."""
    c = doc["comparisons"][0]
    compared = next(i for i, r in enumerate(c["rows"]) if r["verdict"] != "not_compared")
    broken = []

    def edit(what, change):
        d = copy.deepcopy(doc)
        change(d)
        broken.append((what, d))

    edit("row verdict outside the enum", lambda d: d["comparisons"][0]["rows"][compared].update(verdict="better"))
    edit("suite headline verdict not_compared",
         lambda d: next(s for s in d["comparisons"][0]["suites"] if s["headline"])["headline"].update(
             verdict="not_compared"))
    edit("settings.fail_on outside the enum", lambda d: d["settings"].update(fail_on="sometimes"))
    edit("missing settings.tolerance", lambda d: d["settings"].pop("tolerance"))
    edit("missing rows[].interval", lambda d: d["comparisons"][0]["rows"][compared].pop("interval"))
    edit("missing base", lambda d: d.pop("base"))
    edit("unknown top-level key", lambda d: d.update(extra=1))
    edit("unknown key in a row", lambda d: d["comparisons"][0]["rows"][compared].update(speedup=1.0))
    edit("unknown key in a suite summary", lambda d: d["comparisons"][0]["suites"][0].update(verdict="same"))
    edit("compared row without a ratio", lambda d: d["comparisons"][0]["rows"][compared].update(ratio=None))
    edit("row count written as a float",
         lambda d: d["comparisons"][0]["rows"][compared]["base"].update(
             records=float(d["comparisons"][0]["rows"][compared]["base"]["records"])))
    edit("method outside its suite", lambda d: d["comparisons"][0]["rows"][compared].update(method="gemm_fp16"))
    edit("schema name", lambda d: d.update(schema="gpuxfer.report"))
    return broken


def break_check(doc):
    """Hand-broken copies of a real check document: (what, document), each must be rejected."""
    broken = []

    def edit(what, change):
        d = copy.deepcopy(doc)
        change(d)
        broken.append((what, d))

    edit("finding verdict outside the enum", lambda d: d["findings"][0].update(verdict="OK"))
    edit("summary verdict WARN", lambda d: d["summary"].update(verdict="WARN"))
    edit("summary PASS with a FAIL counted", lambda d: d["summary"].update(verdict="PASS", fail=1))
    edit("unknown rule", lambda d: d["findings"][0].update(rule="speed"))
    edit("missing summary.line", lambda d: d["summary"].pop("line"))
    edit("missing findings[].measured", lambda d: d["findings"][0].pop("measured"))
    edit("missing source", lambda d: d.pop("source"))
    edit("unknown top-level key", lambda d: d.update(extra=1))
    edit("unknown key in a finding", lambda d: d["findings"][0].update(severity="high"))
    edit("source with both result and bench", lambda d: d["source"].update(bench="--quick"))
    edit("gpu_count written as a float", lambda d: d["system"].update(gpu_count=float(d["system"]["gpu_count"])))
    edit("unit outside the enum", lambda d: d["findings"][0].update(unit="GB/s"))
    return broken


def break_fleet(doc):
    """Hand-broken copies of a real fleet document, each of which the schema must reject."""
    out = []
    d = copy.deepcopy(doc)
    d["summary"]["surprise"] = 1
    out.append(("an unknown summary key", d))
    d = copy.deepcopy(doc)
    d["nodes"][0]["verdict"] = "slow"
    out.append(("a node verdict outside its enum", d))
    d = copy.deepcopy(doc)
    del d["groups"][0]["metrics"]
    out.append(("a group without metrics", d))
    d = copy.deepcopy(doc)
    d["schema_version"]["major"] = 2
    out.append(("schema major 2", d))
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: validate_output_schemas.py GPUXFER", file=sys.stderr)
        return 2
    gpuxfer = sys.argv[1]
    compare_schema, compare_validator = load_validator("gpuxfer.compare.v1.schema.json")
    _, check_validator = load_validator("gpuxfer.check.v1.schema.json")
    _, fleet_validator = load_validator("gpuxfer.fleet.v1.schema.json")
    with open(os.path.join(ROOT, "schema/gpuxfer.report.v1.schema.json")) as f:
        report_schema = json.load(f)
    bad = 0
    counted = {"compare": 0, "check": 0, "fleet": 0, "rejected": 0}

    def fail(line):
        nonlocal bad
        print(f"FAIL: {line}")
        bad += 1

    # The compare schema repeats the report schema's suite/method table; they must not drift apart.
    if compare_schema["$defs"]["suiteMethods"]["oneOf"] != report_schema["$defs"]["suiteMethods"]["oneOf"]:
        fail("suiteMethods of gpuxfer.compare.v1 differs from gpuxfer.report.v1")

    def run(args, allowed):
        """gpuxfer ARGS --format json -> the document, or None after reporting why."""
        # Paths inside the checkout as given; a temporary file by its name alone.
        shown = " ".join(a if not os.path.isabs(a) else os.path.basename(a) for a in args)
        r = subprocess.run([gpuxfer, *args, "--format", "json"], capture_output=True, text=True, cwd=ROOT)
        if r.returncode not in allowed:
            lines = r.stderr.strip().splitlines()
            fail(f"gpuxfer {shown}: exit {r.returncode}: {lines[-1] if lines else '(no message)'}")
            return None, shown
        try:
            return parse_json(r.stdout), shown
        except NotJson as e:
            fail(f"gpuxfer {shown}: stdout: {e}")
            return None, shown

    def validate(kind, validator, doc, shown, extra):
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        problems = [describe(e) for e in errors] + extra
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            fail(f"{shown}: {problems[0]}{more}")
        else:
            print(f"ok: {shown}")
        counted[kind] += 1

    # ---- compare -------------------------------------------------------------------------------
    with open(os.path.join(ROOT, "data/compare-noise.v1.json")) as f:
        model_pairs = json.load(f)["pairs"]
    aa_pairs = [(p["base"], p["new"]) for p in model_pairs]
    # The model names the files it was learned from with their hashes: they must still be those files.
    for p in model_pairs:
        for side in ("base", "new"):
            with open(os.path.join(ROOT, p[side]), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != p[side + "_sha256"]:
                    fail(f"data/compare-noise.v1.json: {p[side]} is not the file the model was learned from "
                         "(sha256 differs): relearn with scripts/aa_evidence.py learn")
    runs = []
    for base, new in aa_pairs + CROSS_PAIRS:
        with open(os.path.join(ROOT, base)) as f:
            first_suite = json.load(f)["records"][0]["suite"]
        runs += [[base, new], [base, new, "--suites", first_suite], [base, new, "--sizes", "headline"]]
    for flags in EXTRA_FLAGS:
        runs += [[*aa_pairs[0], *flags], [*CROSS_PAIRS[0], *flags]]
    runs.append([aa_pairs[0][0], aa_pairs[0][1], CROSS_PAIRS[0][1]])  # one BASE, two NEW
    example = None
    for args in runs:
        # --fail-on any may find a key NEW lacks: exit 1 is a verdict, not an error.
        doc, shown = run(["compare", *args], (0, 1) if "--fail-on" in args else (0,))
        if doc is None:
            continue
        news = sum(1 for a in args if a.endswith(".json")) - 1
        validate("compare", compare_validator, doc, shown, compare_consistency(doc, news))
        if example is None and any(r["verdict"] != "not_compared" for r in doc["comparisons"][0]["rows"]) and \
                any(s["headline"] for s in doc["comparisons"][0]["suites"]):
            example = doc

    # ---- check ---------------------------------------------------------------------------------
    reports = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/data/runs/*/*.json"))) + \
            sorted(glob.glob(os.path.join(ROOT, "tests/data/schema/valid/*.json"))) + \
            sorted(glob.glob(os.path.join(ROOT, "tests/data/check/health-*.json"))):
        with open(path) as f:
            doc = json.load(f)
        if doc.get("schema") == "gpuxfer.report" and "error" not in doc:
            reports.append(os.path.relpath(path, ROOT))
    check_example = None
    # Exit 1 is a FAIL finding (a verdict); 2 would be an error.
    for path in reports:
        doc, shown = run(["check", path], (0, 1))
        if doc is not None:
            validate("check", check_validator, doc, shown, check_consistency(doc))
            if check_example is None and doc["findings"] and "result" in doc["source"]:
                check_example = doc
    with tempfile.TemporaryDirectory() as tmp:
        emitted = os.path.join(tmp, "emitted.expect.json")
        source = "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run1.json"
        r = subprocess.run([gpuxfer, "check", source, "--emit-expect", emitted], capture_output=True, text=True,
                           cwd=ROOT)
        if r.returncode == 2 or not os.path.exists(emitted):
            fail(f"check {source} --emit-expect: exit {r.returncode}: {r.stderr.strip()}")
        else:
            for path in (source, "tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run2.json"):
                doc, shown = run(["check", path, "--expect", emitted], (0, 1))
                if doc is not None:
                    validate("check", check_validator, doc, shown, check_consistency(doc))
        for path, expect in EXPECT_RUNS:
            doc, shown = run(["check", path, "--expect", expect], (0, 1))
            if doc is not None:
                validate("check", check_validator, doc, shown, check_consistency(doc))
                if not any(f["rule"].startswith("expect rule ") for f in doc["findings"]):
                    fail(f"{shown}: no finding of an expectation rule")

    # ---- fleet ---------------------------------------------------------------------------------
    # Seven real one-GPU runs as six nodes (hostnames rewritten), a truncated file and a duplicate host:
    # every part of the document is filled.
    fleet_example = None
    with tempfile.TemporaryDirectory() as tmp:
        for n, source in enumerate(FLEET_MEMBERS):
            with open(os.path.join(ROOT, source)) as f:
                doc = json.load(f)
            doc["run"]["hostname"] = doc["system"]["hostname"] = f"node{n % 6:02d}"
            with open(os.path.join(tmp, f"node{n}.json"), "w") as f:
                json.dump(doc, f)
        with open(os.path.join(ROOT, FLEET_MEMBERS[0])) as f:
            truncated = f.read()
        with open(os.path.join(tmp, "truncated.json"), "w") as f:
            f.write(truncated[: len(truncated) // 2])
        for args in ([tmp], [tmp, "--threshold", "1%", "--mad-k", "1"]):
            doc, shown = run(["fleet", *args], (0, 1))
            if doc is None:
                continue
            extra = []
            if doc["summary"]["unreadable"] != 1 or doc["summary"]["complete"]:
                extra.append("the truncated file is not listed as unreadable")
            if doc["summary"]["duplicates"] != 1:
                extra.append("the duplicate host is not listed")
            if doc["summary"]["nodes"] != len(doc["nodes"]):
                extra.append("summary.nodes differs from the nodes listed")
            validate("fleet", fleet_validator, doc, shown, extra)
            if fleet_example is None or any(n["findings"] for n in doc["nodes"]):
                fleet_example = doc

    # ---- hand-broken documents -----------------------------------------------------------------
    for kind, validator, doc, breaker in (("compare", compare_validator, example, break_compare),
                                          ("check", check_validator, check_example, break_check),
                                          ("fleet", fleet_validator, fleet_example, break_fleet)):
        if doc is None:
            fail(f"{kind}: no valid document to break")
            continue
        for what, broken in breaker(doc):
            if validator.is_valid(broken):
                fail(f"{kind} with {what}: accepted")
            else:
                print(f"ok: {kind} with {what} (rejected, as it should be)")
                counted["rejected"] += 1

    print(f"validate_output_schemas.py: {counted['compare']} compare, {counted['check']} check and "
          f"{counted['fleet']} fleet documents "
          f"validated, {counted['rejected']} broken ones rejected; "
          f"{'all as expected' if bad == 0 else f'{bad} unexpected'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
