#!/usr/bin/env python3
"""Measures the dashboard on the release build (issue 5's targets), printing numbers:

1. server-rendered overview with 200 workloads: p50/p90 of GET / over 50 requests;
2. live latency: time from a decision being recorded to its event arriving on /api/live;
3. transferred size of wasm + js + css, as served to a client accepting gzip only and to one
   accepting brotli too (what browsers send).

Usage: bench/overview.py [path/to/ebb] [site-root]. Starts its own server on a free port
with a throwaway database; needs nothing but python3.
"""
import gzip, http.client, json, os, re, sqlite3, statistics, subprocess, sys, tempfile, time

EBB = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/ebb/target/release/ebb")
SITE = sys.argv[2] if len(sys.argv) > 2 else "target/site"


def start(db, extra_env=None):
    env = dict(os.environ, **(extra_env or {}))
    p = subprocess.Popen([EBB, "--bind", "127.0.0.1:0", "--site-root", SITE, "--database-url", "sqlite://" + db,
                          "--traces-dir", "/nonexistent"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in p.stdout:
        m = re.search(r"listening on http://([0-9.]+):(\d+)", line)
        if m:
            return p, m.group(1), int(m.group(2))
    raise SystemExit("ebb did not start")


def token(db):
    out = subprocess.run([EBB, "--database-url", "sqlite://" + db, "user", "add", "bench", "--role", "admin"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split()[-1]


def login(host, port, password):
    c = http.client.HTTPConnection(host, port)
    c.request("POST", "/login", body=f"username=bench&password={password}&next=/",
              headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{host}:{port}", "Host": f"{host}:{port}"})
    r = c.getresponse(); r.read()
    return r.getheader("Set-Cookie").split(";")[0]


def seed_200(db):
    c = sqlite3.connect(db)
    now = "2026-01-01T00:00:00.000Z"
    c.execute("INSERT INTO backends (name, kind, settings, created_at) VALUES ('bench', 'swarm', '{}', ?)", (now,))
    bid = c.execute("SELECT id FROM backends WHERE name='bench'").fetchone()[0]
    pid = c.execute("SELECT id FROM policies LIMIT 1").fetchone()[0]
    for i in range(200):
        c.execute("INSERT INTO workloads (backend_id, name, policy_id, interval_secs, spec, created_at) VALUES (?,?,?,15,'{}',?)",
                  (bid, f"svc-{i:03}", pid, now))
        wid = c.execute("SELECT last_insert_rowid()").fetchone()[0]
        c.execute("INSERT INTO decisions (workload_id, at, current_replicas, desired_replicas, direction, reason, sentence, outcome) "
                  "VALUES (?,?,3,4,'up','DesiredWithinRange','Scaled up from 3 to 4: cpu utilization 90% vs target 70%.','applied')", (wid, now))
        did = c.execute("SELECT last_insert_rowid()").fetchone()[0]
        c.execute("INSERT INTO workload_status (workload_id, observed_at, current_replicas, desired_replicas, ready_replicas, load, target, "
                  "last_decision_id, last_reason, updated_at) VALUES (?,?,4,4,4,72.5,70,?,'DesiredWithinRange',?)", (wid, now, did, now))
    c.commit(); c.close()


def overview(host, port, cookie, n=50):
    times = []
    for _ in range(n):
        c = http.client.HTTPConnection(host, port)
        t = time.perf_counter()
        c.request("GET", "/", headers={"Cookie": cookie, "Accept": "text/html"})
        r = c.getresponse(); body = r.read()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status == 200 and body.count(b'data-workload="svc-') == 200, (r.status, body[:200])
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]


def live_latency(host, port, cookie, db, samples=8):
    """Seconds from a decision's recorded time to its event on /api/live."""
    c = http.client.HTTPConnection(host, port)
    c.request("GET", "/api/live", headers={"Cookie": cookie, "Accept": "text/event-stream"})
    r = c.getresponse()
    lags = []
    while len(lags) < samples:
        line = r.fp.readline().decode()
        if not line.startswith("data:") or '"decision":{' not in line:
            continue
        got = time.time()
        ev = json.loads(line[5:])
        at = ev["decision"]["at"]
        rec = time.mktime(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0." + at[20:23])
        lags.append(got - rec)
    lags.sort()
    return statistics.median(lags), lags[-1]


BUNDLE = ["/pkg/ebb.wasm", "/pkg/ebb.js", "/pkg/ebb.css", "/vendor/uPlot.iife.min.js", "/vendor/uPlot.min.css",
          "/chart.js", "/local-time.js"]


def sizes(host, port, accept="gzip"):
    total = 0
    out = []
    for path in BUNDLE:
        c = http.client.HTTPConnection(host, port)
        c.request("GET", path, headers={"Accept-Encoding": accept})
        r = c.getresponse(); body = r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status}")
        enc = r.getheader("Content-Encoding") or "identity"
        raw = len(gzip.decompress(body)) if enc == "gzip" else None
        out.append((path, raw, len(body), enc)); total += len(body)
    return out, total


def main():
    d = tempfile.mkdtemp()
    db = os.path.join(d, "bench.db")
    # 1 + 3: a fresh database, seeded with 200 workloads while the server is stopped.
    p, host, port = start(db); p.terminate(); p.wait()
    seed_200(db)
    pw = token(db)
    p, host, port = start(db)
    try:
        cookie = login(host, port, pw)
        p50, p90 = overview(host, port, cookie)
        print(f"overview, 200 workloads, server-rendered: p50 {p50:.1f} ms, p90 {p90:.1f} ms (50 requests)")
        files, total = sizes(host, port, "gzip")
        for path, raw, sent, enc in files:
            print(f"  {path}: {raw} B raw, {sent} B sent ({enc})")
        print(f"browser bundle transferred, gzip: {total} B ({total / 1024:.0f} KiB)")
        files, total = sizes(host, port, "gzip, deflate, br")
        for path, raw, sent, enc in files:
            print(f"  {path}: {sent} B sent ({enc})")
        print(f"browser bundle transferred, brotli where offered: {total} B ({total / 1024:.0f} KiB)")
    finally:
        p.terminate(); p.wait()
    # 2: the demo seed on a fresh database gives a stream of real decisions.
    db2 = os.path.join(d, "live.db")
    p, host, port = start(db2); p.terminate(); p.wait()
    pw = token(db2)
    p, host, port = start(db2)
    try:
        cookie = login(host, port, pw)
        med, worst = live_latency(host, port, cookie, db2)
        print(f"decision recorded -> event on an open page's stream: median {med * 1000:.0f} ms, max {worst * 1000:.0f} ms (8 decisions)")
    finally:
        p.terminate(); p.wait()


if __name__ == "__main__":
    main()
