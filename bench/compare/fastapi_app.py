"""The reference server of bench/compare: FastAPI + uvicorn (Debian's python3-fastapi, python3-uvicorn,
python3-jwt) doing the same work as OPSource for the two benchmarked endpoints.

GET /api/v1/health       runs SELECT 1 on a SQLite database and answers the same JSON as OPSource.
GET /api/v1/auth/whoami  validates the bearer access token exactly as OPSource does (HS256 with the same
                         signing key file, typ at+jwt, issuer, audience, expiry with 30 s leeway) and
                         answers the same JSON from its claims; 401 problem+json otherwise.
GET /api/v1/wallets/{name}/balance
                         validates the token the same way, checks the wallet scope (an unrestricted token
                         or one with scope wallet:NAME; 403 otherwise), reads the wallet's revision from
                         OPSource's own wallet table (404 for an unknown wallet) as OPSource does before every
                         read, and answers the balance it keeps in memory per revision, as OPSource's wallet
                         core does. The reference computes balances of wallets without transactions only
                         (the benchmark's wallet); any other wallet is a 501, never a made-up figure.

Environment: BENCH_SQLITE (database file for /health), BENCH_SIGNING_KEY_FILE (OPSource's
secrets/jwt-signing.key), BENCH_OPSOURCE_DB (OPSource's SQLite database, read only, for the wallet balance).
Run: uvicorn --app-dir bench/compare fastapi_app:app --host 127.0.0.1 --port 8000
"""
import base64
import os
import sqlite3
import time

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

_KEY = base64.b64decode(open(os.environ["BENCH_SIGNING_KEY_FILE"], encoding="ascii").read().strip())
_DB = sqlite3.connect(os.environ["BENCH_SQLITE"], check_same_thread=False)
_WALLETS = sqlite3.connect("file:%s?mode=ro" % os.environ["BENCH_OPSOURCE_DB"], uri=True, check_same_thread=False)
_BALANCES = {}  # (wallet, revision) -> balance, like OPSource's in-memory wallet core

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/api/v1/health")
async def health():
    started = time.perf_counter()
    try:
        _DB.execute("SELECT 1").fetchone()
        ok, error = True, None
    except sqlite3.Error as e:  # same shape as OPSource's 503 answer
        ok, error = False, "database error"
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    database = {"status": "ok" if ok else "error", "provider": "sqlite", "latency_ms": latency_ms}
    if error is not None:  # OPSource leaves null members out
        database["error"] = error
    body = {"status": "ok" if ok else "unavailable", "database": database,
            "chain_follower": {"role": "leader", "mode": "single-instance"}}
    return JSONResponse(body, status_code=200 if ok else 503)


def _problem(detail, status=401, code="invalid_token", title="Unauthorized"):
    return JSONResponse({"type": "urn:opsource:error:" + code, "title": title, "status": status,
                         "detail": detail, "code": code}, status_code=status, media_type="application/problem+json")


def _claims(request):
    """The validated access token's claims, or a 401 problem response."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return _problem("a bearer access token is required")
    token = header[7:]
    try:
        if jwt.get_unverified_header(token).get("typ") != "at+jwt":
            return _problem("the token is not an access token")
        return jwt.decode(token, _KEY, algorithms=["HS256"], audience="opsource-api", issuer="opsource",
                          leeway=30, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return _problem("the access token is invalid")


@app.get("/api/v1/wallets/{name}/balance")
async def balance(name: str, request: Request):
    claims = _claims(request)
    if isinstance(claims, JSONResponse):
        return claims
    scopes = (claims.get("scope") or "").split()
    if scopes and "wallet:" + name not in scopes:
        return _problem(f"the token does not reach wallet:{name}", 403, "scope_denied", "Forbidden")
    row = _WALLETS.execute("SELECT revision FROM wallet_wallets WHERE name = ?", (name,)).fetchone()
    if row is None:
        return _problem(f"no wallet named '{name}'", 404, "wallet_not_found", "Not Found")
    cached = _BALANCES.get((name, row[0]))
    if cached is None:
        if _WALLETS.execute("SELECT EXISTS (SELECT 1 FROM wallet_txs WHERE wallet = ?)", (name,)).fetchone()[0]:
            return _problem("the reference server computes balances of wallets without transactions only", 501,
                            "not_implemented", "Not Implemented")
        cached = {"confirmed_sat": 0, "trusted_pending_sat": 0, "untrusted_pending_sat": 0, "immature_sat": 0,
                  "spendable_sat": 0, "total_sat": 0}
        _BALANCES[(name, row[0])] = cached
    return cached


@app.get("/api/v1/auth/whoami")
async def whoami(request: Request):
    claims = _claims(request)
    if isinstance(claims, JSONResponse):
        return claims
    scope = claims.get("scope") or ""
    return {"subject": claims["sub"], "role": claims["role"], "scopes": scope.split(" ") if scope else [],
            "key_id": claims["key_id"], "auth_method": claims["auth_method"]}
