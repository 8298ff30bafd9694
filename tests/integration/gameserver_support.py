"""Support for the gameserver tests: the mock upstreams, the plugin's config, reading its series."""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import harness

MOCK_DIR = os.path.join(harness.BUILD_DIR, "tests", "mock")
PLUGIN_DIR = os.path.join(harness.BUILD_DIR, "plugins")
# Every key the tests configure contains this; it must never come out of exporterd.
SECRET = "sEcReT9x"
REASONS = ("timeout", "connect", "http_status", "api_error", "parse", "too_large")
# The [exporter] settings that load the shipped plugins instead of the test-only ones.
EXPORTER = {"plugin_dir": PLUGIN_DIR}


def require_plugin():
    harness.require_binary()
    for path in (os.path.join(PLUGIN_DIR, "gameserver.so"),
                 os.path.join(MOCK_DIR, "mock_listing_api"), os.path.join(MOCK_DIR, "mock_a2s")):
        if not os.access(path, os.R_OK):
            raise AssertionError("%s is not built (set BUILD_DIR)" % path)


def key(case, server):
    """A key the listing mock answers with `case`; it carries the secret marker."""
    return "%s-%s-%s" % (case, SECRET, server)


class Mock:
    """A mock upstream from tests/mock, started on a free loopback port."""

    def __init__(self, name, *args):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([os.path.join(MOCK_DIR, name), "0"] + list(args),
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit() or int(line) == 0:
            self.close()
            raise AssertionError("%s %s did not print its port (got %r)" % (name, args, line))
        self.port = int(line)

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class ListingApi(Mock):
    def __init__(self):
        super().__init__("mock_listing_api")

    @property
    def url(self):
        return ("http://127.0.0.1:%d/api/?object=servers&element=detail&key={key}" % self.port)

    def requests(self):
        """Requests served so far, per key."""
        with urllib.request.urlopen("http://127.0.0.1:%d/stats" % self.port, timeout=5) as r:
            lines = r.read().decode().splitlines()
        return {k: int(n) for k, n in (l.rsplit(" ", 1) for l in lines if l)}


def start_mock(tc, cls, *args):
    """Starts a mock that the test case stops at its end."""
    m = cls(*args)
    tc.addCleanup(m.close)
    return m


def closed_udp_port():
    """A loopback UDP port nothing listens on (an ICMP port unreachable answers it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_tcp_port():
    return harness.free_port()


def wait_ready(tc, e, timeout):
    """Waits until every instance has collected once (/-/ready 200); returns the seconds
    from start."""
    harness.wait_until(lambda: e.get("/-/ready", timeout=2).status == 200, timeout,
                       "/-/ready", interval=0.05)
    return time.monotonic() - e.started_at


def server_series(page, server):
    """Every sample of one server, keyed by (name, other labels) -> value."""
    out = {}
    for s in page.samples:
        if s.labels.get("server") != server:
            continue
        rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "server"))
        out[(s.name, rest)] = s.value
    return out


def errors(page, server):
    """gameserver_poll_errors_total of one server as {reason: value}."""
    return {s.labels["reason"]: s.value for s in page.find("gameserver_poll_errors_total",
                                                           server=server)}


def status(page, server):
    """The active state of gameserver_status for one server."""
    active = [s.labels["gameserver_status"] for s in page.find("gameserver_status", server=server)
              if s.value == 1]
    if len(active) != 1:
        raise AssertionError("server %s: %d active states" % (server, len(active)))
    return active[0]
