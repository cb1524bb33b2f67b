#!/usr/bin/env bash
# The HTTP comparison's peers (bench/compare): wrk and FastAPI + uvicorn with uvloop, httptools and PyJWT from
# Debian. Idempotent: bench/compare/setup.sh installs only what is missing (nothing when all are present).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/compare/setup.sh
