#!/usr/bin/env python3
"""Checks the merged document of `mpirun -np 2 gpuxfer bench --suites peer,async` on a GPU host
(ctest mpi_gpuxfer_bench_np2_gpu): two ranks, every transfer between them measured and verified.

  gpu_ranks_check.py MERGED.json WITH_NCCL(0|1)"""
import json
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    with_nccl = sys.argv[2] == "1"
    problems = []
    ranks = doc["run"].get("ranks", [])
    if len(ranks) != 2 or any(r["status"] != "ok" for r in ranks):
        problems.append("expected 2 ranks, both ok: %s" % ranks)
    found = {}
    for r in doc["records"]:
        key = (r["method"], r["src"], r["dst"])
        found[key] = r
        if r["status"] != "ok" or not r["measurement"]["verified"] or r["measurement"]["mismatches"] != 0:
            problems.append("%s %s->%s: %s (%s)" % (r["method"], r["src"], r["dst"], r["status"], r["reason"]))
    wanted = [("ce_write", 0, 1), ("ce_write", 1, 0), ("sm_push", 0, 1), ("sm_push", 1, 0)]
    if with_nccl:
        wanted += [("nccl_send", 0, 1), ("nccl_send", 1, 0), ("nccl_bidir", 0, 1)]
    for key in wanted:
        if key not in found:
            problems.append("missing %s %d->%d" % key)
    cross = doc["run"].get("cross_rank", {})
    if cross.get("schedule") != "rounds" or cross.get("cases", 0) != len(wanted):
        problems.append("run.cross_rank: %s" % cross)
    if any(not p["peer_enabled"] for p in doc["system"]["pairs"]):
        problems.append("a pair without P2P: %s" % doc["system"]["pairs"])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
