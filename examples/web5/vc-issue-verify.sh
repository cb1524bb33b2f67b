#!/usr/bin/env bash
# Issue a VC-JWT from a stored issuer DID to a subject, verify it, then show that a tampered copy fails.
# Usage: OPSOURCE="opsource --data-dir /tmp/demo" examples/web5/vc-issue-verify.sh
set -euo pipefail
OPSOURCE=${OPSOURCE:-opsource}
issuer=$($OPSOURCE did create --method jwk --curve Ed25519)
subject=$($OPSOURCE did create --method key)
jwt=$($OPSOURCE vc issue --issuer "$issuer" --subject "$subject" --type DaoMembership --data '{"role":"treasurer"}' --expires 2099-01-01T00:00:00Z)
$OPSOURCE vc verify "$jwt" --json | grep -q '"treasurer"'
echo "verified: $($OPSOURCE vc verify "$jwt")"
tampered="${jwt%.*}.$(printf 'A%.0s' $(seq 1 86))"
if $OPSOURCE vc verify "$tampered" 2>/dev/null; then
  echo "tampered credential was accepted" >&2
  exit 1
fi
echo "tampered copy refused"
