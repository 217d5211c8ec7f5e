#!/usr/bin/env bash
# Installs the Debian packages SessionKeeper needs to build, test and run.
# Idempotent: when everything is present it only checks and exits.
set -euo pipefail

PACKAGES=(
  # Build tools.
  g++ cmake make pkg-config
  # Libraries.
  libzookeeper-mt-dev libevent-dev libflatbuffers-dev flatbuffers-compiler
  libgoogle-glog-dev libgflags-dev nlohmann-json3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # sessionkeeperd's allocator.
  libjemalloc-dev
  # The ZooKeeper server (Java) for local runs and tests.
  zookeeper default-jre-headless
  # Used by the scripts and tests: pgrep/ps, curl.
  procps curl
  # Fuzzing (scripts/fuzz.sh): clang and its libFuzzer and sanitizer
  # runtimes. The sanitizer build uses g++'s own runtimes.
  clang libclang-rt-14-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
      grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  SUDO=(sudo)
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
