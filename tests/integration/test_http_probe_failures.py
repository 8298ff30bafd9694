"""http_probe: every transport failure reason (dns, connect, tls, timeout, http), concurrency bounded
by max_concurrency with no target waiting on a slow one, counters and logs across cycles."""
import time
import unittest

import harness
from probe_support import (EXPORTER, PHASES, UNRESOLVABLE, RawServer, Upstream, require_plugin,
                           section, series, start, wait_ready)

PROBE_TIMEOUT = 1.0


class FailuresTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = start(cls, Upstream())
        cls.fanout = start(cls, Upstream())
        cls.bounded = start(cls, Upstream())
        cls.garbage = start(cls, RawServer(b"garbage\r\n\r\n"))
        cls.hangup = start(cls, RawServer(b""))
        cls.closed = harness.free_port()
        u = cls.up.url
        body = "\n".join([
            section("http_probe", [
                "closed:http://127.0.0.1:%d/" % cls.closed,
                "dns:http://%s/" % UNRESOLVABLE,
                "slow:" + u("/slow/3"),
                "garbage:http://127.0.0.1:%d/" % cls.garbage.port,
                "hangup:http://127.0.0.1:%d/" % cls.hangup.port,
                "tls_to_plain:https://127.0.0.1:%d/status/200" % cls.up.port,
                "ok:" + u("/status/200"),
            ], interval="1h", probe_timeout="%gs" % PROBE_TIMEOUT, ip_protocol="ip4"),
            # One slow target and six fast ones through two slots.
            section("http_probe:fanout", ["fan_slow:" + cls.fanout.url("/slow/2")] +
                    ["fast%d:%s" % (i, cls.fanout.url("/status/200?%d" % i)) for i in range(6)],
                    interval="1h", max_concurrency=2),
            # Six one-second targets through three slots: two waves.
            section("http_probe:bounded",
                    ["s%d:%s" % (i, cls.bounded.url("/slow/1?%d" % i)) for i in range(6)],
                    interval="1h", max_concurrency=3),
        ])
        cls.e = cls.start_shared(body, exporter=EXPORTER)
        wait_ready(cls.e)
        _, cls.text = cls.e.scrape()  # promtool check metrics runs in scrape()
        _, cls.om = cls.e.scrape_om()

    def assertReason(self, target, reason):
        s = series(self.text, target)
        self.assertEqual(s["probe_success"], 0, target)
        self.assertEqual(s.get("reason"), reason, (target, s))
        self.assertEqual(s["probe_check_failures_total"], 1, target)
        self.assertEqual(self.om.value("probe_failure_info", target=target, reason=reason), 1)
        # One reason per failed target.
        self.assertEqual(len(self.text.find("probe_failure_info", target=target)), 1)
        return s

    def test_connection_refused(self):
        s = self.assertReason("closed", "connect")
        self.assertEqual(s["probe_http_status_code"], 0)
        self.assertEqual(s["probe_http_content_length"], 0)
        self.assertEqual(s["probe_http_version"], 0)
        self.assertEqual(s["probe_ip_protocol"], 4)  # it tried IPv4
        self.assertEqual(s[("probe_http_duration_seconds", "connect")], 0)

    def test_name_that_does_not_resolve(self):
        # Without DNS the lookup fails at once or times out; both are reason dns.
        s = self.assertReason("dns", "dns")
        self.assertEqual(s["probe_http_status_code"], 0)
        self.assertEqual(s["probe_ip_protocol"], 0)
        self.assertLessEqual(s["probe_duration_seconds"], PROBE_TIMEOUT + 0.5)
        self.assertGreater(s["probe_dns_lookup_time_seconds"], 0)
        for phase in PHASES:
            self.assertEqual(s[("probe_http_duration_seconds", phase)], 0, phase)

    def test_timeout(self):
        s = self.assertReason("slow", "timeout")
        self.assertGreaterEqual(s["probe_duration_seconds"], PROBE_TIMEOUT - 0.05)
        self.assertLess(s["probe_duration_seconds"], PROBE_TIMEOUT + 0.5)
        self.assertEqual(s["probe_http_status_code"], 0)
        self.assertGreater(s[("probe_http_duration_seconds", "connect")], 0)
        self.assertEqual(s[("probe_http_duration_seconds", "transfer")], 0)

    def test_not_http(self):
        self.assertReason("garbage", "http")
        self.assertReason("hangup", "http")

    def test_tls_to_a_plain_server(self):
        s = self.assertReason("tls_to_plain", "tls")
        self.assertEqual(s["probe_http_ssl"], 0)
        self.assertNotIn("probe_ssl_earliest_cert_expiry", s)

    def test_others_unaffected(self):
        s = series(self.text, "ok")
        self.assertEqual(s["probe_success"], 1)
        self.assertNotIn("reason", s)

    def test_a_slow_target_delays_none_of_the_others(self):
        reqs = self.fanout.requests()
        [slow] = [r for r in reqs if r["path"] == "/slow/2"]
        fast = [r for r in reqs if r["path"] != "/slow/2"]
        self.assertEqual(len(fast), 6)
        # All six went through the second slot while the slow one was still waiting.
        for r in fast:
            self.assertLess(r["time"] - slow["time"], 1.0, r["path"])
        for i in range(6):
            s = series(self.text, "fast%d" % i)
            self.assertEqual(s["probe_success"], 1)
            self.assertLess(s["probe_duration_seconds"], 1.0)
        self.assertEqual(series(self.text, "fan_slow")["probe_success"], 1)
        self.assertEqual(self.fanout.server.max_active, 2)

    def test_max_concurrency_bounds_the_probes_in_flight(self):
        self.assertEqual(self.bounded.server.max_active, 3)
        self.assertEqual(len(self.bounded.requests()), 6)
        took = self.text.value("exporterd_collector_duration_seconds",
                               collector="http_probe:bounded")
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 3.5)
        for i in range(6):
            self.assertEqual(series(self.text, "s%d" % i)["probe_success"], 1)

    def test_failed_probes_do_not_fail_the_collect(self):
        self.assertEqual(self.text.value("exporterd_collector_success", collector="http_probe"),
                         1)


