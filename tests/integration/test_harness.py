"""The page checkers the integration tests rely on accept valid pages and reject broken ones."""
import unittest

import harness
from harness import PageError, check_openmetrics, check_page, parse_text

GOOD_OM = (
    b"# TYPE req counter\n"
    b"# HELP req Requests \\\"served\\\" \\\\ so far.\n"
    b"req_total{method=\"GET\"} 3\n"
    b"req_total{method=\"POST\"} 1\n"
    b"# TYPE g gauge\n"
    b"g{path=\"C:\\\\DIR\",q=\"a\\\"b\",nl=\"x\\ny\",tab=\"a\tb\"} 4.2\n"
    b"# TYPE lat_seconds summary\n"
    b"# UNIT lat_seconds seconds\n"
    b"lat_seconds{quantile=\"0.5\"} 0.1\n"
    b"lat_seconds_count 1\n"
    b"lat_seconds_sum 4.7\n"
    b"# TYPE rt_seconds histogram\n"
    b"rt_seconds_bucket{le=\"0.5\"} 0\n"
    b"rt_seconds_bucket{le=\"1.0\"} 1\n"
    b"rt_seconds_bucket{le=\"+Inf\"} 1\n"
    b"rt_seconds_count 1\n"
    b"rt_seconds_sum 0.7\n"
    b"# TYPE build info\n"
    b"build_info{rev=\"abc\",version=\"1.2\"} 1\n"
    b"# TYPE state stateset\n"
    b"state{state=\"a\"} 0\n"
    b"state{state=\"b\"} 1\n"
    b"untyped_thing NaN\n"
    b"# EOF\n")

GOOD_TEXT = (
    b"# HELP req_total Requests \"served\" \\\\ so far.\n"
    b"# TYPE req_total counter\n"
    b"req_total{method=\"GET\"} 3.0\n"
    b"# HELP g A gauge.\n"
    b"# TYPE g gauge\n"
    b"g{path=\"C:\\\\DIR\"} 4.2\n"
    b"# HELP rt_seconds A histogram.\n"
    b"# TYPE rt_seconds histogram\n"
    b"rt_seconds_bucket{le=\"1.0\"} 1.0\n"
    b"rt_seconds_bucket{le=\"+Inf\"} 1.0\n"
    b"rt_seconds_count 1.0\n"
    b"rt_seconds_sum 0.7\n")


def om_replace(old, new):
    assert old in GOOD_OM, old
    return GOOD_OM.replace(old, new, 1)


