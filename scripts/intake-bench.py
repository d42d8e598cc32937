"""Uploads every file of OUTBOX and measures end-of-upload → status (scripts/latency-bench.sh,
scripts/nodes-bench.sh).

    intake-bench.py HOST PORTS KEY OUTBOX INBOX

PORTS is one port, or several joined by commas (several nodes): then the files are dealt out to
them in turn, each port's share uploaded over a paramiko connection of its own, all at once.
A watcher process (inotify on INBOX/processed and INBOX/failed) records when each status file
appears; both sides use CLOCK_MONOTONIC. PACE=1 (one port only) waits for each file's status
before the next upload.
"""
import ctypes, ctypes.util, json, os, struct, subprocess, sys, threading, time

IN_CREATE, IN_CLOSE_WRITE, IN_MOVED_TO = 0x100, 0x8, 0x80


def watch(dirs):
    """Watcher process: prints `monotonic_ns name` for every file created or renamed in dirs."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0:
        sys.exit("inotify_init1 failed")
    for d in dirs:
        if libc.inotify_add_watch(fd, d.encode(), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
            sys.exit("inotify_add_watch %s failed" % d)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        buf = os.read(fd, 1 << 16)
        now = time.monotonic_ns()
        i = 0
        while i < len(buf):
            _wd, _mask, _cookie, length = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + length].rstrip(b"\0").decode()
            i += 16 + length
            if name.endswith(".status.json") and not name.startswith("."):
                out.write("%d %s\n" % (now, name))
        out.flush()


def pct(sorted_values, p):
    """Nearest-rank percentile."""
    k = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(k) - 1]


def main():
    host, port, key_path, outbox, inbox = sys.argv[1:6]
    import paramiko

    results = [os.path.join(inbox, "processed"), os.path.join(inbox, "failed")]
    watcher = subprocess.Popen(
        [sys.executable, __file__, "--watch"] + results, stdout=subprocess.PIPE, text=True
    )
    assert watcher.stdout.readline().strip() == "ready"
    seen, cond = {}, threading.Condition()

    def follow():
        for line in watcher.stdout:
            t, name = line.split(" ", 1)
            with cond:
                seen.setdefault(name.strip()[: -len(".status.json")], int(t))
                cond.notify_all()

    threading.Thread(target=follow, daemon=True).start()
    pace = os.environ.get("PACE") == "1"

    names = sorted(os.listdir(outbox))
    total_bytes = sum(os.path.getsize(os.path.join(outbox, n)) for n in names)
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    ports = [int(p) for p in port.split(",")]
    if pace and len(ports) > 1:
        sys.exit("PACE=1 takes one port")

    ends, upload_s, lock = {}, [], threading.Lock()

    def upload(port, share):
        transport = paramiko.Transport((host, port))
        transport.connect(username="demo", pkey=key)
        sftp = paramiko.SFTPClient.from_transport(transport)
        for n in share:
            t = time.monotonic_ns()
            sftp.put(os.path.join(outbox, n), "transaction/" + n, confirm=False)
            end = time.monotonic_ns()
            with lock:
                ends[n] = end
                upload_s.append((end - t) / 1e9)
            if pace:
                with cond:
                    cond.wait_for(lambda: n in seen, timeout=60)
        sftp.close()
        transport.close()

    start = time.monotonic_ns()
    uploaders = [
        threading.Thread(target=upload, args=(p, names[i :: len(ports)])) for i, p in enumerate(ports)
    ]
    for u in uploaders:
        u.start()
    for u in uploaders:
        u.join()
    if len(ends) != len(names):
        sys.exit("an upload connection failed")

    with cond:
        cond.wait_for(lambda: all(n in seen for n in names), timeout=900)
    watcher.kill()
    missing = [n for n in names if n not in seen]
    if missing:
        sys.exit("no status for %d files, e.g. %s" % (len(missing), missing[:3]))
    last = max(seen[n] for n in names)

    outcomes = {}
    for d in results:
        for f in os.listdir(d):
            if f.endswith(".status.json"):
                with open(os.path.join(d, f)) as fh:
                    o = json.load(fh)["outcome"]
                outcomes[o] = outcomes.get(o, 0) + 1

    lat = sorted((seen[n] - ends[n]) / 1e6 for n in names)
    up = sorted(upload_s)
    wall = (last - start) / 1e9
    mb = total_bytes / 1e6
    mode = "paced: each upload waits for the previous status" if pace else "back to back"
    print("mode             %s, %d connection(s) to port(s) %s" % (mode, len(ports), port))
    print("files            %d (%.0f MB, %s)" % (len(names), mb, ", ".join("%s %d" % kv for kv in sorted(outcomes.items()))))
    print("upload → status  p50 %.1f ms   p99 %.1f ms   max %.1f ms   mean %.1f ms" % (
        pct(lat, 50), pct(lat, 99), lat[-1], sum(lat) / len(lat)))
    print("upload (put)     p50 %.1f ms   p99 %.1f ms   %.1f MB/s of upload time" % (
        pct(up, 50) * 1e3, pct(up, 99) * 1e3, mb / sum(up)))
    print("throughput       %.1f files/s, %.1f MB/s (first upload start → last status, %.1f s)" % (
        len(names) / wall, mb / wall, wall))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--watch"]:
        watch(sys.argv[2:])
    else:
        main()
