#!/usr/bin/env bash
# A private hsd 8.0.0 (Handshake) regtest node on 127.0.0.1 with its wallet, in memory (the Handshake tests).
#   scripts/peers/hsd.sh start    -> prints "DIR RPC_PORT WALLET_PORT NS_PORT RS_PORT API_KEY" once the node answers
#   scripts/peers/hsd.sh stop DIR -> stops that node and deletes DIR
# Installed by scripts/setup.d/25-hsd.sh (tests/peers/hsd). RPC/wallet use HTTP basic auth with user "x" and API_KEY;
# NS_PORT is hsd's authoritative root name server, RS_PORT its recursive resolver (UDP, 127.0.0.1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HSD="$ROOT/tests/peers/hsd/node_modules/hsd/bin/hsd"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

stop_node() {
  local dir=$1
  if [ -f "$dir/pid" ]; then
    local pid
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    [ -f "$HSD" ] || { echo "hsd.sh: hsd not installed (run scripts/setup.d/25-hsd.sh)" >&2; exit 1; }
    command -v node >/dev/null 2>&1 || { echo "hsd.sh: node not found" >&2; exit 1; }
    # Idempotence: remove nodes left behind by runs that were killed (their owner is gone).
    for old in /tmp/opsource-hsd.*; do
      [ -d "$old" ] || continue
      owner=$(cat "$old/owner" 2>/dev/null || echo "")
      if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then stop_node "$old"; fi
    done
    dir=$(mktemp -d /tmp/opsource-hsd.XXXXXX)
    echo "${OPSOURCE_HSD_OWNER:-$PPID}" >"$dir/owner"
    rpc=$(free_port); wallet=$(free_port); ns=$(free_port); rs=$(free_port); p2p=$(free_port)
    key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    nohup node "$HSD" --network=regtest --memory=true --prefix="$dir" --log-level=warning \
      --host=127.0.0.1 --port="$p2p" --listen=false \
      --http-host=127.0.0.1 --http-port="$rpc" --api-key="$key" \
      --wallet-http-host=127.0.0.1 --wallet-http-port="$wallet" --wallet-api-key="$key" \
      --ns-host=127.0.0.1 --ns-port="$ns" --rs-host=127.0.0.1 --rs-port="$rs" \
      >"$dir/hsd.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    # Ready when both the node's and the wallet's RPC answer.
    for _ in $(seq 1 600); do
      if curl -sf -u "x:$key" -H 'Content-Type: application/json' -d '{"method":"getblockcount","params":[]}' "http://127.0.0.1:$rpc/" >/dev/null 2>&1 \
        && curl -sf -u "x:$key" -H 'Content-Type: application/json' -d '{"method":"getwalletinfo","params":[]}' "http://127.0.0.1:$wallet/" >/dev/null 2>&1; then
        echo "$dir $rpc $wallet $ns $rs $key"
        exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "hsd.sh: hsd did not start:" >&2
    tail -20 "$dir/hsd.log" >&2 || true
    stop_node "$dir"
    exit 1
    ;;
  stop)
    dir=${2:?usage: hsd.sh stop DIR}
    case "$dir" in /tmp/opsource-hsd.*) stop_node "$dir" ;; *) echo "hsd.sh: refusing to remove $dir" >&2; exit 1 ;; esac
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 1
    ;;
esac
