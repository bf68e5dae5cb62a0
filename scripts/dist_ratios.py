#!/usr/bin/env python3
"""The multi-rank figures of one `scripts/gpu_validate.sh --mpi` run, as a markdown table.

  dist_ratios.py SINGLE SERIAL ROUNDS [SOCKET] [-o OUT.md]

SINGLE: `gpuxfer bench` of one process; SERIAL / ROUNDS: the merged documents of
`mpirun ... gpuxfer bench --schedule serial|rounds`; SOCKET: the run with NCCL forced onto
sockets. Compares, per GPU pair at the headline size: the ranks' CUDA IPC figures with the single
process's (same method), `rounds` with `serial` (every method), NCCL on one host with CUDA IPC,
and the wall time of the transfers between ranks per schedule. Ranks should agree with one process within 3 %."""
import argparse
import json
import statistics
import sys

TOLERANCE = 0.03


def load(path):
    with open(path) as f:
        return json.load(f)


def headline(doc):
    """(method, src, dst) -> median B/s of ok records at the run's headline size."""
    size = doc["run"]["options"].get("headline_bytes")
    out = {}
    for r in doc.get("records", []):
        if r.get("status") != "ok" or not r.get("rate") or r["bytes"] != size:
            continue
        if r["src"] is None or r["dst"] is None or r["src"] == "host" or r["dst"] == "host":
            continue
        out[(r["method"], r["src"], r["dst"])] = r["rate"]["median"]
    return out


def gbs(v):
    return "%.1f" % (v / 1e9)


def compare(lines, title, base, new, methods, base_name, new_name, target=True):
    lines.append("\n### %s\n" % title)
    lines.append("| method | pair | %s GB/s | %s GB/s | ratio |" % (base_name, new_name))
    lines.append("|---|---|---:|---:|---:|")
    ratios = []
    for key in sorted(k for k in base if k[0] in methods and k in new):
        ratio = new[key] / base[key]
        ratios.append(ratio)
        lines.append("| %s | %s->%s | %s | %s | %.3f |" % (key[0], key[1], key[2], gbs(base[key]), gbs(new[key]), ratio))
    if not ratios:
        lines.append("| (no common records) | | | | |")
        return None
    worst = max(abs(1 - r) for r in ratios)
    summary = "\n%d pairs; ratio min %.3f, median %.3f, max %.3f" % (len(ratios), min(ratios),
                                                                   statistics.median(ratios), max(ratios))
    if target:
        summary += "; largest deviation %.1f %% (target <= 3 %%: %s)" % (
            100 * worst, "MET" if worst <= TOLERANCE else "NOT MET")
    lines.append(summary)
    return worst


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("single")
    p.add_argument("serial")
    p.add_argument("rounds")
    p.add_argument("socket", nargs="?")
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args(argv)
    single, serial, rounds = load(a.single), load(a.serial), load(a.rounds)
    s1, s2, s3 = headline(single), headline(serial), headline(rounds)
    gpus = ", ".join(sorted({g.get("name", "?") for g in serial["system"]["gpus"]}))
    lines = ["# Transfers between ranks", "",
             "%d ranks on %s; headline %s bytes" % (len(serial["run"].get("ranks", [])), gpus,
                                                   serial["run"]["options"].get("headline_bytes"))]
    compare(lines, "CUDA IPC between ranks (serial) vs one process, same method and pair", s1, s2,
            {"ce_write", "sm_push"}, "one process", "ranks, serial")
    compare(lines, "rounds vs serial, every method", s2, s3,
            {"ce_write", "sm_push", "nccl_send", "nccl_bidir"}, "serial", "rounds")
    ipc_vs_nccl = {("x", k[1], k[2]): v for k, v in s2.items() if k[0] == "ce_write"}
    nccl = {("x", k[1], k[2]): v for k, v in s2.items() if k[0] == "nccl_send"}
    compare(lines, "NCCL send/recv vs CUDA IPC copy engine on one host (serial)", ipc_vs_nccl, nccl, {"x"},
            "IPC ce_write", "nccl_send", target=False)
    lines.append("\n### Wall time of the transfers between ranks\n")
    lines.append("| method | serial rounds | serial s | rounds rounds | rounds s | serial / rounds |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    cs = serial["run"].get("cross_rank", {})
    cr = rounds["run"].get("cross_rank", {})
    for m, v in cs.get("methods", {}).items():
        w = cr.get("methods", {}).get(m)
        if w:
            lines.append("| %s | %d | %.2f | %d | %.2f | %.2f× |" % (m, v["rounds"], v["wall_s"], w["rounds"], w["wall_s"],
                                                                 v["wall_s"] / w["wall_s"] if w["wall_s"] else 0))
    if cs and cr:
        lines.append("| all | %d | %.2f | %d | %.2f | %.2f× |" % (cs["rounds"], cs["wall_s"], cr["rounds"], cr["wall_s"],
                                                               cs["wall_s"] / cr["wall_s"] if cr["wall_s"] else 0))
    if a.socket:
        sock = load(a.socket)
        s4 = headline(sock)
        lines.append("\n### NCCL forced onto sockets (NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1 NCCL_NET=Socket, lo)\n")
        lines.append("| method | pair | GB/s | verified |")
        lines.append("|---|---|---:|---|")
        verified = {(r["method"], r["src"], r["dst"]): r.get("measurement", {}).get("verified")
                    for r in sock.get("records", [])}
        for key in sorted(k for k in s4 if k[0].startswith("nccl")):
            lines.append("| %s | %s->%s | %s | %s |" % (key[0], key[1], key[2], gbs(s4[key]), verified.get(key)))
        bad = [r for r in sock.get("records", []) if r.get("status") not in ("ok",)]
        lines.append("\n%d records, %d not ok; exit state: %s" % (len(sock.get("records", [])), len(bad),
                                                              sock["run"].get("ended_early", "finished")))
    text = "\n".join(lines) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
