"""Support for the http_probe tests: loopback HTTP/HTTPS servers, certificates, reading probe series."""
import calendar
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

import harness

PLUGIN_DIR = os.path.join(harness.BUILD_DIR, "plugins")
# The [exporter] settings that load the shipped plugins instead of the test-only ones.
EXPORTER = {"plugin_dir": PLUGIN_DIR}
REASONS = ("dns", "connect", "tls", "timeout", "status_code", "body_regex", "ssl_policy",
           "too_large", "http")
PHASES = ("resolve", "connect", "tls", "processing", "transfer")
# A name under a TLD reserved never to resolve (RFC 2606).
UNRESOLVABLE = "nonexistent.invalid"


def require_plugin():
    harness.require_binary()
    if not os.access(os.path.join(PLUGIN_DIR, "http_probe.so"), os.R_OK):
        raise AssertionError("http_probe.so is not built in %s (set BUILD_DIR)" % PLUGIN_DIR)
    if not shutil.which("openssl"):
        raise AssertionError("openssl is not installed (scripts/bootstrap installs it)")


# ---- The upstream servers ----

class Handler(http.server.BaseHTTPRequestHandler):
    """Paths:
    /status/<code>          that status, body "status <code>"
    /redirect/<n>[?q]       302 to /redirect/<n-1>[?q]; /redirect/0 answers 200
    /goto?url=<u>&code=<c>  redirect with status c (default 302) to u
    /slow/<seconds>         waits, then 200
    /large/<bytes>          200 with a body of that length (Content-Length)
    /chunked/<bytes>        200 with a chunked body of that length (no Content-Length)
    /body?text=<t>          200 with body t
    /echo                   200; the request (method, headers, body) is recorded
    /switch/<name>          the status the test set in server.switches[name] (default 200)
    Every request is recorded in server.requests.
    """
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _done(self):
        """Counts the request out of server.active: before its answer is written, so that
        the client cannot have sent its next request yet."""
        if getattr(self, "_active", False):
            self._active = False
            with self.server.lock:
                self.server.active -= 1
                self.server.finished.append((self.path, time.monotonic()))

    def _send(self, code, body=b"", headers=None, chunked=False):
        self._done()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if chunked:
            for i in range(0, len(body), 1000):
                part = body[i:i + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def _handle(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        with server.lock:
            server.active += 1
            server.max_active = max(server.max_active, server.active)
            server.requests.append(dict(time=time.monotonic(), method=self.command,
                                        path=self.path, headers=dict(self.headers), body=body))
        self._active = True
        try:
            self._route(parts, query)
        finally:
            self._done()

    def _route(self, parts, query):
        kind = parts[0]
        arg = parts[1] if len(parts) > 1 else ""
        if kind == "status":
            self._send(int(arg), b"status " + arg.encode())
        elif kind == "redirect":
            n = int(arg)
            if n <= 0:
                self._send(200, b"arrived")
            else:
                rest = urllib.parse.urlsplit(self.path).query
                self._send(302, b"", {"Location": "/redirect/%d%s" %
                                      (n - 1, "?" + rest if rest else "")})
        elif kind == "goto":
            self._send(int(query.get("code", "302")), b"", {"Location": query["url"]})
        elif kind == "slow":
            time.sleep(float(arg))
            self._send(200, b"slept")
        elif kind == "large":
            self._send(200, b"x" * int(arg))
        elif kind == "chunked":
            self._send(200, b"y" * int(arg), chunked=True)
        elif kind == "body":
            self._send(200, query.get("text", "").encode())
        elif kind == "echo":
            self._send(200, b"echo")
        elif kind == "switch":
            with self.server.lock:
                code = self.server.switches.get(arg, 200)
            self._send(code, b"switch")
        else:
            self._send(404, b"not found")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler):
        super().__init__(addr, handler)
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.requests = []
        self.finished = []
        self.switches = {}

    def handle_error(self, request, client_address):  # probes that hang up are expected
        pass


class _Server6(_Server):
    address_family = socket.AF_INET6


class Upstream:
    """An HTTP (or, given a certificate, HTTPS) server on a free loopback port, in a thread;
    on ::1 instead of 127.0.0.1 with ipv6=True."""

    def __init__(self, certfile=None, keyfile=None, tls_max=None, ipv6=False):
        self.server = (_Server6(("::1", 0), Handler) if ipv6
                       else _Server(("127.0.0.1", 0), Handler))
        self.tls = certfile is not None
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile, keyfile)
            if tls_max:
                ctx.maximum_version = tls_max
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host=None):
        if host is None:
            host = "[::1]" if self.server.address_family == socket.AF_INET6 else "127.0.0.1"
        return "%s://%s:%d%s" % ("https" if self.tls else "http", host, self.port, path)

    def requests(self, path=None):
        with self.server.lock:
            return [r for r in self.server.requests if path is None or r["path"] == path]

    def reset(self):
        with self.server.lock:
            self.server.requests.clear()
            self.server.finished.clear()
            self.server.max_active = 0

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class RawServer:
    """A TCP server that answers every connection with `reply` bytes and closes it."""

    def __init__(self, reply):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.sock.close()


