"""http_probe over HTTPS: certificates made by the test with openssl, probe_ssl_earliest_cert_expiry
to the second, TLS versions, ca_file, tls_insecure_skip_verify, fail_if_ssl, redirects across
schemes."""
import ssl
import unittest

import harness
from probe_support import (EXPORTER, Certificates, Upstream, require_plugin, section, series,
                           start, wait_ready)


class TlsTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        # The CA expires first in one chain, the server's certificate in the other.
        cls.ca_first = start(cls, Certificates(ca_days=30, leaf_days=400))
        cls.leaf_first = start(cls, Certificates(ca_days=400, leaf_days=10))
        cls.https = start(cls, Upstream(cls.ca_first.chain, cls.ca_first.key))
        cls.https12 = start(cls, Upstream(cls.leaf_first.chain, cls.leaf_first.key,
                                          tls_max=ssl.TLSVersion.TLSv1_2))
        cls.http = start(cls, Upstream())
        # Trust both test CAs.
        bundle = cls.ca_first.dir + "/both.pem"
        with open(bundle, "w") as out:
            for c in (cls.ca_first.ca, cls.leaf_first.ca):
                with open(c) as f:
                    out.write(f.read())
        https, https12, http = cls.https.url, cls.https12.url, cls.http.url
        body = "\n".join([
            section("http_probe", [
                "ok:" + https("/status/200"),
                "tls12:" + https12("/status/200"),
                "to_https:" + http("/goto?url=" + https("/status/200?redirected")),
                "to_http:" + https("/goto?url=" + http("/status/200?downgraded")),
                "https_404:" + https("/status/404"),
            ], interval="1h", ca_file=bundle),
            section("http_probe:system_cas", ["untrusted:" + https("/status/200")],
                    interval="1h"),
            section("http_probe:insecure", ["insecure:" + https("/status/200")], interval="1h",
                    tls_insecure_skip_verify=True),
            section("http_probe:no_tls_wanted", ["has_tls:" + https("/status/200"),
                                                 "no_tls:" + http("/status/200")],
                    interval="1h", ca_file=bundle, fail_if_ssl=True),
            section("http_probe:tls_wanted", ["tls_ok:" + https("/status/200"),
                                              "tls_missing:" + http("/status/200")],
                    interval="1h", ca_file=bundle, fail_if_not_ssl=True),
        ])
        cls.e = cls.start_shared(body, exporter=EXPORTER)
        wait_ready(cls.e)
        _, cls.text = cls.e.scrape()  # promtool check metrics runs in scrape()
        _, cls.om = cls.e.scrape_om()

    def s(self, target):
        got = series(self.text, target)
        self.assertTrue(got, target)
        return got

    def test_https_success(self):
        s = self.s("ok")
        self.assertEqual(s["probe_success"], 1, s)
        self.assertEqual(s["probe_http_ssl"], 1)
        self.assertEqual(s["tls_version"], "TLS 1.3")
        self.assertGreater(s[("probe_http_duration_seconds", "tls")], 0)
        self.assertGreater(s[("probe_http_duration_seconds", "connect")], 0)

    def test_earliest_expiry_of_the_chain_to_the_second(self):
        self.assertLess(self.ca_first.ca_expiry, self.ca_first.leaf_expiry)
        self.assertEqual(self.s("ok")["probe_ssl_earliest_cert_expiry"],
                         self.ca_first.ca_expiry)
        self.assertLess(self.leaf_first.leaf_expiry, self.leaf_first.ca_expiry)
        self.assertEqual(self.s("tls12")["probe_ssl_earliest_cert_expiry"],
                         self.leaf_first.leaf_expiry)
        self.assertEqual(self.om.value("probe_ssl_earliest_cert_expiry", target="ok"),
                         self.ca_first.ca_expiry)
        # Seconds are whole; the page must carry them exactly.
        [sample] = self.text.find("probe_ssl_earliest_cert_expiry", target="ok")
        self.assertEqual(sample.value_text, "%d" % self.ca_first.ca_expiry)

    def test_tls_version(self):
        self.assertEqual(self.s("tls12")["tls_version"], "TLS 1.2")
        [info] = self.om.find("probe_tls_version_info", target="tls12")
        self.assertEqual(info.labels, {"target": "tls12", "version": "TLS 1.2"})

    def test_redirect_from_http_to_https(self):
        s = self.s("to_https")
        self.assertEqual(s["probe_success"], 1)
        self.assertEqual(s["probe_http_redirects"], 1)
        self.assertEqual(s["probe_http_ssl"], 1)
        self.assertEqual(s["probe_ssl_earliest_cert_expiry"], self.ca_first.ca_expiry)
        self.assertEqual(len(self.https.requests("/status/200?redirected")), 1)

    def test_redirect_from_https_to_http(self):
        s = self.s("to_http")
        self.assertEqual(s["probe_success"], 1)
        self.assertEqual(s["probe_http_redirects"], 1)
        self.assertEqual(s["probe_http_ssl"], 0)
        self.assertNotIn("probe_ssl_earliest_cert_expiry", s)
        self.assertNotIn("tls_version", s)

    def test_https_with_a_bad_status_still_reports_the_certificate(self):
        s = self.s("https_404")
        self.assertEqual(s["reason"], "status_code")
        self.assertEqual(s["probe_ssl_earliest_cert_expiry"], self.ca_first.ca_expiry)

    def test_unknown_ca_fails_as_tls(self):
        s = self.s("untrusted")
        self.assertEqual(s["probe_success"], 0)
        self.assertEqual(s["reason"], "tls")
        self.assertEqual(s["probe_http_status_code"], 0)
        self.assertEqual(s["probe_http_ssl"], 0)
        self.assertNotIn("probe_ssl_earliest_cert_expiry", s)
        self.assertEqual(s[("probe_http_duration_seconds", "processing")], 0)

    def test_insecure_skip_verify(self):
        s = self.s("insecure")
        self.assertEqual(s["probe_success"], 1)
        self.assertEqual(s["probe_ssl_earliest_cert_expiry"], self.ca_first.ca_expiry)

    def test_ssl_policies(self):
        self.assertEqual(self.s("has_tls")["reason"], "ssl_policy")
        self.assertEqual(self.s("has_tls")["probe_http_ssl"], 1)
        self.assertEqual(self.s("no_tls")["probe_success"], 1)
        self.assertEqual(self.s("tls_ok")["probe_success"], 1)
        self.assertEqual(self.s("tls_missing")["reason"], "ssl_policy")


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
