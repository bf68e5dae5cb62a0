#!/usr/bin/env python3
"""Compare gpuxfer's NVML health snapshot with nvidia-smi, field by field.

  scripts/health_vs_nvidia_smi.py LIST_JSON SMI_TEXT

LIST_JSON: `gpuxfer list --format json` (or a bench report: its `after` snapshots are used; or the
error document list writes when CUDA cannot run). SMI_TEXT: `nvidia-smi -q` or
`nvidia-smi -q -d ECC,ROW_REMAPPER,PERFORMANCE,POWER,CLOCK` (sections missing from it are
reported as not compared). GPUs are matched by PCI bus id.

Prints one row per GPU and field: gpuxfer's value, nvidia-smi's, and `ok`, `MISMATCH` or
`not compared` (with why). Both sides unknown (null / N/A) is ok. Exit 0 when nothing mismatches,
1 on any mismatch or when no GPU is common to both files, 2 when a file cannot be read.
"""
import json
import re
import sys

UNKNOWN = {"N/A", "Not Supported", "[N/A]", "Unknown Error", "Requested functionality has been deprecated",
           "[Not Supported]", "Insufficient Permissions"}


def parse_smi(text):
    """{bus id: nested dict} from `nvidia-smi -q` text, nesting by indentation."""
    gpus = {}
    stack = None  # [(indent, dict)]
    for raw in text.splitlines():
        if not raw.strip():
            continue
        m = re.match(r"^GPU ([0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])\s*$", raw)
        if m:
            root = {}
            gpus[normalize_bus(m.group(1))] = root
            stack = [(-1, root)]
            continue
        if stack is None:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if ":" in line:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if value == "":
                child = {}
                parent[key] = child
                stack.append((indent, child))
            else:
                parent[key] = value
        else:
            child = {}
            parent[line] = child
            stack.append((indent, child))
    return gpus


def normalize_bus(text):
    domain, bus, rest = text.split(":")
    device, function = rest.split(".")
    return "%04x:%02x:%02x.%x" % (int(domain, 16) & 0xFFFF, int(bus, 16), int(device, 16), int(function, 16))


def smi_at(gpu, *path):
    node = gpu
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def smi_number(text):
    if text is None or text in UNKNOWN:
        return text
    m = re.match(r"^(-?[0-9.]+)", text)
    return float(m.group(1)) if m else text


def gx_at(snapshot, *path):
    """(value, reason): the value, or None with the reason from the enclosing `unknown` map."""
    node = snapshot
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None, "not recorded"
    if not isinstance(node, dict) or path[-1] not in node:
        return None, "not recorded"
    value = node[path[-1]]
    if value is None:
        return None, node.get("unknown", {}).get(path[-1], "unknown")
    return value, ""


RECOVERY = {0: "None", 1: "GPU Reset", 2: "Node Reboot", 3: "Drain P2P", 4: "Drain and Reset",
            5: "Recover IMEX Domain", 6: "Bus Reset", 7: "System Reboot"}


def fields():
    """(label, gpuxfer path, nvidia-smi path or function, kind)."""
    f = []
    f.append(("ECC mode", ("ecc_mode",), ("ECC Mode", "Current"), "enabled"))
    for counter, smi_counter in (("volatile", "Volatile"), ("aggregate", "Aggregate")):
        f.append((f"ECC {counter} SRAM corrected", ("ecc", f"{counter}_sram", "corrected"),
                  ("ECC Errors", smi_counter, "SRAM Correctable"), "count"))
        f.append((f"ECC {counter} SRAM uncorrected", ("ecc", f"{counter}_sram", "uncorrected"),
                  lambda g, c=smi_counter: sum_counts(g, ("ECC Errors", c, "SRAM Uncorrectable Parity"),
                                                      ("ECC Errors", c, "SRAM Uncorrectable SEC-DED"),
                                                      ("ECC Errors", c, "SRAM Uncorrectable")), "count"))
        f.append((f"ECC {counter} DRAM corrected", ("ecc", f"{counter}_dram", "corrected"),
                  ("ECC Errors", smi_counter, "DRAM Correctable"), "count"))
        f.append((f"ECC {counter} DRAM uncorrected", ("ecc", f"{counter}_dram", "uncorrected"),
                  ("ECC Errors", smi_counter, "DRAM Uncorrectable"), "count"))
    f.append(("Retired pages single-bit", ("retired_pages", "single_bit"), ("Retired Pages", "Single Bit ECC"), "count"))
    f.append(("Retired pages double-bit", ("retired_pages", "double_bit"), ("Retired Pages", "Double Bit ECC"), "count"))
    f.append(("Retired pages pending", ("retired_pages", "pending"), ("Retired Pages", "Pending Page Blacklist"), "yes"))
    f.append(("Remapped rows corrected", ("remapped_rows", "corrected"), ("Remapped Rows", "Correctable Error"), "count"))
    f.append(("Remapped rows uncorrected", ("remapped_rows", "uncorrected"), ("Remapped Rows", "Uncorrectable Error"), "count"))
    f.append(("Remap pending", ("remapped_rows", "pending"), ("Remapped Rows", "Pending"), "yes"))
    f.append(("Remap failure", ("remapped_rows", "failure"), ("Remapped Rows", "Remapping Failure Occurred"), "yes"))
    for key, smi_key in (("max", "Max"), ("high", "High"), ("partial", "Partial"), ("low", "Low"), ("none", "None")):
        f.append((f"Remap histogram {key}", ("remapped_rows", "histogram", key),
                  ("Remapped Rows", "Bank Remap Availability Histogram", smi_key), "count"))
    f.append(("PCIe replays", ("pcie_replay",), ("PCI", "Replays Since Reset"), "count"))
    f.append(("Persistence mode", ("persistence_mode",), ("Persistence Mode",), "enabled"))
    f.append(("Power limit (enforced) W", ("power_limit_w",),
              lambda g: smi_at(g, "GPU Power Readings", "Current Power Limit") or smi_at(g, "Power Readings", "Power Limit"),
              "watts"))
    f.append(("Default power limit W", ("default_power_limit_w",),
              lambda g: smi_at(g, "GPU Power Readings", "Default Power Limit") or smi_at(g, "Power Readings", "Default Power Limit"),
              "watts"))
    f.append(("Application SM clock MHz", ("app_sm_clock_hz",), ("Applications Clocks", "Graphics"), "mhz"))
    f.append(("Application memory clock MHz", ("app_memory_clock_hz",), ("Applications Clocks", "Memory"), "mhz"))
    f.append(("Max SM clock MHz", ("max_sm_clock_hz",), ("Max Clocks", "SM"), "mhz"))
    f.append(("Max memory clock MHz", ("max_memory_clock_hz",), ("Max Clocks", "Memory"), "mhz"))
    f.append(("MIG mode", ("mig_mode",), ("MIG Mode", "Current"), "enabled"))
    f.append(("MIG mode pending", ("mig_mode_pending",), ("MIG Mode", "Pending"), "enabled"))
    f.append(("Recovery action", ("recovery_action",), ("GPU Recovery Action",), "recovery"))
    f.append(("VBIOS version", ("vbios_version",), ("VBIOS Version",), "text"))
    f.append(("InfoROM image version", ("inforom_image_version",), ("Inforom Version", "Image Version"), "text"))
    return f


