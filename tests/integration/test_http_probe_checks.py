"""http_probe: status codes and ranges, redirects, body regexes, size limits, methods, headers and
bodies, against a loopback HTTP server, through the binary."""
import unittest
import urllib.parse

import harness
from probe_support import (EXPORTER, PHASES, Upstream, require_plugin, section, series, start,
                           wait_ready)

SECRET = "s3cr3tT0ken"


def body(text):
    return "/body?text=" + urllib.parse.quote(text)


def config(up):
    u = up.url
    return "\n".join([
        section("http_probe", [
            "ok:" + u("/status/200"),
            "s503:" + u("/status/503"),
            "redirect3:" + u("/redirect/3?three"),
            "redirect11:" + u("/redirect/11?eleven"),
            "chunked:" + u("/chunked/2500"),
            "large:" + u("/large/5000"),
            u("/status/201"),  # no label: the URL is the label
        ], interval="1h"),
        section("http_probe:codes", [
            "c200:" + u("/status/200"), "c203:" + u("/status/203"), "c205:" + u("/status/205"),
            "c404:" + u("/status/404"), "c501:" + u("/status/501"), "c503:" + u("/status/503"),
        ], interval="1h", valid_status_codes="200-204, 404 500-502"),
        section("http_probe:noredirect", ["r1:" + u("/redirect/1?r1")], interval="1h",
                follow_redirects=False),
        section("http_probe:noredirect_ok", ["r1ok:" + u("/redirect/1?r1ok")], interval="1h",
                follow_redirects=False, valid_status_codes="302"),
        section("http_probe:regex", [
            "good:" + u(body('{"status": "up"}')),
            "matches:" + u(body('{"status": "up", "log": "FATAL crash"}')),
            "missing:" + u(body('{"status": "down"}')),
            "status_first:" + u("/status/500"),
        ], interval="1h", fail_if_body_matches_regexp=["ERROR", "FATAL"],
            fail_if_body_not_matches_regexp='"status": *"(up|ok)"'),
        section("http_probe:size", [
            "exact:" + u("/large/1000"), "over:" + u("/large/1001"),
            "chunked_over:" + u("/chunked/5000"),
        ], interval="1h", max_body_bytes=1000),
        section("http_probe:head", ["head:" + u("/large/5000")], interval="1h", method="HEAD"),
        section("http_probe:post", [
            "echo:" + u("/echo?first"),
            "see_other:" + u("/goto?code=303&url=/echo?after303"),
            "temporary:" + u("/goto?code=307&url=/echo?after307"),
        ], interval="1h", method="POST", body="hello=1",
            header=["X-Probe-Token: " + SECRET, "X-Empty:"]),
        section("http_probe:put", ["put:" + u("/echo?put")], interval="1h", method="PUT"),
        section("http_probe:need_tls", ["plain:" + u("/status/200")], interval="1h",
                fail_if_not_ssl=True),
    ])


class ChecksTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = start(cls, Upstream())
        cls.e = cls.start_shared(config(cls.up), exporter=EXPORTER)
        wait_ready(cls.e)
        _, cls.text = cls.e.scrape()  # promtool check metrics runs in scrape()
        _, cls.om = cls.e.scrape_om()

    def s(self, target, page=None):
        got = series(page or self.text, target)
        self.assertTrue(got, "no series for target %s" % target)
        return got

    def assertFailed(self, target, reason, status):
        s = self.s(target)
        self.assertEqual(s["probe_success"], 0, target)
        self.assertEqual(s.get("reason"), reason, target)
        self.assertEqual(s["probe_http_status_code"], status, target)
        self.assertEqual(s["probe_check_failures_total"], 1, target)
        self.assertEqual(s["probe_checks_total"], 1, target)

    def assertOk(self, target, status=200):
        s = self.s(target)
        self.assertEqual(s["probe_success"], 1, (target, s))
        self.assertNotIn("reason", s, target)
        self.assertEqual(s["probe_http_status_code"], status, target)
        self.assertEqual(s["probe_check_failures_total"], 0, target)
        self.assertEqual(s["probe_checks_total"], 1, target)
        return s

    def test_success_carries_every_blackbox_series(self):
        s = self.assertOk("ok")
        self.assertEqual(s["probe_http_content_length"], 10)  # "status 200"
        self.assertEqual(s["probe_http_uncompressed_body_length"], 10)
        self.assertEqual(s["probe_http_redirects"], 0)
        self.assertEqual(s["probe_http_ssl"], 0)
        self.assertEqual(s["probe_http_version"], 1.1)
        self.assertEqual(s["probe_failed_due_to_regex"], 0)
        self.assertEqual(s["probe_ip_protocol"], 4)
        self.assertGreater(s["probe_duration_seconds"], 0)
        self.assertLess(s["probe_duration_seconds"], 2)
        self.assertGreaterEqual(s["probe_dns_lookup_time_seconds"], 0)
        for phase in PHASES:
            self.assertGreaterEqual(s[("probe_http_duration_seconds", phase)], 0, phase)
        self.assertEqual(s[("probe_http_duration_seconds", "tls")], 0)
        self.assertGreater(s[("probe_http_duration_seconds", "processing")], 0)
        total = sum(s[("probe_http_duration_seconds", p)] for p in PHASES)
        self.assertLessEqual(total, s["probe_duration_seconds"] + 1e-3)
        self.assertNotIn("probe_ssl_earliest_cert_expiry", s)
        self.assertNotIn("tls_version", s)

    def test_url_is_the_label_when_none_is_given(self):
        self.assertOk(self.up.url("/status/201"), status=201)

    def test_types_and_help_in_both_formats(self):
        gauges = ["probe_success", "probe_duration_seconds", "probe_http_status_code",
                  "probe_http_duration_seconds", "probe_http_content_length",
                  "probe_http_uncompressed_body_length", "probe_http_redirects",
                  "probe_http_ssl", "probe_http_version", "probe_failed_due_to_regex",
                  "probe_ssl_earliest_cert_expiry", "probe_ip_protocol",
                  "probe_dns_lookup_time_seconds"]
        for fam in gauges:
            self.assertEqual(self.text.types.get(fam), "gauge", fam)
            self.assertEqual(self.om.types.get(fam), "gauge", fam)
            self.assertTrue(self.text.helps.get(fam), fam)
        for fam in ("probe_failure", "probe_tls_version"):
            self.assertEqual(self.text.types.get(fam + "_info"), "gauge", fam)
            self.assertEqual(self.om.types.get(fam), "info", fam)
        for fam in ("probe_checks", "probe_check_failures"):
            self.assertEqual(self.text.types.get(fam + "_total"), "counter", fam)
            self.assertEqual(self.om.types.get(fam), "counter", fam)
        self.assertEqual(self.om.value("probe_success", target="s503"), 0)
        self.assertEqual(self.om.value("probe_failure_info", target="s503", reason="status_code"),
                         1)

    def test_every_target_has_every_phase(self):
        targets = {s.labels["target"] for s in self.text.find("probe_success")}
        self.assertEqual(len(targets), 28)
        for t in targets:
            phases = {s.labels["phase"] for s in
                      self.text.find("probe_http_duration_seconds", target=t)}
            self.assertEqual(phases, set(PHASES), t)

    def test_default_valid_status_codes_are_2xx(self):
        self.assertFailed("s503", "status_code", 503)
        self.assertEqual(self.s("s503")["probe_failed_due_to_regex"], 0)

    def test_valid_status_code_ranges(self):
        for t, status in (("c200", 200), ("c203", 203), ("c404", 404), ("c501", 501)):
            self.assertOk(t, status)
        self.assertFailed("c205", "status_code", 205)
        self.assertFailed("c503", "status_code", 503)

    def test_redirects_are_followed_and_counted(self):
        s = self.assertOk("redirect3")
        self.assertEqual(s["probe_http_redirects"], 3)
        self.assertEqual(s["probe_http_uncompressed_body_length"], len(b"arrived"))
        for n in (3, 2, 1, 0):
            self.assertEqual(len(self.up.requests("/redirect/%d?three" % n)), 1, n)

    def test_too_many_redirects_fail_as_http(self):
        self.assertFailed("redirect11", "http", 302)
        self.assertEqual(self.s("redirect11")["probe_http_redirects"], 10)
        # The 11th redirect was never followed.
        self.assertEqual(len(self.up.requests("/redirect/1?eleven")), 1)
        self.assertEqual(self.up.requests("/redirect/0?eleven"), [])

    def test_redirects_not_followed(self):
        self.assertFailed("r1", "status_code", 302)
        self.assertEqual(self.s("r1")["probe_http_redirects"], 0)
        s = self.assertOk("r1ok", 302)
        self.assertEqual(s["probe_http_redirects"], 0)

    def test_content_length_unknown_for_chunked_body(self):
        s = self.assertOk("chunked")
        self.assertEqual(s["probe_http_content_length"], -1)
        self.assertEqual(s["probe_http_uncompressed_body_length"], 2500)

    def test_body_regexes(self):
        s = self.assertOk("good")
        self.assertEqual(s["probe_failed_due_to_regex"], 0)
        for t in ("matches", "missing"):
            self.assertFailed(t, "body_regex", 200)
            self.assertEqual(self.s(t)["probe_failed_due_to_regex"], 1, t)
        # The status is checked first, as blackbox does.
        self.assertFailed("status_first", "status_code", 500)
        self.assertEqual(self.s("status_first")["probe_failed_due_to_regex"], 0)

    def test_max_body_bytes(self):
        s = self.assertOk("exact")
        self.assertEqual(s["probe_http_uncompressed_body_length"], 1000)
        self.assertFailed("over", "too_large", 200)
        self.assertEqual(self.s("over")["probe_http_content_length"], 1001)
        self.assertFailed("chunked_over", "too_large", 200)
        self.assertLessEqual(self.s("chunked_over")["probe_http_uncompressed_body_length"], 1000)
        s = self.assertOk("large")  # the default limit is 1 MiB
        self.assertEqual(s["probe_http_uncompressed_body_length"], 5000)

    def test_head(self):
        s = self.assertOk("head")
        self.assertEqual(s["probe_http_content_length"], 5000)
        self.assertEqual(s["probe_http_uncompressed_body_length"], 0)
        self.assertEqual([r["method"] for r in self.up.requests("/large/5000")].count("HEAD"), 1)

    def test_method_headers_and_body(self):
        self.assertOk("echo")
        [r] = self.up.requests("/echo?first")
        self.assertEqual(r["method"], "POST")
        self.assertEqual(r["body"], b"hello=1")
        self.assertEqual(r["headers"].get("X-Probe-Token"), SECRET)
        self.assertEqual(r["headers"].get("X-Empty"), "")
        [r] = self.up.requests("/echo?put")
        self.assertEqual(r["method"], "PUT")
        self.assertEqual(r["body"], b"")

    def test_redirect_methods(self):
        # 303 turns the POST into a GET without a body; 307 repeats the POST.
        s = self.assertOk("see_other")
        self.assertEqual(s["probe_http_redirects"], 1)
        [r] = self.up.requests("/echo?after303")
        self.assertEqual((r["method"], r["body"]), ("GET", b""))
        self.assertOk("temporary")
        [r] = self.up.requests("/echo?after307")
        self.assertEqual((r["method"], r["body"]), ("POST", b"hello=1"))

    def test_fail_if_not_ssl(self):
        self.assertFailed("plain", "ssl_policy", 200)
        self.assertEqual(self.s("plain")["probe_http_ssl"], 0)

    def test_failures_logged_once_and_secrets_never_shown(self):
        log = self.e.stderr()
        self.assertIn("target s503: probe failed (status_code)", log)
        self.assertIn("target over: probe failed (too_large)", log)
        self.assertEqual(log.count("target s503:"), 1)
        self.assertNotIn(SECRET, log)
        self.assertNotIn(SECRET, self.text.body.decode())
        self.assertNotIn(SECRET, self.e.get("/").text)
        self.assertLogfmt(log)


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