class OpenMetricsCheckerTest(unittest.TestCase):
    def test_accepts_a_valid_page(self):
        page = check_openmetrics(GOOD_OM)
        self.assertEqual(page.value("req_total", method="GET"), 3)
        self.assertEqual(page.find("g")[0].labels,
                         {"path": "C:\\DIR", "q": 'a"b', "nl": "x\ny", "tab": "a\tb"})
        self.assertEqual(page.types["build"], "info")
        self.assertEqual(page.helps["req"], 'Requests "served" \\ so far.')
        self.assertEqual(page.families[-1], "untyped_thing")

    def test_accepts_an_empty_page(self):
        self.assertEqual(check_openmetrics(b"# EOF\n").samples, [])

    def assertRejected(self, body):
        with self.assertRaises(PageError):
            check_openmetrics(body)

    def test_rejects_missing_eof(self):
        self.assertRejected(GOOD_OM[:-len(b"# EOF\n")])

    def test_rejects_data_after_eof(self):
        self.assertRejected(GOOD_OM + b"g 1\n")

    def test_rejects_crlf(self):
        self.assertRejected(GOOD_OM.replace(b"\n", b"\r\n"))

    def test_rejects_invalid_utf8(self):
        self.assertRejected(om_replace(b"a\tb", b"a\xffb"))

    def test_rejects_interleaved_family(self):
        self.assertRejected(om_replace(b"untyped_thing NaN\n",
                                       b"untyped_thing NaN\nreq_total{method=\"PUT\"} 1\n"))

    def test_rejects_repeated_type(self):
        self.assertRejected(om_replace(b"# TYPE g gauge\n", b"# TYPE g gauge\n# TYPE g gauge\n"))

    def test_rejects_metadata_out_of_order(self):
        self.assertRejected(om_replace(b"# TYPE lat_seconds summary\n# UNIT lat_seconds seconds\n",
                                       b"# UNIT lat_seconds seconds\n# TYPE lat_seconds summary\n"))

    def test_rejects_metadata_after_samples(self):
        self.assertRejected(om_replace(b"state{state=\"b\"} 1\n",
                                       b"state{state=\"b\"} 1\n# HELP state late\n"))

    def test_rejects_tab_escape(self):
        self.assertRejected(om_replace(b"a\tb", b"a\\tb"))

    def test_rejects_raw_quote_in_help(self):
        self.assertRejected(om_replace(b"\\\"served\\\"", b"\"served\""))

    def test_rejects_counter_family_named_total(self):
        self.assertRejected(om_replace(b"# TYPE req counter\n# HELP req",
                                       b"# TYPE req_total counter\n# HELP req_total"))

    def test_rejects_counter_sample_without_total(self):
        self.assertRejected(om_replace(b"req_total{method=\"POST\"}", b"req{method=\"POST\"}"))

    def test_rejects_bad_info_value(self):
        self.assertRejected(om_replace(b"version=\"1.2\"} 1", b"version=\"1.2\"} 2"))

    def test_rejects_whitespace_errors(self):
        self.assertRejected(om_replace(b"lat_seconds_count 1\n", b"lat_seconds_count 1 \n"))
        self.assertRejected(om_replace(b"lat_seconds_count 1\n", b"lat_seconds_count  1\n"))
        self.assertRejected(om_replace(b"# TYPE g gauge", b"#  TYPE g gauge"))

    def test_rejects_timestamps(self):
        self.assertRejected(om_replace(b"lat_seconds_count 1\n",
                                       b"lat_seconds_count 1 1700000000\n"))

    def test_rejects_broken_histogram(self):
        self.assertRejected(om_replace(b"rt_seconds_count 1\n", b"rt_seconds_count 2\n"))
        self.assertRejected(om_replace(b"{le=\"1.0\"} 1\n", b"{le=\"0.1\"} 1\n"))
        self.assertRejected(om_replace(b"rt_seconds_bucket{le=\"+Inf\"} 1\n", b""))

    def test_rejects_unit_that_is_no_suffix(self):
        self.assertRejected(om_replace(b"# UNIT lat_seconds seconds", b"# UNIT lat_seconds bytes"))

    def test_rejects_duplicate_series_and_labels(self):
        self.assertRejected(om_replace(b"req_total{method=\"POST\"}", b"req_total{method=\"GET\"}"))
        self.assertRejected(om_replace(b"{state=\"a\"}", b"{state=\"a\",state=\"b\"}"))

    def test_rejects_name_clash(self):
        self.assertRejected(om_replace(b"untyped_thing NaN\n", b"# TYPE req_created gauge\n"
                                       b"req_created 1\n"))

    def test_rejects_trailing_comma_and_comments(self):
        self.assertRejected(om_replace(b"{state=\"a\"}", b"{state=\"a\",}"))
        self.assertRejected(om_replace(b"untyped_thing NaN\n", b"# just a comment\n"))


class TextCheckerTest(unittest.TestCase):
    def test_accepts_a_valid_page(self):
        page = check_page(GOOD_TEXT, "text")  # promtool too
        self.assertEqual(page.value("g", path="C:\\DIR"), 4.2)
        self.assertEqual(page.types["req_total"], "counter")

    def test_promtool_rejects_a_broken_page(self):
        with self.assertRaises(PageError):
            harness.promtool_check(GOOD_TEXT.replace(b"g{path", b"g{1path"))
        with self.assertRaises(PageError):
            harness.promtool_check(GOOD_TEXT + b"# TYPE g gauge\n")

    def test_rejects_ungrouped_samples(self):
        with self.assertRaises(PageError):
            parse_text(GOOD_TEXT + b"g{path=\"x\"} 1\n")

    def test_rejects_duplicate_series(self):
        with self.assertRaises(PageError):
            parse_text(GOOD_TEXT.replace(b"g{path=\"C:\\\\DIR\"} 4.2\n",
                                         b"g{path=\"C:\\\\DIR\"} 4.2\ng{path=\"C:\\\\DIR\"} 5\n"))

    def test_rejects_missing_final_newline(self):
        with self.assertRaises(PageError):
            parse_text(GOOD_TEXT[:-1])


if __name__ == "__main__":
    unittest.main(verbosity=2)