def sum_counts(gpu, *paths):
    values = [smi_at(gpu, *p) for p in paths]
    present = [v for v in values if v is not None]
    if not present:
        return None
    if any(v in UNKNOWN for v in present):
        return present[0]
    return str(sum(int(smi_number(v)) for v in present))


def as_gx_text(value, kind):
    if kind == "watts":
        return "%.2f" % value
    if kind == "mhz":
        return "%.0f" % (value / 1e6)
    if kind in ("enabled", "yes"):
        return {"enabled": ("Enabled", "Disabled"), "yes": ("Yes", "No")}[kind][0 if value else 1]
    if kind == "recovery":
        return RECOVERY.get(value, str(value))
    return str(value)


def same(value, smi, kind):
    if kind == "count":
        try:
            return int(smi_number(smi)) == int(value)
        except (TypeError, ValueError):
            return False
    if kind == "watts":
        n = smi_number(smi)
        return isinstance(n, float) and abs(n - value) <= 0.5
    if kind == "mhz":
        n = smi_number(smi)
        return isinstance(n, float) and abs(n - value / 1e6) <= 0.5
    if kind == "enabled":
        return smi.lower() == ("enabled" if value else "disabled")
    if kind == "yes":
        return smi.lower() == ("yes" if value else "no")
    if kind == "recovery":
        return smi.replace(" ", "").lower() == RECOVERY.get(value, "?").replace(" ", "").lower()
    return smi == str(value)


def snapshots(doc):
    health = doc.get("health")
    if not isinstance(health, dict) or not isinstance(health.get("gpus"), list):
        raise ValueError("no `health` section (gpuxfer 1.6+ list or bench output is needed)")
    out = {}
    for g in health["gpus"]:
        snap = g.get("after") or g.get("before")
        if snap is not None:
            out[g.get("pci_bus_id", "?")] = (g, snap)
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            gx = snapshots(json.load(f))
        with open(argv[2], encoding="utf-8", errors="replace") as f:
            smi = parse_smi(f.read())
    except (OSError, ValueError) as e:
        print(f"health_vs_nvidia_smi.py: {e}", file=sys.stderr)
        return 2
    common = [bus for bus in gx if bus in smi]
    if not common:
        print(f"health_vs_nvidia_smi.py: no GPU in both files (gpuxfer: {sorted(gx)}, nvidia-smi: {sorted(smi)})",
              file=sys.stderr)
        return 1
    rows = [("GPU", "field", "gpuxfer", "nvidia-smi", "result")]
    mismatches = 0
    for bus in common:
        g, snap = gx[bus]
        for label, path, smi_path, kind in fields():
            value, reason = gx_at(snap, *path)
            smi_value = smi_path(smi[bus]) if callable(smi_path) else smi_at(smi[bus], *smi_path)
            if smi_value is None:
                result = "not compared (not in nvidia-smi output)"
            elif value is None and smi_value in UNKNOWN:
                result = "ok (both unknown)"
            elif value is None:
                result = f"MISMATCH (gpuxfer unknown: {reason})"
            elif smi_value in UNKNOWN:
                result = "MISMATCH (nvidia-smi unknown)"
            else:
                result = "ok" if same(value, smi_value, kind) else "MISMATCH"
            mismatches += result.startswith("MISMATCH")
            shown = "null" if value is None else as_gx_text(value, kind)
            rows.append((bus, label, shown, "-" if smi_value is None else smi_value, result))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    missing = sorted(set(gx) ^ set(smi))
    if missing:
        print(f"GPUs in one file only (not compared): {', '.join(missing)}")
    print(f"{mismatches} mismatch(es) on {len(common)} GPU(s)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
