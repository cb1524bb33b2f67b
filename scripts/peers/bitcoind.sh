#!/usr/bin/env bash
# A private Bitcoin Core v29.2 regtest node on 127.0.0.1 (the reference node of the wallet, DLC and DAO tests).
#   scripts/peers/bitcoind.sh locate   -> prints the bitcoind path (BITCOIND, then PATH, then ../shared/bitcoin-core/bin)
#   scripts/peers/bitcoind.sh start    -> prints "DIR RPCPORT ZMQBLOCKPORT ZMQTXPORT" (cookie in DIR/regtest/.cookie)
#   scripts/peers/bitcoind.sh stop DIR -> stops that node and deletes DIR
# The tests start their own nodes through OPSource.TestSupport.BitcoinCoreNode (same flags); this script is
# for developers and for scripts that need a node by hand.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

locate() {
  local name=$1 var=$2
  if [ -n "${!var:-}" ] && [ -x "${!var}" ]; then echo "${!var}"; return 0; fi
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  local shared="$ROOT/../shared/bitcoin-core/bin/$name"
  if [ -x "$shared" ]; then (cd "$(dirname "$shared")" && echo "$(pwd)/$name"); return 0; fi
  echo "bitcoind.sh: $name not found (set $var, put it on PATH, or place ../shared/bitcoin-core beside the repo)" >&2
  return 1
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

stop_node() {
  local dir=$1
  if [ -f "$dir/ports" ]; then
    read -r rpc _ <"$dir/ports"
    "$(locate bitcoin-cli BITCOIN_CLI)" -regtest -datadir="$dir" -rpcport="$rpc" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do [ -f "$dir/regtest/bitcoind.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  locate) locate bitcoind BITCOIND ;;
  start)
    # Idempotence: remove nodes left by killed runs (their owner process is gone).
    for old in /tmp/opsource-btc.*; do
      [ -d "$old" ] || continue
      owner=$(cat "$old/owner" 2>/dev/null || echo "")
      if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then stop_node "$old"; fi
    done
    bitcoind=$(locate bitcoind BITCOIND)
    dir=$(mktemp -d /tmp/opsource-btc.XXXXXX)
    echo "${OPSOURCE_BTC_OWNER:-$PPID}" >"$dir/owner"
    rpc=$(free_port); p2p=$(free_port); zb=$(free_port); zt=$(free_port)
    echo "$rpc $p2p $zb $zt" >"$dir/ports"
    "$bitcoind" -regtest -daemon -datadir="$dir" -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$rpc" \
      -port="$p2p" -listen=0 -dnsseed=0 -fixedseeds=0 -txindex=1 -fallbackfee=0.0002 -server=1 \
      -zmqpubrawblock=tcp://127.0.0.1:"$zb" -zmqpubhashblock=tcp://127.0.0.1:"$zb" -zmqpubrawtx=tcp://127.0.0.1:"$zt" \
      >"$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; rm -rf "$dir"; exit 1; }
    "$(locate bitcoin-cli BITCOIN_CLI)" -regtest -datadir="$dir" -rpcport="$rpc" -rpcwait -rpcwaittimeout=60 getblockcount >/dev/null
    echo "$dir $rpc $zb $zt"
    ;;
  stop)
    dir=${2:?usage: bitcoind.sh stop DIR}
    case "$dir" in /tmp/opsource-btc.*) stop_node "$dir" ;; *) echo "bitcoind.sh: refusing to remove $dir" >&2; exit 1 ;; esac
    ;;
  *) echo "usage: $0 locate | start | stop DIR" >&2; exit 1 ;;
esac
