"""gameserver plugin, servers_net source: every kind of listing API answer, through the binary."""
import time
import unittest

import harness
from gameserver_support import (EXPORTER, REASONS, SECRET, ListingApi, closed_tcp_port, errors,
                                key, require_plugin, server_series, status, wait_ready)

POLL_TIMEOUT = 2.0

# server label -> mock case, and what the first poll must produce.
OK = {
    "strings": dict(status="online", players=12, max_players=24, rank=42, votes=17, score=123,
                    uptime_ratio=0.995, name="PVE Main", map="PEI", version="3.23.4.0"),
    "numbers": dict(status="online", players=7, max_players=32, rank=5, votes=250, score=900.5,
                    uptime_ratio=0.8725, name="PVP Arena", map="Washington", version="3.23.4.0"),
    "offline": dict(status="offline", players=0, max_players=16, rank=300, votes=0, score=0,
                    uptime_ratio=0.5, name="Vanilla", map="Russia", version="3.22.0.0"),
    "badoptional": dict(status="online", players=4, max_players=8, rank=None, votes=None,
                        score=None, uptime_ratio=None, name="Odd", map="", version=""),
}
FAILED = {
    "badkey": "api_error",
    "echo": "api_error",
    "jsonerror": "api_error",
    "http500": "http_status",
    "html200": "parse",
    "stall": "timeout",
    "truncated": "parse",
    "huge": "too_large",
    "hugechunked": "too_large",
    "missing": "parse",
    "nonnumeric": "parse",
    "array": "parse",
    "closed": "connect",
}
NUMBERS = ("players", "max_players", "rank", "votes", "score", "uptime_ratio")


def config(api):
    servers = [c for c in list(OK) + list(FAILED) + ["hostile"] if c != "closed"]
    lines = ["[gameserver]", "interval = 1h", "poll_timeout = %gs" % POLL_TIMEOUT,
             "url = " + api.url]
    lines += ["server = %s:%s" % (c, key(c, c)) for c in servers]
    lines.append("server = nokey:")
    # A second instance of the plugin, pointed at a port where nothing listens.
    lines += ["", "[gameserver:closed]", "interval = 1h", "poll_timeout = %gs" % POLL_TIMEOUT,
              "url = http://127.0.0.1:%d/api/?key={key}" % closed_tcp_port(),
              "server = closed:%s" % key("strings", "closed")]
    return "\n".join(lines) + "\n"


class ListingTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ListingApi()
        cls.addClassCleanup(cls.api.close)
        cls.e = cls.start_shared(config(cls.api), exporter=EXPORTER)
        cls.ready_after = wait_ready(cls, cls.e, 15)
        _, cls.text = cls.e.scrape(fmt=None)  # promtool check metrics runs in scrape()
        _, cls.om = cls.e.scrape_om()
        cls.requests = cls.api.requests()

    def pages(self):
        return (("text", self.text), ("openmetrics", self.om))

    def test_first_poll_is_bounded_by_poll_timeout(self):
        # The 30 s stall ends at poll_timeout; every other server answered in parallel.
        self.assertLess(self.ready_after, POLL_TIMEOUT + 2.5)
        for fmt, page in self.pages():
            dur = page.value("gameserver_poll_duration_seconds_sum", server="stall")
            self.assertGreaterEqual(dur, POLL_TIMEOUT - 0.3, fmt)
            self.assertLess(dur, POLL_TIMEOUT + 1, fmt)
            self.assertLess(page.value("gameserver_poll_duration_seconds_sum", server="numbers"),
                            1.0)

    def test_valid_answers(self):
        now = time.time()
        for fmt, page in self.pages():
            for server, want in OK.items():
                with self.subTest(fmt=fmt, server=server):
                    self.assertEqual(page.value("gameserver_up", server=server), 1)
                    self.assertEqual(status(page, server), want["status"])
                    for n in NUMBERS:
                        found = page.find("gameserver_" + n, server=server)
                        if want[n] is None:
                            self.assertEqual(found, [], n)
                        else:
                            self.assertEqual(len(found), 1, n)
                            self.assertAlmostEqual(found[0].value, want[n], places=9, msg=n)
                    self.assertFalse(page.has("gameserver_bots", server=server))
                    info = page.find("gameserver_info", server=server)
                    self.assertEqual(len(info), 1)
                    self.assertEqual(info[0].value, 1)
                    for label in ("name", "map", "version"):
                        self.assertEqual(info[0].labels.get(label, ""), want[label], label)
                    last = page.value("gameserver_last_success_timestamp_seconds", server=server)
                    self.assertLess(abs(now - last), 30)
                    self.assertEqual(errors(page, server), {r: 0 for r in REASONS})
                    self.assertEqual(page.value("gameserver_poll_duration_seconds_count",
                                                server=server), 1)

    def test_failed_answers(self):
        for fmt, page in self.pages():
            for server, reason in FAILED.items():
                with self.subTest(fmt=fmt, server=server):
                    self.assertEqual(page.value("gameserver_up", server=server), 0)
                    self.assertEqual(status(page, server), "unreachable")
                    want = {r: 0 for r in REASONS}
                    want[reason] = 1
                    self.assertEqual(errors(page, server), want)
                    # No number of a failed server, and no success time it never had.
                    names = {name for name, _ in server_series(page, server)}
                    self.assertEqual(names - {
                        "gameserver_up", "gameserver_status", "gameserver_poll_errors_total",
                        "gameserver_poll_duration_seconds_bucket",
                        "gameserver_poll_duration_seconds_count",
                        "gameserver_poll_duration_seconds_sum"}, set())
                    self.assertEqual(page.value("gameserver_poll_duration_seconds_count",
                                                server=server), 1)

    def test_server_without_key(self):
        for fmt, page in self.pages():
            self.assertEqual(page.value("gameserver_up", server="nokey"), 0, fmt)
            self.assertEqual(status(page, "nokey"), "unreachable")
            self.assertEqual(errors(page, "nokey"), {r: 0 for r in REASONS})
            self.assertFalse(page.has("gameserver_poll_duration_seconds_count", server="nokey"))
        self.assertNotIn("", self.requests)  # no request went out with an empty key
        warnings = [l for l in self.e.stderr().splitlines()
                    if "level=warn" in l and "no API key" in l]
        self.assertEqual(len(warnings), 1, self.e.stderr())
        self.assertIn("nokey", warnings[0])
        self.assertIn("collector=gameserver", warnings[0])

    def test_hostile_strings_are_escaped(self):
        for fmt, page in self.pages():
            info = page.find("gameserver_info", server="hostile")
            self.assertEqual(len(info), 1, fmt)
            name = info[0].labels["name"]
            self.assertTrue(name.startswith('Evil "quoted" \\ back\nslash M\u00e1y ch\u1ee7 '),
                            repr(name))
            self.assertTrue(name.endswith(" end"), repr(name))
            self.assertIn("\ufffd", name)  # the invalid bytes, repaired
            # Tab kept; carriage return and other control characters become spaces.
            self.assertEqual(info[0].labels["map"], "tab\there  x")
            self.assertEqual(info[0].labels["version"], "1\\2")
            self.assertEqual(page.value("gameserver_players", server="hostile"), 3)
        # The bytes on the wire: escapes exactly as the exposition formats want them.
        self.assertIn(b'name="Evil \\"quoted\\" \\\\ back\\nslash M\xc3\xa1y', self.text.body)

    def test_every_poll_was_made_once(self):
        counts = self.requests
        for case in list(OK) + list(FAILED) + ["hostile"]:
            if case == "closed":
                continue
            self.assertEqual(counts.get(key(case, case)), 1, case)

    def test_failures_are_logged_by_label_only(self):
        log = self.e.stderr()
        for server, reason in FAILED.items():
            lines = [l for l in log.splitlines()
                     if "level=warn" in l and "server %s: poll failed (%s)" % (server, reason) in l]
            self.assertEqual(len(lines), 1, "%s\n%s" % (server, log))
        # The API repeated the key in its error; the log shows it masked.
        self.assertIn("<key>", [l for l in log.splitlines() if "server echo:" in l][0])
        self.assertLogfmt(log)

    def test_keys_never_shown(self):
        outputs = {"stderr": self.e.stderr(), "stdout": self.e.stdout(),
                   "text": self.text.body.decode(), "openmetrics": self.om.body.decode(),
                   "landing page": self.e.get("/").body.decode("utf-8", "replace")}
        path = self.write_ini(config(self.api), exporter=EXPORTER)
        check = self.run_exporterd(["-c", path, "--check"])
        self.assertEqual(check.code, 0, check)
        self.assertIn("gameserver ok plugin=gameserver", check.stdout)
        outputs["--check"] = check.stdout + check.stderr
        once = self.run_exporterd(["-c", path, "--once"], timeout=30)
        self.assertEqual(once.code, 0, once)
        self.assertEqual(harness.parse_text(once.stdout_bytes).value("gameserver_players",
                                                                     server="strings"), 12)
        outputs["--once"] = once.stdout + once.stderr
        once_om = self.run_exporterd(["-c", path, "--once", "--format", "openmetrics"], timeout=30)
        outputs["--once openmetrics"] = once_om.stdout + once_om.stderr
        for where, text in outputs.items():
            self.assertNotIn(SECRET, text, where)

    def test_pages_are_valid(self):
        # scrape() already ran promtool (text) and the strict OpenMetrics parser; the text
        # page again on its own, to name the check here.
        harness.promtool_check(self.text.body)
        harness.check_openmetrics(self.om.body)
        self.assertEqual(self.om.types.get("gameserver_status"), "stateset")
        self.assertEqual(self.om.types.get("gameserver"), "info")
        self.assertEqual(self.om.types.get("gameserver_poll_errors"), "counter")
        self.assertEqual(self.om.types.get("gameserver_poll_duration_seconds"), "histogram")
        self.assertEqual(self.text.types.get("gameserver_poll_errors_total"), "counter")


