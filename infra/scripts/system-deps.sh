#!/usr/bin/env bash
# Installs the Debian packages the hub and its tests need, only when missing (idempotent).
# Java 17 and Maven come with the machine; redis-server (fan-out tests) and chromium
# (browser tests) come from Debian's packages.
set -euo pipefail

need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${need[*]} (run as root or install them with apt-get)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # A package's postinst may start its service; the tests start their own redis on free ports.
  if [[ " ${need[*]} " == *" redis-server "* ]]; then
    (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
  fi
fi
