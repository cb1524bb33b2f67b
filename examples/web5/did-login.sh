#!/usr/bin/env bash
# Log in to the OPSource API with a DID instead of an API key:
#   1. create a DID (its keys stay in this node's key store),
#   2. an admin binds the DID to a role (PUT /api/v1/web5/did-roles/DID),
#   3. POST /api/v1/auth/did/challenge {"did"} -> a single-use challenge,
#   4. sign {"challenge","did"} as a compact JWS with the DID's authentication key (`opsource did sign`),
#   5. POST /api/v1/auth/did/verify {"jws"} -> the same access token POST /api/v1/auth/token returns,
#   6. call an authenticated endpoint (GET /api/v1/auth/whoami) with it; a replayed challenge is refused.
# Without OPSOURCE_URL the script starts `opsource serve` on a free 127.0.0.1 port with the same data dir and
# stops it at the end. Needs a key passphrase (OPSOURCE_WEB5_PASSPHRASE or {data dir}/web5.passphrase), curl
# and python3.
# Usage: OPSOURCE="opsource --data-dir /tmp/demo" examples/web5/did-login.sh
#        OPSOURCE_URL=http://127.0.0.1:8080 OPSOURCE="opsource --data-dir /srv/opsource" examples/web5/did-login.sh
set -euo pipefail
OPSOURCE=${OPSOURCE:-opsource}
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

if [ -z "${OPSOURCE_URL:-}" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  OPSOURCE_URL=http://127.0.0.1:$port
  $OPSOURCE serve --urls "$OPSOURCE_URL" >"$tmp/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    curl -fs "$OPSOURCE_URL/api/v1/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
    sleep 0.5
  done
fi
api=$OPSOURCE_URL/api/v1

# 1. A DID with a secp256k1 key (Ed25519 works the same way).
did=$($OPSOURCE did create --method key --curve secp256k1)
echo "created $did"

# 2. The admin binds it to the viewer role (an admin API key exchanged for a token).
admin_key=$($OPSOURCE apikey create --role admin --name did-login-example 2>/dev/null)
admin_token=$(curl -fsS "$api/auth/token" -H 'content-type: application/json' -d "{\"api_key\":\"$admin_key\"}" | json access_token)
curl -fsS -X PUT "$api/web5/did-roles/$did" -H "authorization: Bearer $admin_token" -H 'content-type: application/json' -d '{"role":"viewer"}' >/dev/null
echo "bound $did to viewer"
# The same binding from the CLI (offline, on the same data dir): `opsource did role bind DID --role viewer`.
$OPSOURCE did role list --json | python3 -c 'import json,sys; d=sys.argv[1]; assert any(b["did"]==d and b["role"]=="viewer" for b in json.load(sys.stdin)), "binding not listed"' "$did"

# 3. The challenge.
challenge=$(curl -fsS "$api/auth/did/challenge" -H 'content-type: application/json' -d "{\"did\":\"$did\"}" | json challenge)

# 4. Signed with the DID's authentication key: a compact JWS whose kid names the verification method.
jws=$($OPSOURCE did sign "$did" "{\"challenge\":\"$challenge\",\"did\":\"$did\"}")

# 5. The access token.
curl -fsS "$api/auth/did/verify" -H 'content-type: application/json' -d "{\"jws\":\"$jws\"}" >"$tmp/token.json"
token=$(json access_token <"$tmp/token.json")
[ "$(json role <"$tmp/token.json")" = viewer ]

# 6. An authenticated call as the DID.
curl -fsS "$api/auth/whoami" -H "authorization: Bearer $token" >"$tmp/whoami.json"
[ "$(json subject <"$tmp/whoami.json")" = "$did" ]
[ "$(json auth_method <"$tmp/whoami.json")" = did ]
echo "logged in: $(cat "$tmp/whoami.json")"

# The challenge was single use: the same JWS is refused (401).
status=$(curl -s -o /dev/null -w '%{http_code}' "$api/auth/did/verify" -H 'content-type: application/json' -d "{\"jws\":\"$jws\"}")
[ "$status" = 401 ]
echo "replayed challenge refused ($status)"
