#!/usr/bin/env python3
"""The outputs of `gpuxfer check --prom/--junit` as their real consumers read them.

  scripts/test_monitoring_outputs.py GPUXFER

For every gpuxfer.report with records in tests/data/runs/ and tests/data/schema/valid/ (single-host and
merged multi-rank documents), and the reports with a health section in tests/data/check/,
`GPUXFER check FILE --prom P --junit J`, then:
  - `promtool check metrics` (Debian's prometheus package) accepts P without a complaint;
  - every series of P is unique per name and labels;
  - Debian's prometheus-node-exporter, started on loopback with only its textfile collector over
    a folder holding P, serves every series of P with its value, and node_textfile_scrape_error 0;
  - J validates against the published JUnit schema (Jenkins xunit junit-10.xsd) with xmllint, and
    holds one testcase per finding, WARN findings as skipped.
And with no GPU to run on (`GPUXFER check --quick`, exit 3): P says gpuxfer_up 0 and J holds one
error testcase, both still valid for their consumers.

The schema file: $GPUXFER_JUNIT_XSD, else build/third_party/junit-10.xsd (scripts/setup.sh puts
it there). Exit 0 all as expected, 1 otherwise, 77 (ctest: skipped) when a consumer is missing,
unless GPUXFER_REQUIRE_MONITORING_TOOLS=1 (CI), where a missing consumer is a failure.
"""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XSD = os.environ.get("GPUXFER_JUNIT_XSD", os.path.join(ROOT, "build/third_party/junit-10.xsd"))
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")


def missing(what):
    required = os.environ.get("GPUXFER_REQUIRE_MONITORING_TOOLS") == "1"
    print(f"test_monitoring_outputs.py: {'FAIL' if required else 'SKIP'}: {what} "
          "(Debian: apt-get install prometheus prometheus-node-exporter libxml2-utils; "
          "pip install prometheus-client; scripts/setup.sh fetches the JUnit schema)")
    sys.exit(1 if required else 77)


try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    missing("the Python module prometheus_client is not installed")
for tool in ("promtool", "xmllint"):
    if shutil.which(tool) is None:
        missing(f"{tool} not found")
if NODE_EXPORTER is None:
    missing("prometheus-node-exporter not found")
if not os.path.isfile(XSD):
    missing(f"JUnit schema {XSD} not found")


def series(text):
    """{(name, sorted labels): value} of an exposition text, and the number of samples."""
    out, n = {}, 0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
            n += 1
    return out, n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeExporter:
    def __init__(self, folder):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{self.port}", "--collector.disable-defaults",
             "--collector.textfile", f"--collector.textfile.directory={folder}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while True:
            try:
                self.scrape()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"node exporter did not start: {self.proc.stderr.read()}")
                time.sleep(0.1)

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            return r.read().decode()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def committed_reports():
    out = []
    for pattern in ("tests/data/runs/*/*.json", "tests/data/schema/valid/*.json", "tests/data/check/health-*.json"):
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            try:
                with open(path) as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue
            # Reports with records, and those with a health section (its findings and NVML series).
            if doc.get("schema") == "gpuxfer.report" and (doc.get("records") or doc.get("health")):
                out.append(path)
    return out


