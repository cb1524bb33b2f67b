#!/usr/bin/env bash
# Installs the benchmark's peers from Debian, idempotently: wrk (load generator) and FastAPI + uvicorn with uvloop,
# httptools and PyJWT (the reference server). Only what is missing is installed.
set -euo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
dpkg -s python3-fastapi >/dev/null 2>&1 || need+=(python3-fastapi)
dpkg -s python3-uvicorn >/dev/null 2>&1 || need+=(python3-uvicorn)
for pkg in python3-uvloop python3-httptools python3-jwt; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
command -v clang >/dev/null 2>&1 || need+=(clang zlib1g-dev libsqlite3-dev)   # Native AOT publish
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
