"""HTTP endpoints: negotiation, gzip, filters, landing page, health, readiness, errors."""
import gzip
import os
import re
import socket
import threading
import time

import harness
from harness import (OPENMETRICS_CONTENT_TYPE, PROMETHEUS_ACCEPT, TEXT_CONTENT_TYPE,
                     ExporterdTestCase, check_well_behaved, without_process_metrics)

SECRET = "s3cr3t-Key-9f8e7d"

# Collected once at start (interval 1h), so pages only change in process_* values.
CONFIG = """
[well_behaved:a]
interval = 1h
site = alpha
step = 3
tag = x
tag = y
api_key = %s

[well_behaved:b]
interval = 1h
site = beta

[collect_fail]
interval = 1h
message = <b>boom</b> & "quoted"
""" % SECRET


def version_of_binary(tc):
    res = tc.run_exporterd(["-V"])
    m = re.match(r"exporterd (\S+)", res.stdout)
    tc.assertTrue(m, res)
    return m.group(1)


class ServedPageTest(ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.e = cls.start_shared(CONFIG)
        harness.wait_until(lambda: cls.e.get("/-/ready").status == 200, 10, "/-/ready")

    def scrape(self, query="", headers=None):
        return self.e.scrape(query, headers)

    # -- content negotiation --

    def test_no_accept_header_gives_text(self):
        resp, page = self.scrape()
        self.assertEqual(resp.headers.get_all("Content-Type"), [TEXT_CONTENT_TYPE])
        self.assertNotIn(b"# EOF", resp.body)
        self.assertIsNone(resp.headers.get("Content-Encoding"))
        check_well_behaved(self, page, "alpha", 3, ["x", "y"])
        check_well_behaved(self, page, "beta")

    def test_prometheus_accept_header_gives_openmetrics(self):
        resp, page = self.scrape(headers={"Accept": PROMETHEUS_ACCEPT})
        self.assertEqual(resp.headers.get_all("Content-Type"), [OPENMETRICS_CONTENT_TYPE])
        self.assertTrue(resp.body.endswith(b"\n# EOF\n"))
        check_well_behaved(self, page, "alpha", 3, ["x", "y"])
        check_well_behaved(self, page, "beta")

    def test_accept_header_variants(self):
        cases = [
            ("text/plain", "text"),
            ("text/plain;version=0.0.4", "text"),
            ("application/openmetrics-text", "openmetrics"),
            ("application/openmetrics-text; version=1.0.0; charset=utf-8", "openmetrics"),
            ("Application/OpenMetrics-Text;Version=1.0.0", "openmetrics"),
            ("text/plain;q=0.5, application/openmetrics-text", "openmetrics"),
            ("text/html, application/openmetrics-text;q=0.2", "openmetrics"),
            ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,"
             "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", "openmetrics"),
            ("text/plain;version=0.0.4;q=0.9, application/openmetrics-text;version=1.0.0;q=0.5",
             "text"),
            ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.6",
             "text"),
            ("application/openmetrics-text;q=0, text/plain", "text"),
            ("application/openmetrics-text;version=1.0.0;q=0", "text"),
            ("application/json", "text"),
            ("*/*", "text"),
            ("", "text"),
        ]
        for accept, want in cases:
            with self.subTest(accept=accept):
                resp, page = self.scrape(headers={"Accept": accept})
                self.assertEqual(page.format, want)
                want_ct = OPENMETRICS_CONTENT_TYPE if want == "openmetrics" else TEXT_CONTENT_TYPE
                self.assertEqual(resp.content_type, want_ct)

    # -- compression --

    def test_gzip_round_trip(self):
        for accept, fmt in ((None, "text"), (PROMETHEUS_ACCEPT, "openmetrics")):
            with self.subTest(format=fmt):
                base = {"Accept": accept} if accept else {}
                plain, _ = self.scrape(headers=base)
                zipped, page = self.scrape(headers=dict(base, **{"Accept-Encoding": "gzip"}))
                self.assertEqual(zipped.headers.get("Content-Encoding"), "gzip")
                self.assertEqual(zipped.raw[:2], b"\x1f\x8b", "body is not gzip")
                self.assertEqual(zipped.content_type, plain.content_type)
                self.assertIsNone(plain.headers.get("Content-Encoding"))
                self.assertEqual(without_process_metrics(zipped.body),
                                 without_process_metrics(plain.body))
                self.assertEqual(page.format, fmt)
                cl = zipped.headers.get("Content-Length")
                if cl is not None:
                    self.assertEqual(int(cl), len(zipped.raw))

    def test_accept_encoding_variants(self):
        cases = [
            ("gzip", True), ("GZIP", True), ("deflate, gzip", True), ("gzip;q=1.0", True),
            ("br;q=1.0, gzip;q=0.8", True), ("*", True), ("x-gzip, gzip", True),
            ("identity", False), ("gzip;q=0", False), ("deflate, br", False), ("", False),
        ]
        for enc, want in cases:
            with self.subTest(accept_encoding=enc):
                resp, _ = self.scrape(headers={"Accept-Encoding": enc})
                self.assertEqual(resp.headers.get("Content-Encoding") == "gzip", want)
                if not want:
                    self.assertNotEqual(resp.raw[:2], b"\x1f\x8b")
                else:
                    self.assertEqual(gzip.decompress(resp.raw), resp.body)

    # -- filters --

    def sites(self, page):
        return {s.labels["site"] for s in page.samples if "site" in s.labels}

    def test_collect_filter(self):
        _, page = self.scrape("collect[]=well_behaved:a")
        self.assertEqual(self.sites(page), {"alpha"})
        self.assertFalse(page.has("collect_fail_attempts_total"))
        check_well_behaved(self, page, "alpha", 3, ["x", "y"])

        _, page = self.scrape("collect%5B%5D=well_behaved%3Ab")
        self.assertEqual(self.sites(page), {"beta"})

        _, page = self.scrape("collect[]=well_behaved:a&collect[]=well_behaved:b")
        self.assertEqual(self.sites(page), {"alpha", "beta"})
        self.assertFalse(page.has("collect_fail_attempts_total"))

        _, page = self.scrape_om("collect[]=collect_fail")
        self.assertEqual(self.sites(page), set())

        _, page = self.scrape("collect[]=no_such_instance")
        self.assertEqual(self.sites(page), set())

        # Unknown parameters change nothing.
        _, page = self.scrape("foo=bar&collect=x&name=y")
        self.assertEqual(self.sites(page), {"alpha", "beta"})

    def scrape_om(self, query):
        return self.e.scrape_om(query)

    def test_name_filter(self):
        _, page = self.scrape("name[]=well_behaved_value")
        self.assertEqual(page.families, ["well_behaved_value"])
        self.assertEqual(page.value("well_behaved_value", site="beta"),
                         page.value("well_behaved_value", site="alpha") / 3)

        for query in ("name[]=well_behaved_value&name[]=well_behaved_size_bytes",
                      "name%5B%5D=well_behaved_size_bytes&name%5B%5D=well_behaved_value"):
            for get in (self.scrape, self.scrape_om):
                with self.subTest(query=query, get=get.__name__):
                    _, page = get(query)
                    self.assertEqual(set(page.families),
                                     {"well_behaved_value", "well_behaved_size_bytes"})
                    self.assertEqual(len(page.find("well_behaved_size_bytes_bucket")), 8)

        _, page = self.scrape("name[]=exporterd_collector_success")
        self.assertEqual(page.families, ["exporterd_collector_success"])
        self.assertEqual({s.labels["collector"] for s in page.samples},
                         {"well_behaved:a", "well_behaved:b", "collect_fail"})

        _, page = self.scrape("collect[]=well_behaved:b&name[]=well_behaved_value")
        self.assertEqual([s.labels for s in page.samples], [{"site": "beta"}])

        _, page = self.scrape("name[]=no_such_family")
        self.assertEqual(page.samples, [])

    # -- the other endpoints --

    def test_landing_page(self):
        resp = self.e.get("/")
        self.assertEqual(resp.status, 200)
        self.assertRegex(resp.content_type, r"^text/html\b")
        html = resp.text
        self.assertIn(version_of_binary(self), html)
        self.assertRegex(html, r'href="/metrics"')
        for name in ("well_behaved:a", "well_behaved:b", "collect_fail"):
            self.assertIn(name, html)
        # collect_fail's error is shown, HTML-escaped.
        self.assertIn("&lt;b&gt;boom&lt;/b&gt; &amp;", html)
        self.assertNotIn("<b>boom</b>", html)
        self.assertNotIn(SECRET, html)

    def test_secret_never_served(self):
        for path in ("/", "/metrics", "/-/ready", "/-/healthy"):
            self.assertNotIn(SECRET.encode(), self.e.get(path).body, path)
        _, page = self.scrape_om("")
        self.assertNotIn(SECRET.encode(), page.body)
        self.assertNotIn(SECRET, self.e.stderr())

    def test_healthy(self):
        resp = self.e.get("/-/healthy")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body.strip(), b"OK")

    def test_ready_after_first_collects(self):
        self.assertEqual(self.e.get("/-/ready").status, 200)

    def test_unknown_paths_are_404(self):
        for path in ("/nope", "/metricsx", "/metrics/", "/-/unknown", "/-/healthy/x",
                     "/" + "a" * 3000):
            with self.subTest(path=path[:40]):
                self.assertEqual(self.e.get(path).status, 404)

    def test_other_methods_are_405_with_allow(self):
        for method, path in (("POST", "/metrics"), ("PUT", "/"), ("DELETE", "/-/healthy"),
                             ("PATCH", "/-/ready"), ("OPTIONS", "/metrics")):
            with self.subTest(method=method, path=path):
                resp = self.e.request(method, path, body=b"x" if method != "OPTIONS" else None)
                self.assertEqual(resp.status, 405)
                allow = {m.strip() for m in resp.headers.get("Allow", "").split(",")}
                self.assertTrue({"GET", "HEAD"} <= allow, resp.headers.get("Allow"))
                self.assertNotIn(method, allow)

    def test_head(self):
        for accept, ct in ((None, TEXT_CONTENT_TYPE),
                           (PROMETHEUS_ACCEPT, OPENMETRICS_CONTENT_TYPE)):
            with self.subTest(accept=accept):
                resp = self.e.request("HEAD", "/metrics", {"Accept": accept} if accept else {})
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.content_type, ct)
                self.assertEqual(resp.raw, b"")
        resp = self.e.request("HEAD", "/")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.raw, b"")

    # -- what the page says --

    def test_label_and_help_escaping(self):
        _, text = self.scrape()
        _, om = self.scrape_om("")
        for page in (text, om):
            with self.subTest(format=page.format):
                lines = page.body.split(b"\n")
                self.assertIn(b"# HELP well_behaved_label Label values that need escaping: "
                              b"\\\\ backslash and\\nnewline in help.", lines)
                self.assertEqual(page.helps["well_behaved_label"],
                                 "Label values that need escaping: \\ backslash and\n"
                                 "newline in help.")
        # A quote in HELP is escaped in OpenMetrics only (promtool rejects \" in text HELP).
        self.assertIn(b'# HELP well_behaved_build_info Version of the plugin ("1.2.3").',
                      text.body.split(b"\n"))
        self.assertIn(b'# HELP well_behaved_build Version of the plugin (\\"1.2.3\\").',
                      om.body.split(b"\n"))

    def test_host_metrics(self):
        for get in (self.scrape, self.scrape_om):
            _, page = get("")
            with self.subTest(format=page.format):
                self.check_host_metrics(page)

    def check_host_metrics(self, page):
        om = page.format == "openmetrics"
        build = page.find("exporterd_build_info")
        self.assertEqual(len(build), 1)
        self.assertEqual(set(build[0].labels), {"version", "revision", "abi"})
        self.assertEqual(build[0].labels["version"], version_of_binary(self))
        self.assertEqual(build[0].value, 1)
        now = time.time()
        for name, want in (("well_behaved:a", 1), ("well_behaved:b", 1), ("collect_fail", 0)):
            c = {"collector": name}
            self.assertEqual(page.value("exporterd_collector_success", c), want, name)
            d = page.value("exporterd_collector_duration_seconds", c)
            self.assertTrue(0 <= d < 5, d)
            if want:
                t = page.value("exporterd_collector_last_success_timestamp_seconds", c)
                self.assertTrue(now - 120 < t <= now + 1, t)
        self.assertEqual(page.types["exporterd_collector_success"], "gauge")
        self.assertEqual(page.value("exporterd_config_last_reload_successful"), 1)
        t = page.value("exporterd_config_last_reload_success_timestamp_seconds")
        self.assertTrue(now - 120 < t <= now + 1, t)

        pid = self.e.proc.pid
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as f:
            btime = int(next(l for l in f if l.startswith("btime")).split()[1])
        ticks = os.sysconf("SC_CLK_TCK")
        start = btime + int(fields[19]) / ticks  # field 22 of the whole line
        self.assertAlmostEqual(page.value("process_start_time_seconds"), start, delta=0.02)
        with open("/proc/%d/limits" % pid) as f:
            soft = next(l for l in f if l.startswith("Max open files")).split()[3]
        self.assertEqual(page.value("process_max_fds"), int(soft))
        open_fds = page.value("process_open_fds")
        self.assertTrue(3 <= open_fds <= len(os.listdir("/proc/%d/fd" % pid)) + 8, open_fds)
        rss = page.value("process_resident_memory_bytes")
        self.assertGreater(rss, 100 * 1024)
        self.assertGreaterEqual(page.value("process_virtual_memory_bytes"), rss)
        cpu = page.value("process_cpu_seconds_total")
        self.assertTrue(0 <= cpu < 600, cpu)
        self.assertEqual(page.types["process_cpu_seconds" if om else "process_cpu_seconds_total"],
                         "counter")