class ConfigErrorTest(harness.ExporterdTestCase):
    def check(self, body):
        path = self.write_ini(body, exporter=EXPORTER)
        return self.run_exporterd(["-c", path, "--check"])

    def test_bad_options_fail_init_without_showing_values(self):
        bad = {
            "server = %s" % SECRET: "expected <label>:<key>",
            "server = bad label:%s" % SECRET: "the label must be",
            "server = a:%s\nserver = a:%s" % (SECRET, SECRET): "'a' is used twice",
            "server = a:%s\nsource = steam" % SECRET: "source must be servers_net or a2s",
            "server = a:%s\nurl = ftp://x/{key}" % SECRET: "url must start with http",
            "server = a:%s\nurl = http://x/" % SECRET: "url must contain {key}",
            "server = a:%s\nmax_body_bytes = 0" % SECRET: "max_body_bytes must be",
            "server = a:%s\npoll_timeout = 0s" % SECRET: "poll_timeout must be",
            "source = a2s\nserver = a:%s" % SECRET: "expected <label>:<host>:<port>",
            "source = a2s\nserver = a:127.0.0.1:99999": "port from 1 to 65535",
            "source = a2s\nserver = a:::1:27015": "IPv6 address in brackets",
        }
        for body, message in bad.items():
            with self.subTest(body=body):
                res = self.check("[gameserver]\n" + body + "\n")
                self.assertEqual(res.code, 1, res)
                self.assertIn(message, res.stderr)
                self.assertIn("[gameserver]", res.stderr)
                self.assertNotIn(SECRET, res.stdout + res.stderr)

    def test_good_a2s_forms(self):
        res = self.check("[gameserver]\nsource = a2s\nserver = a:127.0.0.1:27015\n"
                         "server = b:[::1]:27016\nserver = c:localhost:27017\n")
        self.assertEqual(res.code, 0, res)


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
