"""GET /probe?module=<instance>&target=<url>: one probe with an instance's options, answered with
only its metrics; the 400s; the scrape deadline; many probes at once; stop and reload mid-probe."""
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

import harness
from probe_support import (PLUGIN_DIR, PHASES, Upstream, probe, query, require_plugin, section,
                           start, wait_ready)

# Families of one /probe answer, as blackbox's HTTP prober shapes them (text names).
PROBE_FAMILIES = {
    "probe_success", "probe_duration_seconds", "probe_http_status_code",
    "probe_http_duration_seconds", "probe_http_content_length",
    "probe_http_uncompressed_body_length", "probe_http_redirects", "probe_http_ssl",
    "probe_http_version", "probe_failed_due_to_regex", "probe_ssl_earliest_cert_expiry",
    "probe_tls_version_info", "probe_ip_protocol", "probe_dns_lookup_time_seconds",
    "probe_failure_info",
}


def plugin_dir():
    """http_probe.so next to a test plugin without a probe callback."""
    d = tempfile.mkdtemp(prefix="exporterd-probe-plugins-")
    os.symlink(os.path.join(PLUGIN_DIR, "http_probe.so"), os.path.join(d, "http_probe.so"))
    os.symlink(os.path.join(harness.PLUGIN_DIR, "well_behaved.so"),
               os.path.join(d, "well_behaved.so"))
    return d


class ProbeEndpointTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = start(cls, Upstream())
        cls.plugins = plugin_dir()
        cls.addClassCleanup(shutil.rmtree, cls.plugins, True)
        cls.closed = harness.free_port()
        body = "\n".join([
            # The default module: no targets of its own, used through /probe only.
            section("http_probe", interval="1h"),
            section("http_probe:strict", interval="1h", fail_if_not_ssl=True),
            section("http_probe:regex", ["own:" + cls.up.url("/redirect/0?own")], interval="1h",
                    fail_if_body_not_matches_regexp="arrived", probe_timeout="1s"),
            section("well_behaved", interval="1h"),
        ])
        cls.e = cls.start_shared(body, exporter={"plugin_dir": cls.plugins})
        wait_ready(cls.e)

    def probe(self, headers=None, **params):
        return probe(self.e, query(**params), headers)

    def assertProbePage(self, page):
        """Only the probe's families: no host, process or other plugin metrics, no labels
        but the phase and the info labels."""
        self.assertEqual(set(page.types) - PROBE_FAMILIES - {"probe_failure",
                                                            "probe_tls_version"}, set())
        for s in page.samples:
            self.assertTrue(s.name.startswith("probe_"), s.line)
            self.assertNotIn("target", s.labels, s.line)
        self.assertEqual({s.labels["phase"] for s in page.find("probe_http_duration_seconds")},
                         set(PHASES))

    def test_probe_answers_with_only_the_probe(self):
        resp, page = self.probe(module="http_probe", target=self.up.url("/status/200?a"))
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.content_type, harness.TEXT_CONTENT_TYPE)  # promtool checked it
        self.assertProbePage(page)
        self.assertEqual(page.value("probe_success"), 1)
        self.assertEqual(page.value("probe_http_status_code"), 200)
        self.assertEqual(page.value("probe_http_version"), 1.1)
        self.assertEqual(page.value("probe_ip_protocol"), 4)
        self.assertFalse(page.has("probe_failure_info"))
        self.assertFalse(page.has("probe_checks_total"))
        self.assertEqual(len(self.up.requests("/status/200?a")), 1)

    def test_openmetrics(self):
        resp, page = self.probe({"Accept": harness.PROMETHEUS_ACCEPT}, module="http_probe",
                                target=self.up.url("/status/503?om"))
        self.assertEqual(resp.content_type, harness.OPENMETRICS_CONTENT_TYPE)
        self.assertTrue(resp.body.endswith(b"# EOF\n"))
        self.assertProbePage(page)
        self.assertEqual(page.value("probe_success"), 0)
        self.assertEqual(page.value("probe_failure_info", reason="status_code"), 1)
        self.assertEqual(page.types["probe_failure"], "info")

    def test_default_module_and_target_without_scheme(self):
        resp, page = self.probe(target="127.0.0.1:%d/status/200?bare" % self.up.port)
        self.assertEqual(resp.status, 200)
        self.assertEqual(page.value("probe_success"), 1)
        self.assertEqual(len(self.up.requests("/status/200?bare")), 1)

    def test_module_options_apply(self):
        _, page = self.probe(module="http_probe:strict", target=self.up.url("/status/200?s"))
        self.assertEqual(page.value("probe_success"), 0)
        self.assertEqual(page.value("probe_failure_info", reason="ssl_policy"), 1)
        _, page = self.probe(module="http_probe:regex", target=self.up.url("/redirect/2?r"))
        self.assertEqual(page.value("probe_success"), 1)
        self.assertEqual(page.value("probe_http_redirects"), 2)
        _, page = self.probe(module="http_probe:regex", target=self.up.url("/status/200?r"))
        self.assertEqual(page.value("probe_failed_due_to_regex"), 1)
        self.assertEqual(page.value("probe_failure_info", reason="body_regex"), 1)

    def test_failed_probe_is_data(self):
        resp, page = self.probe(target="http://127.0.0.1:%d/" % self.closed)
        self.assertEqual(resp.status, 200)
        self.assertEqual(page.value("probe_success"), 0)
        self.assertEqual(page.value("probe_failure_info", reason="connect"), 1)
        self.assertEqual(page.value("probe_http_status_code"), 0)

    def test_bad_requests(self):
        cases = [
            (dict(module="nope", target="http://x/"),
             'unknown module "nope": no enabled instance has that name\n'),
            (dict(module="well_behaved", target="http://x/"),
             'module "well_behaved" cannot probe: plugin well_behaved has no probe callback\n'),
            (dict(module="http_probe"), "missing target parameter\n"),
            (dict(module="http_probe", target=""), "missing target parameter\n"),
            (dict(module="http_probe", target="ftp://127.0.0.1/"),
             "probe failed: target must be an http:// or https:// URL\n"),
            (dict(module="http_probe", target="http://bad host/"),
             "probe failed: target is not a valid URL\n"),
            (dict(module="no\npe", target="http://x/"),
             'unknown module "no?pe": no enabled instance has that name\n'),
        ]
        for params, reason in cases:
            resp, _ = self.probe(**params)
            self.assertEqual(resp.status, 400, params)
            self.assertEqual(resp.content_type, "text/plain; charset=utf-8")
            self.assertEqual(resp.text, reason, params)
        # Nothing was probed.
        self.assertEqual(self.up.requests("/"), [])

    def test_scrape_timeout_header_bounds_the_probe(self):
        start_at = time.monotonic()
        resp, page = self.probe({"X-Prometheus-Scrape-Timeout-Seconds": "1"},
                                target=self.up.url("/slow/5?deadline"))
        took = time.monotonic() - start_at
        self.assertEqual(resp.status, 200)
        self.assertLess(took, 1.5)
        self.assertEqual(page.value("probe_success"), 0)
        self.assertEqual(page.value("probe_failure_info", reason="timeout"), 1)
        self.assertLess(page.value("probe_duration_seconds"), 1.0)
        # probe_timeout of the module bounds it too (1s, with a 10s scrape timeout).
        start_at = time.monotonic()
        _, page = self.probe({"X-Prometheus-Scrape-Timeout-Seconds": "10"},
                             module="http_probe:regex", target=self.up.url("/slow/5?own"))
        self.assertLess(time.monotonic() - start_at, 2.0)
        self.assertEqual(page.value("probe_failure_info", reason="timeout"), 1)

    def test_many_probes_at_once_leave_the_server_responsive(self):
        results = []

        def one(i):
            results.append(self.probe(target=self.up.url("/slow/1?many%d" % i)))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        start_at = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(0.3)
        health = self.e.get("/-/healthy", timeout=5)
        self.assertEqual(health.status, 200)
        self.assertLess(health.elapsed, 0.5)
        _, metrics = self.e.scrape(timeout=5)
        for t in threads:
            t.join(10)
        took = time.monotonic() - start_at
        # Eight one-second probes in parallel, not one after the other.
        self.assertLess(took, 2.5)
        self.assertEqual(len(results), 8)
        for resp, page in results:
            self.assertEqual(resp.status, 200)
            self.assertEqual(page.value("probe_success"), 1)
        # /probe answers never leak into the metrics page.
        self.assertFalse(any(s.name == "probe_success" and "target" not in s.labels
                             for s in metrics.samples))

    def test_configured_targets_keep_their_own_series(self):
        _, page = self.e.scrape()
        self.assertEqual(page.value("probe_success", target="own"), 1)
        self.assertEqual(len(page.find("probe_success")), 1)