class ReadinessTest(ExporterdTestCase):
    def test_ready_only_after_the_first_collect(self):
        e = self.start("[slow]\ninterval = 30s\ntimeout = 10s\ndelay = 2s\n")
        self.assertEqual(e.get("/-/ready").status, 503)
        self.assertEqual(e.get("/-/healthy").status, 200)
        ready_at = harness.wait_until(lambda: e.get("/-/ready").status == 200 and time.monotonic(),
                                      10, "/-/ready turning 200", interval=0.05)
        self.assertGreaterEqual(ready_at - e.started_at, 1.9)
        _, page = e.scrape()
        self.assertEqual(page.value("slow_collects_total"), 1)
        self.assertEqual(page.value("slow_delay_seconds"), 2)

    def test_scrapes_answer_while_not_ready(self):
        e = self.start("[slow]\ninterval = 30s\ntimeout = 10s\ndelay = 2s\n")
        resp, page = e.scrape(headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"})
        self.assertLess(resp.elapsed, 1.0)
        self.assertFalse(page.has("slow_collects_total"))
        self.assertTrue(page.has("exporterd_build_info"))

    def test_concurrent_clients(self):
        e = self.start("[well_behaved]\ninterval = 1h\n")
        errors = []

        def worker():
            try:
                for _ in range(10):
                    resp = e.get("/metrics", {"Accept-Encoding": "gzip"})
                    if resp.status != 200 or b"well_behaved_collects_total" not in resp.body:
                        errors.append(resp)
            except Exception as ex:  # reported below
                errors.append(ex)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])


