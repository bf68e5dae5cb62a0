#!/usr/bin/env bash
# Installs what gpuxfer needs to build and test on Debian 12 / Ubuntu 22.04+ with the CUDA
# toolkit already installed (nvcc on PATH or in /usr/local/cuda/bin). Safe to run again: it only
# installs what is missing, so it also works offline where everything is present.
set -euo pipefail

# openmpi-bin and libopenmpi-dev: the MPI layer of multi-process runs (src/dist) and its mpirun
# tests (tests/mpi); the build skips both where MPI is missing (GPUXFER_WITH_MPI=AUTO).
packages=(cmake g++ make git python3 python3-pip
          libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
          openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: nvcc not found: install the CUDA toolkit (12.x or 13.x) first" >&2
  exit 1
fi

# NVML is loaded at run time; building needs only nvml.h. Some toolkit installs lack it: the
# PyPI package nvidia-nvml-dev carries it, and CMake looks in site-packages for it.
cuda_include="$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")/../include"
if [ ! -f "$cuda_include/nvml.h" ]; then
  py="$(command -v python3)"
  if ! "$py" -c "import sysconfig,glob,sys; sys.exit(0 if glob.glob(sysconfig.get_paths()['purelib']+'/nvidia/*/include/nvml.h') else 1)"; then
    echo "setup: installing nvml.h from PyPI (nvidia-nvml-dev)" >&2
    "$py" -m pip install -q "nvidia-nvml-dev>=12,<14" 2>/dev/null ||
      "$py" -m pip install -q --break-system-packages "nvidia-nvml-dev>=12,<14"
  fi
fi
# Optional: ctest's schema_validation needs Python's jsonschema; fuzz_parsers and
# fuzz_report_reader need clang with libFuzzer; report_screenshot needs chromium. Without them
# those tests are reported as skipped (exit 77). Kept out of the required list: package names
# differ between releases (libclang-rt-dev is not on Ubuntu 22.04).
optional=()
for p in python3-jsonschema clang libclang-rt-dev chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || optional+=("$p")
done
if [ ${#optional[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${optional[*]} (schema validation, fuzzing, report screenshot)" >&2
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${optional[@]}"; } >/dev/null 2>&1 ||
    echo "setup: could not install ${optional[*]}: those tests will be skipped" >&2
fi
if ! python3 -c "import jsonschema" 2>/dev/null; then
  python3 -m pip install -q "jsonschema>=4" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "jsonschema>=4" 2>/dev/null ||
    echo "setup: Python module jsonschema missing: ctest schema_validation will be skipped" >&2
fi
# The real consumers of `check --prom` / `--junit` (ctest monitoring_outputs): promtool and the
# node exporter's textfile collector from Debian, xmllint, the prometheus_client parser, and the
# published JUnit schema (Jenkins xunit junit-10.xsd, as pytest's source distribution on PyPI
# carries it; its checksum pinned). Missing, the test is skipped, except in CI (.ci/run), where
# GPUXFER_REQUIRE_MONITORING_TOOLS=1 makes it fail.
monitoring=()
for p in prometheus prometheus-node-exporter libxml2-utils; do
  dpkg -s "$p" >/dev/null 2>&1 || monitoring+=("$p")
done
if [ ${#monitoring[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${monitoring[*]} (Prometheus and JUnit consumers)" >&2
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${monitoring[@]}"; } >/dev/null 2>&1 ||
    echo "setup: could not install ${monitoring[*]}: ctest monitoring_outputs will be skipped" >&2
fi
if ! python3 -c "import prometheus_client" 2>/dev/null; then
  python3 -m pip install -q "prometheus-client>=0.16" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "prometheus-client>=0.16" 2>/dev/null ||
    echo "setup: Python module prometheus_client missing: ctest monitoring_outputs will be skipped" >&2
fi
junit_xsd="$(dirname "$0")/../build/third_party/junit-10.xsd"
junit_xsd_sha256=a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6
if ! echo "$junit_xsd_sha256  $junit_xsd" | sha256sum -c --status 2>/dev/null; then
  tmp="$(mktemp -d)"
  if python3 -m pip download -q --no-binary :all: --no-deps "pytest==8.3.5" -d "$tmp" >/dev/null 2>&1 &&
     tar -xzf "$tmp"/pytest-8.3.5.tar.gz -C "$tmp" pytest-8.3.5/testing/example_scripts/junit-10.xsd &&
     echo "$junit_xsd_sha256  $tmp/pytest-8.3.5/testing/example_scripts/junit-10.xsd" | sha256sum -c --status; then
    mkdir -p "$(dirname "$junit_xsd")"
    cp "$tmp/pytest-8.3.5/testing/example_scripts/junit-10.xsd" "$junit_xsd"
  else
    echo "setup: could not fetch the JUnit schema (junit-10.xsd): ctest monitoring_outputs will be skipped" >&2
  fi
  rm -rf "$tmp"
fi
echo "setup: ok" >&2