class IpProtocolTest(harness.ExporterdTestCase):
    def test_ip_protocol(self):
        # An upstream on ::1 only; curl resolves localhost to ::1 and 127.0.0.1.
        up = start(self, Upstream(ipv6=True))
        body = "\n".join([
            section("http_probe", ["v6:" + up.url("/status/200"),
                                   "auto:" + up.url("/status/200", host="localhost")],
                    interval="1h"),
            section("http_probe:ip6", ["ip6:" + up.url("/status/200", host="localhost")],
                    interval="1h", ip_protocol="ip6"),
            section("http_probe:ip4", ["ip4:" + up.url("/status/200", host="localhost")],
                    interval="1h", ip_protocol="ip4"),
        ])
        e = self.start(body, exporter=EXPORTER)
        wait_ready(e)
        _, page = e.scrape()
        for t in ("v6", "auto", "ip6"):
            s = series(page, t)
            self.assertEqual(s["probe_success"], 1, t)
            self.assertEqual(s["probe_ip_protocol"], 6, t)
        s = series(page, "ip4")
        self.assertEqual(s.get("reason"), "connect")
        self.assertEqual(s["probe_ip_protocol"], 4)


class CyclesTest(harness.ExporterdTestCase):
    def test_finished_probes_show_while_a_slow_one_runs(self):
        up = start(self, Upstream())
        body = section("http_probe", ["slow:" + up.url("/slow/4"),
                                      "fast:" + up.url("/status/200")], interval="1h",
                       timeout="10s")
        e = self.start(body, exporter=EXPORTER)

        def fast_shown():
            _, page = e.scrape()
            return page if page.has("probe_success", target="fast") else None

        # The cycle takes 4 s; what finished is published after about a second.
        page = harness.wait_until(fast_shown, 3.0, "the fast target on the page")
        self.assertLess(time.monotonic() - e.started_at, 3.5)
        self.assertEqual(page.value("probe_success", target="fast"), 1)
        self.assertFalse(page.has("probe_success", target="slow"))
        self.assertEqual(e.get("/-/ready").status, 503)  # the first collect still runs
        harness.wait_until(lambda: e.get("/-/ready").status == 200, 8, "the cycle's end")
        _, page = e.scrape()
        self.assertEqual(page.value("probe_success", target="slow"), 1)
        self.assertEqual(page.value("probe_checks_total", target="fast"), 1)

    def test_counters_gauges_and_logs_across_collects(self):
        up = start(self, Upstream())
        up.server.switches["flaky"] = 500
        body = section("http_probe", ["ok:" + up.url("/status/200"),
                                      "flaky:" + up.url("/switch/flaky")], interval="0")
        e = self.start(body, exporter=EXPORTER)
        for n in range(1, 4):
            _, page = e.scrape()  # every scrape collects (interval = 0)
            self.assertEqual(page.value("probe_checks_total", target="ok"), n)
            self.assertEqual(page.value("probe_check_failures_total", target="ok"), 0)
            self.assertEqual(page.value("probe_checks_total", target="flaky"), n)
            self.assertEqual(page.value("probe_check_failures_total", target="flaky"), n)
            self.assertEqual(page.value("probe_failure_info", target="flaky",
                                        reason="status_code"), 1)
        self.assertEqual(len(up.requests("/switch/flaky")), 3)
        # A failure is logged when it starts, not on every cycle.
        self.assertEqual(e.stderr().count("target flaky: probe failed (status_code)"), 1)

        # Recovery: the gauges follow, the failure series goes, the counters keep counting.
        with up.server.lock:
            up.server.switches["flaky"] = 200
        _, page = e.scrape()
        self.assertEqual(page.value("probe_success", target="flaky"), 1)
        self.assertEqual(page.value("probe_http_status_code", target="flaky"), 200)
        self.assertFalse(page.has("probe_failure_info", target="flaky"))
        self.assertEqual(page.value("probe_checks_total", target="flaky"), 4)
        self.assertEqual(page.value("probe_check_failures_total", target="flaky"), 3)
        self.assertIn("target flaky succeeds again", e.stderr())
        self.assertLogfmt(e.stderr())


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
