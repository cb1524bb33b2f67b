#!/usr/bin/env bash
# Write, query, read and delete records on this node's DWN with `opsource dwn`: a DID of ours is the tenant;
# a protocol is configured and a record written under it; a second DID of ours is refused where the
# protocol does not allow it. Needs a key passphrase: OPSOURCE_WEB5_PASSPHRASE or {data dir}/web5.passphrase.
# Add --url http://HOST:PORT/api/v1/web5/dwn (or a dwn-server URL) to any dwn command to talk to a remote DWN.
# Usage: OPSOURCE="opsource --data-dir /tmp/demo" examples/web5/dwn-write-query.sh
set -euo pipefail
OPSOURCE=${OPSOURCE:-opsource}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
alice=$($OPSOURCE did create --method key)
bob=$($OPSOURCE did create --method key --curve secp256k1)

# A plain note: written, found by schema, read back byte for byte.
printf '{"text":"hello DWN"}' > "$tmp/note.json"
record=$($OPSOURCE dwn write --tenant "$alice" --schema https://schema.org/Note --data @"$tmp/note.json" --json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["status"]["code"]==202, r; print(r["record_id"])')
$OPSOURCE dwn query --tenant "$alice" --filter '{"schema":"https://schema.org/Note"}' | grep -q "$record"
$OPSOURCE dwn read "$record" --tenant "$alice" -o "$tmp/back.json"
cmp "$tmp/note.json" "$tmp/back.json"
echo "wrote, found and read $record"

# Others may not read an unpublished record: exit 1 with the DWN's reason.
if $OPSOURCE dwn read "$record" --tenant "$alice" --anonymous 2>"$tmp/err"; then exit 1; fi
grep -q RecordsReadAuthorizationFailed "$tmp/err"

# A protocol (anyone may create a thread) and a thread written by Bob into Alice's DWN.
cat > "$tmp/chat.json" <<'JSON'
{"protocol":"http://chat-protocol.xyz","published":true,
 "types":{"thread":{"schema":"thread","dataFormats":["application/json"]}},
 "structure":{"thread":{"$actions":[{"who":"anyone","can":["create"]},{"who":"author","of":"thread","can":["read"]}]}}}
JSON
$OPSOURCE dwn protocol configure @"$tmp/chat.json" --tenant "$alice"
$OPSOURCE dwn protocol query --tenant "$alice" --anonymous | grep -q chat-protocol.xyz
thread=$($OPSOURCE dwn write --tenant "$alice" --author "$bob" --protocol http://chat-protocol.xyz --protocol-path thread \
  --schema thread --data '{"title":"first"}' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["record_id"])')
$OPSOURCE dwn read "$thread" --tenant "$alice" --author "$bob" | grep -q first
echo "bob wrote thread $thread under the protocol"

# Bob may not configure protocols on Alice's DWN; Alice deletes the note.
if $OPSOURCE dwn protocol configure @"$tmp/chat.json" --tenant "$alice" --author "$bob" 2>"$tmp/err"; then exit 1; fi
grep -q ProtocolsConfigureAuthorizationFailed "$tmp/err"
$OPSOURCE dwn delete "$record" --tenant "$alice"
if $OPSOURCE dwn read "$record" --tenant "$alice" 2>/dev/null; then exit 1; fi
echo "deleted $record"
