/* Unit tests of duration.c: Prometheus duration syntax, bare seconds, canonical formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "duration.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void test_parse_units(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double seconds;
	} cases[] = {
	    {"0s", 0},
	    {"0", 0},
	    {"0ms", 0},
	    {"500ms", 0.5},
	    {"1ms", 0.001},
	    {"15s", 15},
	    {"1m", 60},
	    {"1h30m", 5400},
	    {"1h30m15s", 5415},
	    {"2h", 7200},
	    {"1d", 86400},
	    {"1w", 604800},
	    {"1y", 31536000},
	    {"1y2w3d4h5m6s7ms", 31536000 + 2 * 604800 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6.007},
	    {"90s", 90},
	    {"1m90s", 150},
	    {"1s500ms", 1.5},
	    {"007s", 7},
	    {"10", 10},
	    {"1.5", 1.5},
	    {"0.25", 0.25},
	    {".5", 0.5},
	    {"2.", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = -1;
		if (duration_parse(cases[i].text, &got) != 0)
			fail_msg("'%s' was refused", cases[i].text);
		if (fabs(got - cases[i].seconds) > 1e-9)
			fail_msg("'%s' gave %.17g, expected %.17g", cases[i].text, got,
			         cases[i].seconds);
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "-1s",
	    "-1",
	    "+1s",
	    "s",
	    "ms",
	    "1x",
	    "1S",
	    "1H",
	    "1h1h",
	    "1s1s",
	    "1m1h",
	    "1ms1s",
	    "1s1m",
	    "1h 30m",
	    " 1s",
	    "1s ",
	    "1.5s",
	    "1.5h",
	    "1e3",
	    "1..5",
	    ".",
	    "1h.5",
	    "0x10",
	    "nan",
	    "inf",
	    "1mss",
	    "1hm",
	    "99999999999999999999s",
	    "9999999999999999999y",
	    "300000000y",
	    "292471209y",
	    "9223372036854775808ms",
	    "99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double got = 1234;
		if (duration_parse(bad[i], &got) == 0)
			fail_msg("'%s' was accepted as %.17g", bad[i], got);
		assert_true(got == 1234); /* untouched on error */
	}
	double got;
	assert_int_equal(duration_parse(NULL, &got), -1);
}

static void test_parse_limits(void **state)
{
	(void)state;
	double got;
	/* The largest value Prometheus accepts: INT64_MAX milliseconds. */
	assert_int_equal(duration_parse("9223372036854775807ms", &got), 0);
	assert_true(got > 9.2e15);
	assert_int_equal(duration_parse("292471208y", &got), 0);
}

static void test_format(void **state)
{
	(void)state;
	static const struct {
		double seconds;
		const char *text;
	} cases[] = {
	    {0, "0s"},           {0.5, "500ms"},
	    {0.001, "1ms"},      {1, "1s"},
	    {1.5, "1s500ms"},    {15, "15s"},
	    {60, "1m"},          {90, "1m30s"},
	    {3600, "1h"},        {5400, "1h30m"},
	    {86400, "1d"},       {8 * 86400, "1w1d"},
	    {365 * 86400, "1y"}, {366 * 86400 + 1.25, "1y1d1s250ms"},
	    {0.0005, "0.0005"},  {1.2345, "1.2345"},
	    {0.1, "100ms"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		duration_format(cases[i].seconds, buf, sizeof(buf));
		if (strcmp(buf, cases[i].text) != 0)
			fail_msg("%.17g formatted as '%s', expected '%s'", cases[i].seconds, buf,
			         cases[i].text);
	}
}

static void test_format_small_buffer(void **state)
{
	(void)state;
	char buf[4];
	duration_format(5400 + 15, buf, sizeof(buf));
	assert_string_equal(buf, "1h3"); /* truncated, still terminated */
	char one[1] = {'x'};
	duration_format(1, one, sizeof(one));
	assert_int_equal(one[0], '\0');
}

static void round_trip(double seconds)
{
	char buf[64];
	double back = -1;
	duration_format(seconds, buf, sizeof(buf));
	if (duration_parse(buf, &back) != 0)
		fail_msg("%.17g formatted as '%s', which does not parse", seconds, buf);
	if (back != seconds)
		fail_msg("%.17g -> '%s' -> %.17g", seconds, buf, back);
}

static void test_round_trips(void **state)
{
	(void)state;
	static const char *const texts[] = {"0s",    "1ms", "999ms",          "1s1ms",
	                                    "59s",   "1m",  "1h59m59s999ms",  "6d23h",
	                                    "51w6d", "10y", "1y1w1d1h1m1s1ms"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		double seconds;
		char buf[64];
		assert_int_equal(duration_parse(texts[i], &seconds), 0);
		duration_format(seconds, buf, sizeof(buf));
		assert_string_equal(buf, texts[i]); /* canonical texts come back unchanged */
	}
	/* Every whole millisecond up to a bit over a minute, and some odd values. */
	for (int ms = 0; ms <= 61000; ms += 7)
		round_trip(ms / 1000.0);
	static const double odd[] = {0.0001, 0.3333, 2.71828, 123456.789, 1e-6, 1e9, 1e12 + 0.5};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		round_trip(odd[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_units),         cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_parse_limits),        cmocka_unit_test(test_format),
	    cmocka_unit_test(test_format_small_buffer), cmocka_unit_test(test_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
