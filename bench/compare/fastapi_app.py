"""The reference server of bench/compare: FastAPI + uvicorn (Debian's python3-fastapi, python3-uvicorn,
python3-jwt) doing the same work as OPSource for the two benchmarked endpoints.

GET /api/v1/health       runs SELECT 1 on a SQLite database and answers the same JSON as OPSource.
GET /api/v1/auth/whoami  validates the bearer access token exactly as OPSource does (HS256 with the same
                         signing key file, typ at+jwt, issuer, audience, expiry with 30 s leeway) and
                         answers the same JSON from its claims; 401 problem+json otherwise.

Environment: BENCH_SQLITE (database file), BENCH_SIGNING_KEY_FILE (OPSource's secrets/jwt-signing.key).
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

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/api/v1/health")
async def health():
    started = time.perf_counter()
    try:
        _DB.execute("SELECT 1").fetchone()
        ok, error = True, None
    except sqlite3.Error as e:  # same shape as OPSource's 503 answer
        ok, error = False, "database error"
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    body = {"status": "ok" if ok else "unavailable",
            "database": {"status": "ok" if ok else "error", "provider": "sqlite", "elapsed_ms": elapsed_ms, "error": error}}
    return JSONResponse(body, status_code=200 if ok else 503)


def _problem(detail):
    return JSONResponse({"type": "urn:opsource:error:invalid_token", "title": "Unauthorized", "status": 401,
                         "detail": detail, "code": "invalid_token"}, status_code=401, media_type="application/problem+json")


@app.get("/api/v1/auth/whoami")
async def whoami(request: Request):
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return _problem("a bearer access token is required")
    token = header[7:]
    try:
        if jwt.get_unverified_header(token).get("typ") != "at+jwt":
            return _problem("the token is not an access token")
        claims = jwt.decode(token, _KEY, algorithms=["HS256"], audience="opsource-api", issuer="opsource",
                            leeway=30, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return _problem("the access token is invalid")
    scope = claims.get("scope") or ""
    return {"subject": claims["sub"], "role": claims["role"], "scopes": scope.split(" ") if scope else [],
            "key_id": claims["key_id"], "auth_method": claims["auth_method"]}
