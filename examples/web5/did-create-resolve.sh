#!/usr/bin/env bash
# Create a did:dht (published to this node's gateway store, or Web5:DhtGatewayUrl) and a did:key, then
# resolve both. Needs a key passphrase: OPSOURCE_WEB5_PASSPHRASE or {data dir}/web5.passphrase.
# Usage: OPSOURCE="opsource --data-dir /tmp/demo" examples/web5/did-create-resolve.sh
set -euo pipefail
OPSOURCE=${OPSOURCE:-opsource}
dht=$($OPSOURCE did create --method dht --service dwn,DecentralizedWebNode,https://dwn.example)
key=$($OPSOURCE did create --method key --curve secp256k1)
echo "created $dht"
echo "created $key"
$OPSOURCE did resolve "$dht" | grep -q '"DecentralizedWebNode"'
$OPSOURCE did resolve "$key" | grep -q '"secp256k1"'
$OPSOURCE did list
echo "resolved both"
