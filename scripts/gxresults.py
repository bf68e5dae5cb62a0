"""What the committed runs under results/ are: shared by results_index.py and gen_docs.py.

Standard library only. Nothing here measures; it reads gpuxfer's JSON documents and says what
machine, what command and what figures they hold.

Layout: results/<machine>-<date>-<gpu0>/ holds the runs of one machine on one day, where
  <machine> = <gpu>x<count>[-nvswitch|-nvlink]  from the report's system section (GPU model,
              how many GPUs the run saw, what their NVLinks connect to),
  <date>    = the UTC date the run started,
  <gpu0>    = the first 8 hex digits of GPU 0's UUID (VMs of one kind differ only there).
Other folders (e.g. fleet-*) hold documents computed from several machines' runs.
"""
import glob
import json
import os
import re
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = "results"

GB = 1e9
TF = 1e12

# Options that say where output goes or how progress is shown: not part of what was measured.
_OUTPUT_FLAGS = {"--save-json", "-o", "--output", "--junit", "--prom", "--progress"}
_OUTPUT_SWITCHES = {"--quiet", "-q", "--verbose", "-v"}


def load(path):
    """The JSON document at path, or None when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def rel(path):
    return os.path.relpath(path, ROOT)


# ---- machines --------------------------------------------------------------------------------

def gpus_of(doc):
    sysd = (doc or {}).get("system") or {}
    return [g for g in sysd.get("gpus") or [] if isinstance(g, dict)]


def model_short(name):
    """'NVIDIA H200' -> 'h200', 'NVIDIA H100 80GB HBM3' -> 'h100'."""
    name = (name or "gpu").replace("NVIDIA", "").strip()
    word = name.split()[0] if name.split() else "gpu"
    return re.sub(r"[^a-z0-9]", "", word.lower()) or "gpu"


def nvlink_of(gpu):
    """'nvswitch', 'nvlink' (to other GPUs) or None, and the number of links up."""
    nv = gpu.get("nvlink") or {}
    up = nv.get("links_up") or 0
    if not up:
        return None, 0
    remotes = {(l or {}).get("remote") for l in nv.get("lanes") or []}
    return ("nvswitch" if "nvswitch" in remotes else "nvlink"), up


def kind(doc):
    """'h200x4-nvswitch', 'h200x1', ... from the report's GPUs."""
    gpus = gpus_of(doc)
    if not gpus:
        return None
    link, _ = nvlink_of(gpus[0])
    return f"{model_short(gpus[0].get('name'))}x{len(gpus)}" + (f"-{link}" if link else "")


def started_date(doc):
    run = (doc or {}).get("run") or {}
    s = run.get("started_utc") or ""
    return s[:10] if re.match(r"\d{4}-\d\d-\d\d", s) else None


def gpu0_id(doc):
    gpus = gpus_of(doc)
    uuid = (gpus[0].get("uuid") or "") if gpus else ""
    hexd = re.sub(r"[^0-9a-f]", "", uuid.lower().replace("gpu-", "", 1))
    return hexd[:8] or None


def folder_name(doc):
    """The results/ folder a report belongs in, or None when the report says too little."""
    k, d, g = kind(doc), started_date(doc), gpu0_id(doc)
    return f"{k}-{d}-{g}" if k and d and g else None


def driver_text(doc):
    sysd = (doc or {}).get("system") or {}
    drv = sysd.get("driver_release") or "?"
    cuda = sysd.get("cuda_driver_version")
    cuda_text = f"{cuda // 1000}.{cuda % 1000 // 10}" if isinstance(cuda, int) else "?"
    return drv, cuda_text


def pcie_text(gpu):
    p = gpu.get("pcie") or {}
    gen, width = p.get("max_gen"), p.get("max_width")
    return f"PCIe Gen{gen} x{width}" if gen and width else "PCIe ?"


