#!/usr/bin/env bash
# Experiment: elementwise launch shapes and GEMM input ranges, then the whole default bench.
set -uo pipefail
out=$1; mkdir -p $out
export NCCL_NVLS_ENABLE=0
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 || { tail -40 $out/build.log; exit 1; }
bin=build/hopper/src/gpuxfer
for cfg in "256 4 streaming" "256 4 default" "128 0 default" "128 0 streaming" "256 0 default" "512 4 default" "1024 2 default" "256 8 default" "512 2 streaming"; do
  set -- $cfg
  $bin bench --suites elementwise --devices 0 --sizes 400MB --ew-threads $1 --ew-blocks-per-sm $2 --ew-cache $3 --format csv --quiet > $out/ew-$1-$2-$3.csv 2>&1
  echo "ew $cfg: $(python3 -c "
import csv,sys
rows=list(csv.DictReader(open('$out/ew-$1-$2-$3.csv')))
print(' '.join('%s=%.0f'%(r['method'],float(r['median_gbps'])) for r in rows if r['src']=='0' and r['bytes']=='400000000' and r['median_gbps']))")"
done
for range in "0:1" "-1:1"; do
  $bin bench --suites gemm --devices 0 --gemm-inputs=$range --format csv --quiet > "$out/gemm-$range.csv" 2>&1
  echo "gemm $range: $(python3 -c "
import csv
rows=list(csv.DictReader(open('$out/gemm-$range.csv')))
print(' '.join('%s=%.1f'%(r['method'],float(r['median_tflops'])) for r in rows if r['median_tflops']))")"
done
python3 scripts/reference_torch.py --pairs 0-1 --compute --output "$out/reference-compute.json" 2>"$out/reference-compute.log"
grep -E "ew_|gemm_|local" "$out/reference-compute.log" | grep -v gated
/usr/bin/time -f "default bench wall %e s" $bin bench --save-json $out/bench-default.json > $out/bench-default.txt 2>$out/bench-default.log
tail -3 $out/bench-default.log
cd $out && tar czf ../exp2.tgz . 