class SettingsTest(ExporterdTestCase):
    def test_metrics_path_and_listen_flag(self):
        e = self.start("[well_behaved]\ninterval = 1h\n", exporter={"metrics_path": "/custom"},
                       listen_flag=True)
        _, page = e.scrape(path="/custom")
        check_well_behaved(self, page)
        self.assertEqual(e.get("/metrics").status, 404)
        self.assertRegex(e.get("/").text, r'href="/custom"')
        self.assertEqual(e.request("HEAD", "/custom").status, 200)
        # -l replaced the file's listen address.
        with self.assertRaises(ConnectionRefusedError):
            harness.http_request(e.ini_port, "GET", "/-/healthy", timeout=2)

    def test_disabled_instance_is_absent(self):
        e = self.start("[well_behaved]\ninterval = 1h\n\n[collect_fail]\nenabled = false\n")
        harness.wait_until(lambda: e.get("/-/ready").status == 200, 10, "ready")
        _, page = e.scrape()
        self.assertEqual({s.labels["collector"] for s in page.find("exporterd_collector_success")},
                         {"well_behaved"})
        self.assertFalse(page.has("collect_fail_attempts_total"))


class AbusiveClientTest(ExporterdTestCase):
    def test_huge_header_is_refused_and_serving_goes_on(self):
        e = self.start("[well_behaved]\ninterval = 1h\n")
        try:
            resp = e.get("/metrics", {"X-Big": "a" * 200000})
            self.assertTrue(400 <= resp.status < 500, resp)
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused before the whole header was sent
        resp, page = e.scrape()
        check_well_behaved(self, page)

    def test_idle_connections_do_not_block_scrapes(self):
        e = self.start("[well_behaved]\ninterval = 1h\n")
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(64):
            s = socket.create_connection(("127.0.0.1", e.port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            socks.append(s)
        resp, page = e.scrape(timeout=5)
        self.assertLess(resp.elapsed, 1.0)
        check_well_behaved(self, page)


if __name__ == "__main__":
    harness.main()