def main():
    gpuxfer = sys.argv[1]
    bad = []
    tmp = tempfile.mkdtemp(prefix="gpuxfer-monitoring-")
    served = os.path.join(tmp, "textfile")
    os.mkdir(served)
    exporter = NodeExporter(served)
    try:
        def judge(name, prom, junit, findings=None, want_up=None, errors_expected=0):
            problems = []
            with open(prom) as f:
                text = f.read()
            r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
            if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
                problems.append(f"promtool: {(r.stdout + r.stderr).strip()}")
            mine, n = series(text)
            if len(mine) != n:
                problems.append(f"{n - len(mine)} duplicate series")
            # The collector reads the folder on every scrape; a rename makes the swap atomic.
            shutil.copy(prom, os.path.join(served, ".next"))
            os.replace(os.path.join(served, ".next"), os.path.join(served, "gpuxfer.prom"))
            scraped, _ = series(exporter.scrape())
            errors = [v for (k, labels), v in scraped.items() if k == "node_textfile_scrape_error"]
            if errors != [0.0]:
                problems.append(f"node_textfile_scrape_error {errors}")
            absent = [k for k in mine if k not in scraped]
            wrong = [k for k in mine if k in scraped and scraped[k] != mine[k]
                     and not (mine[k] != mine[k] and scraped[k] != scraped[k])]
            if absent:
                problems.append(f"{len(absent)} series not served, e.g. {absent[0]}")
            if wrong:
                problems.append(f"{len(wrong)} series served with another value, e.g. {wrong[0]}")
            if want_up is not None:
                ups = [v for (k, _), v in mine.items() if k == "gpuxfer_up"]
                if ups != [want_up]:
                    problems.append(f"gpuxfer_up {ups}, expected {want_up}")
            r = subprocess.run(["xmllint", "--noout", "--schema", XSD, junit], capture_output=True, text=True)
            if r.returncode != 0:
                problems.append(f"JUnit schema: {r.stderr.strip().splitlines()[0]}")
            tree = ET.parse(junit)
            cases = tree.getroot().findall(".//testcase")
            if findings is not None:
                if len(cases) != len(findings) + errors_expected:
                    problems.append(f"{len(cases)} testcases for {len(findings)} findings")
                if len(tree.getroot().findall(".//testcase/error")) != errors_expected:
                    problems.append(f"expected {errors_expected} error testcase(s): the run ended early or not")
                warns = sum(1 for f in findings if f["verdict"] == "WARN")
                skipped = sum(1 for c in cases if c.find("skipped") is not None)
                if warns != skipped:
                    problems.append(f"{skipped} skipped testcases for {warns} WARN findings")
            print(f"{'ok' if not problems else 'FAIL'}: {name}: {n} series, {len(cases)} testcases"
                  + ("".join(f"\n    {p}" for p in problems)))
            if problems:
                bad.append(name)

        reports = committed_reports()
        if len(reports) < 30:
            bad.append(f"only {len(reports)} committed reports found")
        for path in reports:
            name = os.path.relpath(path, ROOT)
            prom, junit = os.path.join(tmp, "check.prom"), os.path.join(tmp, "check.xml")
            r = subprocess.run([gpuxfer, "check", path, "--prom", prom, "--junit", junit, "--format", "json"],
                               capture_output=True, text=True)
            if r.returncode not in (0, 1):
                print(f"FAIL: {name}: check exited {r.returncode}: {r.stderr.strip()}")
                bad.append(name)
                continue
            with open(path) as f:
                ended_early = "ended_early" in json.load(f).get("run", {})
            judge(name, prom, junit, json.loads(r.stdout)["findings"], want_up=0.0 if ended_early else 1.0,
                  errors_expected=1 if ended_early else 0)

        # No GPU here (CI) or hidden: the bench cannot run, and the outputs say so.
        prom, junit = os.path.join(tmp, "down.prom"), os.path.join(tmp, "down.xml")
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
        r = subprocess.run([gpuxfer, "check", "--quick", "--prom", prom, "--junit", junit],
                           capture_output=True, text=True, env=env)
        if r.returncode != 3 or not os.path.exists(prom) or not os.path.exists(junit):
            print(f"FAIL: check without a GPU exited {r.returncode} ({r.stderr.strip()}); files written: "
                  f"{os.path.exists(prom)}, {os.path.exists(junit)}")
            bad.append("no GPU")
        else:
            judge("check --quick without a GPU (exit 3)", prom, junit, want_up=0.0)
            errors = ET.parse(junit).getroot().findall(".//testcase/error")
            if len(errors) != 1:
                print(f"FAIL: no-GPU JUnit holds {len(errors)} error testcases")
                bad.append("no GPU junit")
    finally:
        exporter.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"test_monitoring_outputs.py: {'all as expected' if not bad else f'{len(bad)} unexpected'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
