#!/usr/bin/python3
"""Runs the servers of bench/compare one after the other and measures each the same way.

For every server: startup to the first 200 of GET /api/v1/health (from the spawn), RSS of the whole process
tree when idle (after startup, before any load) and its peak under load (sampled every 50 ms), then for
each endpoint a discarded warm-up run and a measured run of wrk (requests/s, p50, p99, errors). Prints one
JSON document (results) and a Markdown table with the ratios against FastAPI. Called by run.sh.
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def tree_pids(pid):
    """pid and all its descendants (uvicorn's workers), those still running."""
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        yield p


def tree_rss_kib(pid):
    """VmRSS of pid and all its descendants, in KiB."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def tree_cpu_s(pid):
    """CPU time (user + system) of pid and all its descendants so far, in seconds."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (proc(5) fields 14 and 15)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def get(port, path, token=None, timeout=2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_first_200(port, proc, limit_s=120):
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        try:
            status, _ = get(port, "/api/v1/health", timeout=1.0)
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError("no 200 within %d s" % limit_s)


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    latency = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
        latency[pct] = float(value) * UNITS[unit]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    return {"requests_per_s": rps, "p50_ms": latency["50"], "p99_ms": latency["99"], "errors": errors, "requests": requests}


def pinned(cpus, command):
    """command run on the given CPUs only (taskset), or as it is when cpus is None."""
    return command if cpus is None else ["taskset", "-c", ",".join(map(str, cpus))] + command


def wrk(port, path, token, args, duration, cpus=None):
    # Pinned: one wrk thread per CPU it gets (more threads on one CPU only take turns).
    threads = args.threads if cpus is None else min(args.threads, len(cpus))
    cmd = pinned(cpus, ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{duration}", "--latency"])
    if token:
        cmd += ["-H", "Authorization: Bearer " + token]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def measure(name, command, env, port, token_source, args, placement=None):
    """placement: None (server and wrk share every CPU) or (server CPUs, wrk CPUs), each side pinned with taskset."""
    server_cpus, load_cpus = placement or (None, None)
    command = pinned(server_cpus, command)
    print(f"== {name}: {' '.join(command)}", file=sys.stderr)
    log = open(os.path.join(args.data_dir, re.sub(r"\W+", "-", name).strip("-").lower() + ".stderr.log"), "w")
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        startup_s = wait_first_200(port, proc)
        token = token_source(port) if token_source else None
        time.sleep(args.idle_seconds)
        idle_kib = tree_rss_kib(proc.pid)
        result = {"name": name, "cpus": "shared" if placement is None else f"server {cpu_list(server_cpus)}, wrk {cpu_list(load_cpus)}",
                  "startup_ms": round(startup_s * 1000, 1), "rss_idle_mib": round(idle_kib / 1024, 1), "endpoints": {}}
        peak = [idle_kib]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss_kib(proc.pid))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for label, path, needs_token in endpoints(args):
            status, body = get(port, path, token if needs_token else None)
            if status != 200:
                raise RuntimeError(f"{name} {path}: {status} {body[:200]!r}")
            result["endpoints"][label] = {"path": path, "body": json.loads(body)}
            wrk(port, path, token if needs_token else None, args, args.warmup, load_cpus)
            cpu_before = tree_cpu_s(proc.pid)
            measured = parse_wrk(wrk(port, path, token if needs_token else None, args, args.duration, load_cpus))
            # The server's own CPU time per answered request: unlike req/s, barely moved by what else runs.
            measured["cpu_us_per_request"] = round((tree_cpu_s(proc.pid) - cpu_before) / measured["requests"] * 1e6, 1)
            result["endpoints"][label].update(measured)
        stop.set()
        sampler.join()
        result["rss_load_peak_mib"] = round(peak[0] / 1024, 1)
        return result, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def cpu_list(cpus):
    return ",".join(map(str, cpus))


def placements(pin):
    """The CPU placements to measure: shared (None) and/or pinned: wrk on the first half of the CPUs this process may
    use, the server under test on the rest (on 2 cores: wrk on one, the server on the other)."""
    cpus = sorted(os.sched_getaffinity(0))
    if pin != "off" and len(cpus) < 2:
        raise RuntimeError("--pin needs at least 2 CPUs")
    half = len(cpus) // 2
    split = (cpus[half:], cpus[:half])
    return {"off": [None], "on": [split], "both": [None, split]}[pin]


def endpoints(args):
    """(label, path, needs a token) of every measured endpoint."""
    return (("health", "/api/v1/health", False), ("whoami", "/api/v1/auth/whoami", True), ("balance", args.auth_path, True))


def exchange(api_key):
    def source(port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/v1/auth/token", body=json.dumps({"api_key": api_key}), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"token exchange: {response.status} {body}")
        return body["access_token"]
    return source


def same_shape(a, b):
    """True when two JSON values have the same keys and value types (values such as timings differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_shape(x, y) for x, y in zip(a, b))
    return type(a) is type(b) or a is None or b is None or {type(a), type(b)} <= {int, float}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jit", required=True, help="directory of the framework-dependent publish (contains opsource)")
    p.add_argument("--aot", help="directory of the Native AOT publish (contains opsource)")
    p.add_argument("--ceiling", help="directory of the ceiling app's build (contains ceiling.dll): constant JSON, no work")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--app-dir", required=True)
    p.add_argument("--port", type=int, default=18480)
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--duration", default="10s")
    p.add_argument("--warmup", default="3s")
    p.add_argument("--idle-seconds", type=float, default=2.0)
    p.add_argument("--pin", choices=("off", "on", "both"), default="off",
                   help="on: wrk on half the CPUs, the server on the other half (taskset); both: shared and pinned runs")
    p.add_argument("--auth-path", default="/api/v1/wallets/bench/balance", help="the authenticated wallet-balance endpoint")
    args = p.parse_args()

    env = dict(os.environ)
    env.update({"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "OPSOURCE_Server__RateLimitPerSecond": "0",
                "OPSOURCE_Server__AnonymousRateLimitPerSecond": "0", "OPSOURCE_Auth__TokenLifetimeMinutes": "60",
                # A database check per health request, as the FastAPI app does (not shared or reused).
                "OPSOURCE_Server__HealthCheckReuseMilliseconds": "0"})
    serve = ["serve", "--data-dir", args.data_dir, "--network", "regtest", "--urls", f"http://127.0.0.1:{args.port}"]
    py_env = dict(os.environ)
    py_env.update({"BENCH_SQLITE": os.path.join(args.data_dir, "fastapi-bench.sqlite"),
                   "BENCH_SIGNING_KEY_FILE": os.path.join(args.data_dir, "secrets", "jwt-signing.key"),
                   "BENCH_OPSOURCE_DB": os.path.join(args.data_dir, "opsource.db")})
    groups = []
    for placement in placements(args.pin):
        results, token = [], None
        servers = [("OPSource JIT", [os.path.join(args.jit, "opsource")] + serve)]
        if args.aot:
            servers.append(("OPSource Native AOT", [os.path.join(args.aot, "opsource")] + serve))
        for name, command in servers:
            result, token = measure(name, command, env, args.port, exchange(args.api_key), args, placement)
            results.append(result)
        if args.ceiling:
            ceiling = ["dotnet", os.path.join(args.ceiling, "ceiling.dll"), "--urls", f"http://127.0.0.1:{args.port}"]
            result, _ = measure("ASP.NET Core ceiling (constant JSON)", ceiling, env, args.port, lambda _port: "ceiling", args, placement)
            results.append(result)
        # uvicorn's workers: as many as the CPUs it gets (all of them, or the server's share when pinned).
        workers = args.workers if placement is None else len(placement[0])
        uvicorn = ["/usr/bin/python3", "-m", "uvicorn", "--app-dir", args.app_dir, "fastapi_app:app", "--host", "127.0.0.1",
                   "--port", str(args.port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools"]
        result, _ = measure(f"FastAPI + uvicorn ({workers} workers)", uvicorn, py_env, args.port, lambda _port: token, args, placement)
        results.append(result)
        groups.append(results)

    for results in groups:
        check_shapes(results, args)
    print(json.dumps({"results": [r for results in groups for r in results], "settings": vars(args)}, indent=2))
    lines = ["| CPUs | Server | Endpoint | req/s | p50 ms | p99 ms | errors | req/s vs FastAPI | p99 vs FastAPI | server CPU µs/req | FastAPI's CPU/req ÷ this |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for results in groups:
        reference = results[-1]
        for r in results:
            for label, _, _ in endpoints(args):
                e, ref = r["endpoints"][label], reference["endpoints"][label]
                lines.append(f"| {r['cpus']} | {r['name']} | `{e['path']}` | {e['requests_per_s']:,.0f} | {e['p50_ms']:.2f} | {e['p99_ms']:.2f} | {e['errors']} | "
                             f"{e['requests_per_s'] / ref['requests_per_s']:.1f}x | {e['p99_ms'] / ref['p99_ms']:.2f}x | "
                             f"{e['cpu_us_per_request']:.1f} | {ref['cpu_us_per_request'] / e['cpu_us_per_request']:.1f}x |")
    lines += ["", "| CPUs | Server | startup to first 200 | RSS idle | RSS peak under load | idle RSS vs FastAPI |", "|---|---|---:|---:|---:|---:|"]
    for results in groups:
        reference = results[-1]
        for r in results:
            lines.append(f"| {r['cpus']} | {r['name']} | {r['startup_ms']:.0f} ms | {r['rss_idle_mib']:.1f} MiB | {r['rss_load_peak_mib']:.1f} MiB | {r['rss_idle_mib'] / reference['rss_idle_mib']:.2f}x |")
    print("\n".join(lines), file=sys.stderr)


def check_shapes(results, args):
    reference = results[-1]
    for r in results[:-1]:
        for label, _, _ in endpoints(args):
            if not same_shape(r["endpoints"][label]["body"], reference["endpoints"][label]["body"]):
                raise RuntimeError(f"{label}: the servers answer different JSON: {r['endpoints'][label]['body']} vs {reference['endpoints'][label]['body']}")


if __name__ == "__main__":
    main()
