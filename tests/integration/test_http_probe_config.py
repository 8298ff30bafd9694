"""http_probe options: every bad value is a startup error naming the section and the option,
secrets are never quoted, a good section passes --check; the target label is unique per series."""
import unittest

import harness
from probe_support import EXPORTER, PLUGIN_DIR, Upstream, require_plugin, section, start

SECRET = "s3cr3tV4lue"


class ConfigTest(harness.ExporterdTestCase):
    def check(self, body):
        path = self.write_ini(body, exporter=EXPORTER)
        return self.run_exporterd(["-c", path, "--check"])

    def assertRefused(self, options, message, targets=("ok:http://127.0.0.1/",)):
        res = self.check(section("http_probe", targets, **options))
        self.assertEqual(res.code, 1, res)
        self.assertIn("exporter.ini:", res.stderr)
        self.assertIn("[http_probe] plugin init failed: " + message, res.stderr, options)
        self.assertNotIn(SECRET, res.stderr + res.stdout)
        return res

    def test_good_section(self):
        res = self.check(section("http_probe", ["a:http://127.0.0.1/", "https://127.0.0.1/x"],
                                 method="POST", body=SECRET, header="Authorization: " + SECRET,
                                 valid_status_codes="200-299,301, 302",
                                 fail_if_body_matches_regexp=["a+", "(b|c)"],
                                 ip_protocol="ip6", probe_timeout="2s", max_concurrency=4096)
                         + section("http_probe:modules_only"))
        self.assertEqual(res.code, 0, res)
        self.assertIn("http_probe ok plugin=http_probe interval=15s", res.stdout)
        self.assertIn("http_probe:modules_only ok plugin=http_probe", res.stdout)
        self.assertNotIn(SECRET, res.stderr + res.stdout)

    def test_bad_values(self):
        cases = [
            ({"valid_status_codes": "2xx"}, "valid_status_codes: '2xx' is not a status code"),
            ({"valid_status_codes": "300-200"}, "valid_status_codes: range 300-200 runs backwards"),
            ({"valid_status_codes": ","}, "valid_status_codes is empty"),
            ({"fail_if_body_matches_regexp": ["ok", "("]}, "fail_if_body_matches_regexp #2: "),
            ({"fail_if_body_not_matches_regexp": "a{2,1}"},
             "fail_if_body_not_matches_regexp #1: "),
            ({"fail_if_ssl": True, "fail_if_not_ssl": True},
             "fail_if_ssl and fail_if_not_ssl together fail every probe"),
            ({"ip_protocol": "ipx"}, "ip_protocol must be auto, ip4 or ip6, not 'ipx'"),
            ({"method": "GET /"}, "method must be an HTTP method"),
            ({"max_concurrency": 0}, "max_concurrency must be from 1 to 4096"),
            ({"max_concurrency": 4097}, "max_concurrency must be from 1 to 4096"),
            ({"max_body_bytes": 0}, "max_body_bytes must be from 1 to"),
            ({"probe_timeout": "0s"}, "probe_timeout must be more than 0"),
            ({"header": "Bad Name: " + SECRET}, "header #1: expected 'Name: value'"),
            ({"header": ["A: b", SECRET]}, "header #2: expected 'Name: value'"),
        ]
        for options, message in cases:
            with self.subTest(options=options):
                self.assertRefused(options, message)

    def test_bad_targets(self):
        cases = [
            (["example.com"], "target #1: expected an http:// or https:// URL, or label:URL"),
            (["x:ftp://example.com/"], "target x: the URL must start with http:// or https://"),
            ([":http://example.com/"], "target #1: the label before ':' is empty"),
            (["x:http://exa mple.com/"], "target x: not a valid URL"),
            (["a:http://127.0.0.1/1", "a:http://127.0.0.1/2"], "target label 'a' is used twice"),
            (["http://127.0.0.1/", "http://127.0.0.1/"],
             "target label 'http://127.0.0.1/' is used twice"),
        ]
        for targets, message in cases:
            with self.subTest(targets=targets):
                self.assertRefused({}, message, targets)

    def test_timeout_is_the_hosts(self):
        # `timeout` bounds the whole cycle (a host key); probe_timeout bounds one probe.
        res = self.check(section("http_probe", ["http://127.0.0.1/"], timeout="3s",
                                 probe_timeout="1s"))
        self.assertEqual(res.code, 0, res)
        self.assertIn("timeout=3s", res.stdout)

    def test_same_target_label_in_two_instances(self):
        # Series are keyed by target: a second instance with the same label is refused at
        # publish time, by name, and the first keeps serving.
        up = start(self, Upstream())
        body = (section("http_probe", ["a:" + up.url("/status/200?1")], interval="1h") +
                section("http_probe:two", ["a:" + up.url("/status/200?2")], interval="1h"))
        e = self.start(body, exporter={"plugin_dir": PLUGIN_DIR})
        harness.wait_until(lambda: "is also published by instance" in e.stderr(), 10,
                           "the clash to be reported")
        _, page = e.scrape()
        ok = [page.value("exporterd_collector_success", collector=c)
              for c in ("http_probe", "http_probe:two")]
        self.assertEqual(sorted(ok), [0, 1])
        self.assertEqual(len(page.find("probe_success", target="a")), 1)


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
