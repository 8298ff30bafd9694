/* Unit tests for sample value formatting: the table of forms and a round-trip property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "float_format.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_format(double v, const char *want)
{
	char buf[FLOAT_FORMAT_MAX + 1];
	size_t n = float_format(v, buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void expect_label(double v, const char *want)
{
	char buf[FLOAT_FORMAT_MAX + 1];
	size_t n = float_format_label(v, buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_table(void **state)
{
	(void)state;
	expect_format(0, "0");
	expect_format(-0.0, "-0");
	expect_format(1, "1");
	expect_format(-3, "-3");
	expect_format(42, "42");
	expect_format(1e15, "1000000000000000");
	expect_format(9007199254740991.0, "9007199254740991");
	expect_format(9007199254740992.0, "9007199254740992");
	expect_format(1e20, "1e+20");
	expect_format(0.1, "0.1");
	expect_format(-0.25, "-0.25");
	expect_format(4.7, "4.7");
	expect_format(21.5, "21.5");
	expect_format(0.005, "0.005");
	expect_format(0.0001, "0.0001");
	expect_format(0.00001, "1e-05");
	expect_format(1e-7, "1e-07");
	expect_format(123456789.123, "123456789.123");
	expect_format(0.1 + 0.2, "0.30000000000000004");
	expect_format(1.0 / 3, "0.3333333333333333");
	expect_format(2.0 / 3, "0.6666666666666666");
	expect_format(DBL_MAX, "1.7976931348623157e+308");
	expect_format(DBL_MIN, "2.2250738585072014e-308");
	expect_format(NAN, "NaN");
	expect_format(-NAN, "NaN");
	expect_format(INFINITY, "+Inf");
	expect_format(-INFINITY, "-Inf");
}

static void test_label_table(void **state)
{
	(void)state;
	expect_label(1, "1.0");
	expect_label(0, "0.0");
	expect_label(-1, "-1.0");
	expect_label(10, "10.0");
	expect_label(0.005, "0.005");
	expect_label(0.5, "0.5");
	expect_label(2.5, "2.5");
	expect_label(1e20, "1e+20");
	expect_label(1e-7, "1e-07");
	expect_label(INFINITY, "+Inf");
	expect_label(-INFINITY, "-Inf");
	expect_label(NAN, "NaN");
}

/* A 64-bit xorshift: the same sequence on every run, so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void assert_round_trip(double v)
{
	char buf[FLOAT_FORMAT_MAX + 1];
	size_t n = float_format(v, buf);
	assert_true(n <= FLOAT_FORMAT_MAX);
	assert_int_equal(n, strlen(buf));
	double back = strtod(buf, NULL);
	if (memcmp(&back, &v, sizeof(v)) != 0)
		fail_msg("%a formatted as \"%s\" reads back as %a", v, buf, back);
}

/* The definition the fast paths must agree with: integers as digits, else the first of
 * %.15g, %.16g, %.17g that reads back exactly. */
static void reference_format(double v, char *buf)
{
	if (fabs(v) < 9007199254740992.0 && v == trunc(v)) {
		snprintf(buf, FLOAT_FORMAT_MAX + 1, "%s%.0f", signbit(v) ? "-" : "", fabs(v));
		return;
	}
	static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
	for (int i = 0; i < 3; i++) {
		snprintf(buf, FLOAT_FORMAT_MAX + 1, formats[i], v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void expect_reference(double v)
{
	char got[FLOAT_FORMAT_MAX + 1], want[FLOAT_FORMAT_MAX + 1];
	float_format(v, got);
	reference_format(v, want);
	if (strcmp(got, want) != 0)
		fail_msg("%a: got \"%s\", reference \"%s\"", v, got, want);
}

/* Neighbours of powers of ten and of ten-digit boundaries, where rounding carries over. */
static void test_round_trip_random_bits(void **state)
{
	(void)state;
	for (int i = 0; i < 400000; i++) {
		uint64_t bits = rng_next();
		double v;
		memcpy(&v, &bits, sizeof(v));
		if (isnan(v))
			continue;
		assert_round_trip(v);
		expect_reference(v);
	}
}

static void test_edges_match_reference(void **state)
{
	(void)state;
	for (int e = -45; e <= 45; e++) {
		double p = pow(10, e);
		double edges[] = {p, p * 0.5, p * 9.999999999999999, p * 1.0000000000000002};
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
			double up = edges[i], down = edges[i];
			for (int step = 0; step < 40; step++) {
				expect_reference(up);
				expect_reference(-down);
				assert_round_trip(up);
				up = nextafter(up, INFINITY);
				down = nextafter(down, 0);
			}
		}
	}
	for (int i = 1; i < 50000; i++) {
		expect_reference(i / 3.0);
		expect_reference(i / 7.0 + 1e-9);
		expect_reference(i * 0.001);
		expect_reference(1.0 / i);
	}
}

static void test_decimal_values_match_reference(void **state)
{
	(void)state;
	static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e12};
	for (int i = 0; i < 500000; i++) {
		uint64_t r = rng_next();
		double mantissa = (double)(r % 2000000001) - 1000000000;
		if (i % 3 == 0)
			mantissa = (double)(r % 100000);
		double v = mantissa / scale[(r >> 40) % 12];
		expect_reference(v);
		assert_round_trip(v);
	}
}

static void test_random_magnitudes_match_reference(void **state)
{
	(void)state;
	for (int i = 0; i < 300000; i++) {
		uint64_t r = rng_next();
		double v = ldexp((double)(r >> 11), (int)(r % 120) - 100) * ((r & 1) ? -1 : 1);
		expect_reference(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_label_table),
	    cmocka_unit_test(test_round_trip_random_bits),
	    cmocka_unit_test(test_decimal_values_match_reference),
	    cmocka_unit_test(test_edges_match_reference),
	    cmocka_unit_test(test_random_magnitudes_match_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