def describe_machine(doc):
    """'4× NVIDIA H200, NVSwitch (18 NVLinks per GPU), PCIe Gen5 x16, driver 580.159.04, CUDA 13.0'."""
    gpus = gpus_of(doc)
    if not gpus:
        return "no GPU listed"
    names = sorted({g.get("name") or "?" for g in gpus})
    link, up = nvlink_of(gpus[0])
    link_text = {"nvswitch": f"NVSwitch ({up} NVLinks per GPU)", "nvlink": f"NVLink ({up} links per GPU)",
                 None: "no NVLink"}[link]
    drv, cuda = driver_text(doc)
    return f"{len(gpus)}× {' / '.join(names)}, {link_text}, {pcie_text(gpus[0])}, driver {drv}, CUDA {cuda}"


def machine_key(doc):
    """The GPUs' UUIDs: two runs are of the same machine when these agree."""
    return tuple(sorted(g.get("uuid") or "?" for g in gpus_of(doc)))


# ---- commands --------------------------------------------------------------------------------

def argv_of(doc):
    return list(((doc or {}).get("run") or {}).get("argv") or [])


def measured_args(doc):
    """The command's arguments after the program name, without output and progress flags."""
    argv = argv_of(doc)[1:]
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        name = a.split("=", 1)[0]
        if name in _OUTPUT_FLAGS:
            skip = "=" not in a
            continue
        if name in _OUTPUT_SWITCHES or name == "--format":
            skip = name == "--format" and "=" not in a
            continue
        out.append(a)
    return out


def ranks_of(doc):
    return len(((doc or {}).get("run") or {}).get("ranks") or []) or None


def command_text(doc):
    """'gpuxfer bench --suites gemm', 'mpirun -np 4 gpuxfer bench --quick', ..."""
    args = measured_args(doc)
    text = " ".join(["gpuxfer"] + args)
    n = ranks_of(doc)
    return f"mpirun -np {n} {text}" if n else text


def is_default_bench(doc):
    return measured_args(doc) == ["bench"] and not ranks_of(doc)


def options_key(doc):
    """Two runs measured the same thing when these agree: the resolved options and the command."""
    opts = dict(((doc or {}).get("run") or {}).get("options") or {})
    opts.pop("cuda_visible_devices", None)
    return json.dumps([measured_args(doc), ranks_of(doc), opts], sort_keys=True)


def wall_seconds(doc):
    from datetime import datetime
    run = (doc or {}).get("run") or {}
    try:
        a = datetime.strptime(run["started_utc"], "%Y-%m-%dT%H:%M:%S.%fZ")
        b = datetime.strptime(run["finished_utc"], "%Y-%m-%dT%H:%M:%S.%fZ")
    except (KeyError, TypeError, ValueError):
        return None
    return (b - a).total_seconds()


def tool_text(doc):
    t = (doc or {}).get("tool") or {}
    sha = t.get("git_sha")
    return f"{t.get('version', '?')}" + (f" ({sha})" if sha and sha != "unknown" else "")


# ---- records ---------------------------------------------------------------------------------

def records(doc):
    return [r for r in (doc or {}).get("records") or [] if isinstance(r, dict)]


def is_tuning(r):
    """A cell of the pipelined staging tuning grid (src/core/plan.cpp is_tuning_case): used only to
    choose the chunk size and ring depth, never a headline figure."""
    return r.get("method") == "pipelined" and bool(r.get("tuning"))


def ok(r):
    return r.get("status") == "ok"


def value(r):
    """(value, unit): the median rate (B/s or FLOP/s), else the median time per operation (s)."""
    rate = r.get("rate")
    if isinstance(rate, dict) and rate.get("median") is not None:
        return rate["median"], rate.get("unit", "B/s")
    lat = r.get("latency_s")
    if isinstance(lat, dict) and lat.get("median") is not None:
        return lat["median"], "s"
    t = r.get("time_s")
    if isinstance(t, dict) and t.get("median") is not None:
        return t["median"], "s"
    return None, None


def fraction(r):
    e = r.get("efficiency") or {}
    f = e.get("fraction")
    return f if isinstance(f, (int, float)) else None


def cv(r):
    t = r.get("time_s") or {}
    return t.get("cv")


