#!/usr/bin/env bash
# Installs every Debian package the build and the test tiers need. Idempotent: packages already
# present are skipped by apt, and `apt-get update` runs once per invocation.
# Usage: scripts/install-deps.sh [--build-only]
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsodium-dev libssl-dev libsqlite3-dev sqlite3
  libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhowardhinnant-date-dev tzdata
  # Executors (issue 4): hwloc topology and Open MPI for the local executor, libslurm for the
  # Slurm executor. The Kubernetes executor talks HTTPS with Boost.Beast and OpenSSL (above) and
  # reads kubeconfig files (YAML) with yaml-cpp.
  libhwloc-dev hwloc openmpi-bin libopenmpi-dev libslurm-dev libyaml-cpp-dev
  # PostgreSQL store (issue 5): libpq, no libpqxx.
  libpq-dev
  # gRPC transport (issue 5): the Colonies gRPC service and the SDK's gRPC transport; protoc and
  # grpc_cpp_plugin generate the stubs at build time.
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  # HDF5 process traces (issue 6): `colonies export --format hdf5` and the benchmarks' --trace.
  libhdf5-dev
  # coloniesd's allocator (COLONIES_ALLOCATOR=jemalloc; benchmarks/README.md, "Tuning the knobs").
  libjemalloc-dev
)
# Tools the test tiers use at run time (process inspection in the kill -9 test, python for
# small test helpers, openssl for the self-signed certificate of the Kubernetes TLS test).
TEST_PKGS=(procps python3 curl openssl)
# The Python SDK (client/python): Ed25519 from python3-cryptography; setuptools and wheel for an offline
# `pip install --no-build-isolation .` of it.
TEST_PKGS+=(python3-cryptography python3-setuptools python3-wheel)
# A real one-node Slurm (slurmctld + slurmd + munge) for the Slurm executor's system tests;
# started by tests/system/slurm/start-slurm.sh, never by the package scripts.
TEST_PKGS+=(slurm-wlm slurm-client munge)
# The fuzz tier (scripts/fuzz.sh): clang 16 with its libFuzzer/sanitizer runtimes. Debian 12's
# default clang 14 cannot see libstdc++ 12's std::expected; see cmake/ColoniesFuzzing.cmake.
TEST_PKGS+=(clang-16 libclang-rt-16-dev)
# PostgreSQL 15 server binaries (initdb, pg_ctl) for the PostgreSQL store's integration tests,
# which start a throwaway cluster per test binary (tests/support/postgres_cluster.hpp).
TEST_PKGS+=(postgresql)
# etcd 3.4 (server and etcdctl) for the etcd leader election's integration tests and the HA test,
# which start a throwaway etcd per test (tests/support/etcd_test_server.hpp).
TEST_PKGS+=(etcd-server etcd-client)
# The dashboard's end-to-end test (tests/integration/dashboard): Debian's chromium, driven by
# playwright-core, which the test installs from npm into the build directory. Node.js may come
# from elsewhere (a newer release with its own npm); Debian's npm is added only when npm is missing.
TEST_PKGS+=(chromium nodejs)
if ! command -v npm >/dev/null; then TEST_PKGS+=(npm); fi

pkgs=("${BUILD_PKGS[@]}")
if [[ "${1:-}" != "--build-only" ]]; then
  pkgs+=("${TEST_PKGS[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