def start(tc, server):
    """Registers server.close as a (class) cleanup of tc and returns the server."""
    (tc.addClassCleanup if isinstance(tc, type) else tc.addCleanup)(server.close)
    return server


# ---- Certificates ----

def _openssl(*args, cwd):
    res = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, timeout=60)
    if res.returncode != 0:
        raise AssertionError("openssl %s failed:\n%s" % (" ".join(args),
                                                         res.stderr.decode(errors="replace")))
    return res.stdout.decode()


def not_after(certfile, cwd):
    """The certificate's NotAfter as Unix seconds, read by openssl."""
    out = _openssl("x509", "-noout", "-enddate", "-in", certfile, cwd=cwd).strip()
    # notAfter=Nov 25 14:42:00 2027 GMT
    stamp = out.split("=", 1)[1]
    return calendar.timegm(time.strptime(stamp, "%b %d %H:%M:%S %Y GMT"))


class Certificates:
    """A CA valid for ca_days and a server certificate for 127.0.0.1 and localhost signed by
    it, valid for leaf_days. chain is the server's certificate followed by the CA's."""

    def __init__(self, ca_days=30, leaf_days=400):
        self.dir = tempfile.mkdtemp(prefix="exporterd-certs-")
        d = self.dir
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", str(ca_days),
                 "-subj", "/CN=exporterd test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "server.pem", "-days", str(leaf_days), "-extfile",
                 "ext.cnf", cwd=d)
        with open(os.path.join(d, "chain.pem"), "w") as out:
            for name in ("server.pem", "ca.pem"):
                with open(os.path.join(d, name)) as f:
                    out.write(f.read())
        self.ca = os.path.join(d, "ca.pem")
        self.chain = os.path.join(d, "chain.pem")
        self.key = os.path.join(d, "server.key")
        self.ca_expiry = not_after("ca.pem", d)
        self.leaf_expiry = not_after("server.pem", d)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- Configuration and results ----

def section(name, targets=(), **options):
    """An exporter.ini section; option values that are lists become repeated keys."""
    lines = ["[%s]" % name]
    for t in targets:
        lines.append("target = %s" % t)
    for k, v in options.items():
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if isinstance(item, bool):
                item = "true" if item else "false"
            lines.append("%s = %s" % (k, item))
    return "\n".join(lines) + "\n"


def series(page, target):
    """Every probe_* sample of one target: {name: value}, with the phases under
    ("probe_http_duration_seconds", phase) and the info labels under their names."""
    out = {}
    for s in page.samples:
        if s.labels.get("target") != target or not s.name.startswith("probe_"):
            continue
        if s.name == "probe_http_duration_seconds":
            out[(s.name, s.labels["phase"])] = s.value
        elif s.name == "probe_failure_info":
            out["reason"] = s.labels["reason"]
        elif s.name == "probe_tls_version_info":
            out["tls_version"] = s.labels["version"]
        else:
            out[s.name] = s.value
    return out


def wait_ready(e, timeout=20):
    harness.wait_until(lambda: e.get("/-/ready", timeout=2).status == 200, timeout, "/-/ready")


def probe(e, query, headers=None, timeout=15.0):
    """GET /probe?<query>: the Response, and the checked Page when the answer is 200."""
    resp = e.get("/probe?" + query, headers, timeout)
    page = None
    if resp.status == 200:
        page = harness.check_page(resp.body, harness.format_of(resp.content_type))
    return resp, page


def query(**params):
    return urllib.parse.urlencode(params)