class ProbeLifecycleTest(harness.ExporterdTestCase):
    def setUp(self):
        self.up = start(self, Upstream())
        self.body = section("http_probe", interval="1h")
        self.e = self.start(self.body, exporter={"plugin_dir": PLUGIN_DIR})

    def background_probe(self, path, timeout_header="20"):
        out = {}

        def run():
            try:
                out["resp"] = self.e.get("/probe?" + query(target=self.up.url(path)),
                                         {"X-Prometheus-Scrape-Timeout-Seconds": timeout_header},
                                         timeout=30)
            except OSError as err:
                out["error"] = err
        t = threading.Thread(target=run)
        t.start()
        harness.wait_until(lambda: self.up.requests(path), 5, "the probe to reach the server")
        return t, out

    def test_reload_during_a_probe(self):
        t, out = self.background_probe("/slow/1.5?reload")
        self.e.write_config(section("http_probe:other", interval="1h"))
        self.e.send_signal(signal.SIGHUP)
        t.join(10)
        self.assertEqual(out["resp"].status, 200, out)
        page = harness.check_page(out["resp"].body, "text")
        self.assertEqual(page.value("probe_success"), 1)
        # The reloaded set has no [http_probe] any more.
        harness.wait_until(lambda: self.e.get("/probe?" + query(target="http://x/")).status
                           == 400, 10, "the reload")
        resp = self.e.get("/probe?" + query(module="http_probe", target="http://x/"))
        self.assertIn("unknown module", resp.text)

    def test_stop_during_a_probe(self):
        t, out = self.background_probe("/slow/10?stop")
        code, took = self.e.stop(signal.SIGTERM, within=3.0)
        self.assertEqual(code, 0)
        self.assertLess(took, 2.0)
        t.join(10)
        self.assertFalse(t.is_alive())


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