def record_key(r):
    """What a record measured, for matching the same record across two runs."""
    tuning = is_tuning(r)
    return (r.get("suite"), r.get("method"), json.dumps(r.get("src")), json.dumps(r.get("dst")),
            tuple(r.get("devices") or []), r.get("bytes"), r.get("streams"), r.get("gemm_n") or 0, tuning,
            r.get("chunk_bytes") if tuning else None, r.get("ring_depth") if tuning else None)


def endpoint_text(r):
    def one(v):
        return "host" if v is None or v == "host" or (isinstance(v, int) and v < 0) else f"GPU{v}"
    devs = r.get("devices") or []
    if len(devs) > 1:
        return "GPUs " + ",".join(str(d) for d in devs)
    s, d = r.get("src"), r.get("dst")
    if s == d and s is not None:
        return one(s)
    return f"{one(s)}→{one(d)}"


def size_text(n):
    """Decimal units as gpuxfer's tables print them: 400 MB, 65.5 kB, 4 B."""
    if not isinstance(n, (int, float)):
        return "?"
    for unit, f in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= f:
            return f"{n / f:.3g} {unit}"
    return f"{int(n)} B"


def fmt_value(v, unit):
    if v is None:
        return "—"
    if unit == "FLOP/s":
        return f"{v / TF:.1f} TFLOP/s"
    if unit == "s":
        return f"{v * 1e6:.2f} µs" if v < 1e-3 else f"{v * 1e3:.2f} ms"
    return f"{v / GB:.1f} GB/s" if v < 1e12 else f"{v / 1e12:.2f} TB/s"


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---- the results tree ------------------------------------------------------------------------

class Entry:
    """One file under results/<folder>/ with what its name and content say it is."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.folder = os.path.basename(os.path.dirname(path))
        self.doc = load(path) if path.endswith(".json") else None
        self.schema = self.doc.get("schema") if isinstance(self.doc, dict) else None

    @property
    def is_report(self):
        return self.schema == "gpuxfer.report" and "error" not in (self.doc or {})

    @property
    def is_bench(self):
        return self.is_report and bool(records(self.doc))

    @property
    def is_check_bench(self):
        return self.is_bench and measured_args(self.doc)[:1] == ["check"]

    @property
    def is_quick(self):
        return self.is_bench and bool(((self.doc.get("run") or {}).get("options") or {}).get("quick"))


def folders(root=None):
    root = root or os.path.join(ROOT, RESULTS)
    def order(d):
        m = re.search(r"\d{4}-\d\d-\d\d", os.path.basename(d))
        return (m.group(0) if m else "9999", os.path.basename(d))
    return sorted((d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d)), key=order)


def entries(folder):
    return [Entry(p) for p in sorted(glob.glob(os.path.join(folder, "*"))) if os.path.isfile(p)]


def folder_report(ents):
    """A report of the folder (bench or list) to describe its machine by."""
    for e in ents:
        if e.is_report and gpus_of(e.doc):
            return e.doc
    return None


def run_order(e):
    """Default bench first, then by name (run1 before run2)."""
    return (0 if is_default_bench(e.doc) else 1, e.name)


def reference_for(bench, ents):
    """The PyTorch reference measured right after `bench` in the same folder, by file name:
    bench[-runN].json <-> reference-torch.json, bench-X[-runN].json <-> reference-torch-X[-runN].json."""
    stem = bench.name[:-5]
    m = re.fullmatch(r"(?P<stem>.+?)(-run(?P<n>\d+))?", stem)
    stem, n = m.group("stem"), m.group("n")
    if stem != "bench" and not stem.startswith("bench-"):
        return None
    what = stem[len("bench-"):] or None
    names = []
    base = "reference-torch" + (f"-{what}" if what else "")
    if n:
        names.append(f"{base}-run{n}.json")
    if not n or n == "1":
        names.append(base + ".json")
    by_name = {e.name: e for e in ents}
    for name in names:
        e = by_name.get(name)
        if e is not None and e.schema == "gpuxfer.reference":
            return e
    return None
