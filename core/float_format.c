/* Sample values as text: the shortest decimal form that strtod reads back to the same double. */
#include "float_format.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every integer of magnitude below 2^53 is exact in a double. */
#define FLOAT_EXACT_INT_LIMIT 9007199254740992.0

/* Writes the decimal digits of u right-aligned ending just before end; returns the first digit. */
static char *float_digits_backward(uint64_t u, char *end)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return end;
}

/* Writes an integer-valued |v| < 2^53 with no point and no exponent. */
static size_t float_format_integer(double v, char *buf)
{
	char tmp[24];
	char *end = tmp + sizeof(tmp);
	uint64_t u = (uint64_t)fabs(v);
	char *p = float_digits_backward(u, end);
	size_t n = 0;
	if (signbit(v))
		buf[n++] = '-';
	memcpy(buf + n, p, (size_t)(end - p));
	n += (size_t)(end - p);
	buf[n] = '\0';
	return n;
}

/*
 * Values with at most 15 significant digits and a magnitude between 1e-4 and 1e14
 * (gauges like 0.5, 12.25, 99.9) without snprintf/strtod: if v * 10^k rounds to an
 * integer w and w / 10^k == v, the decimal w·10^-k reads back as v (the division is
 * correctly rounded, as strtod is). With at most 15 digits that decimal is exactly what
 * %.15g prints, so both paths give the same text. Returns 0 when the value does not fit.
 */
static size_t float_format_short_decimal(double v, char *buf)
{
	static const double powers[] = {1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	double a = fabs(v);
	if (!(a >= 1e-4 && a < 1e14))
		return 0;
	for (size_t k = 0; k < sizeof(powers) / sizeof(powers[0]); k++) {
		double w = nearbyint(a * powers[k]);
		if (w >= 1e15)
			return 0;
		if (w / powers[k] != a)
			continue;
		char tmp[40];
		char *end = tmp + sizeof(tmp);
		char *p = float_digits_backward((uint64_t)w, end);
		size_t ndigits = (size_t)(end - p);
		size_t frac = k + 1;
		size_t n = 0;
		if (v < 0)
			buf[n++] = '-';
		if (ndigits <= frac) {
			/* 0.000ddd */
			buf[n++] = '0';
			buf[n++] = '.';
			for (size_t z = ndigits; z < frac; z++)
				buf[n++] = '0';
			memcpy(buf + n, p, ndigits);
			n += ndigits;
		} else {
			memcpy(buf + n, p, ndigits - frac);
			n += ndigits - frac;
			buf[n++] = '.';
			memcpy(buf + n, p + ndigits - frac, frac);
			n += frac;
		}
		/* The smallest k that works leaves no trailing zero, as %g does not. */
		buf[n] = '\0';
		return n;
	}
	return 0;
}

#if LDBL_MANT_DIG >= 64
/* Powers of ten that long double holds exactly (5^27 < 2^64). */
static const long double float_pow10l[] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};
#define FLOAT_POW10L_MAX 27

/* a * 10^k with a single rounding in long double; |k| <= FLOAT_POW10L_MAX. */
static long double float_scale(double a, int k)
{
	return k >= 0 ? (long double)a * float_pow10l[k] : (long double)a / float_pow10l[-k];
}

/*
 * Rounds a > 0 (normal, not a power of two) to p significant digits without printf: *digits
 * gets exactly p digits and *exp10 the decimal exponent of the first, as %.<p>e would print.
 * Returns 1 when that decimal reads back as a, 0 when it does not, and -1 when the wide
 * arithmetic is too close to call (a rounding tie, or the edge of the rounding interval):
 * the caller then asks printf and strtod. The scaled value carries a relative error below
 * 2^-64, so margins of 2^-62 of it keep every answer exact.
 */
static int float_round_digits(double a, int p, int bin_exp, uint64_t *digits, int *exp10)
{
	int e10 = (int)floor((bin_exp - 1) * 0.30102999566398120);
	int k = p - 1 - e10;
	long double w = 0;
	for (int attempt = 0;; attempt++) {
		if (k > FLOAT_POW10L_MAX || k < -FLOAT_POW10L_MAX || attempt > 1)
			return -1;
		w = float_scale(a, k);
		if (w >= float_pow10l[p])
			k--;
		else if (w < float_pow10l[p - 1])
			k++;
		else
			break;
	}
	long double eps = w * 0x1p-62L;
	long double whole = floorl(w);
	long double frac = w - whole;
	if (fabsl(frac - 0.5L) <= eps)
		return -1;
	long double nearest = whole + (frac > 0.5L ? 1 : 0);
	uint64_t d = (uint64_t)nearest;
	int x = p - 1 - k;
	if (nearest >= float_pow10l[p]) {
		d /= 10;
		x++;
	}
	*digits = d;
	*exp10 = x;
	if (p >= 17)
		return 1; /* 17 significant digits always identify a double */
	/* Half the gap to the neighbouring doubles, in the same scale as w. */
	long double half_gap = k >= 0 ? ldexpl(float_pow10l[k], bin_exp - 54)
	                              : ldexpl(1.0L, bin_exp - 54) / float_pow10l[-k];
	long double dist = fabsl(nearest - w);
	if (dist < half_gap - 2 * eps)
		return 1;
	if (dist > half_gap + 2 * eps)
		return 0;
	return -1;
}

/* Writes p digits with decimal exponent x the way %.<p>g does: trailing zeros dropped, fixed
 * notation for -4 <= x < p, else d.ddde+XX. */
static size_t float_write_g(char *buf, int negative, uint64_t digits, int p, int x)
{
	char tmp[24];
	char *end = tmp + sizeof(tmp);
	char *d = float_digits_backward(digits, end);
	int n = (int)(end - d);
	while (n > 1 && d[n - 1] == '0')
		n--;
	size_t o = 0;
	if (negative)
		buf[o++] = '-';
	if (x >= -4 && x < p) {
		if (x < 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (int z = 0; z < -x - 1; z++)
				buf[o++] = '0';
			memcpy(buf + o, d, (size_t)n);
			o += (size_t)n;
		} else {
			for (int i = 0; i <= x; i++)
				buf[o++] = i < n ? d[i] : '0';
			if (n > x + 1) {
				buf[o++] = '.';
				memcpy(buf + o, d + x + 1, (size_t)(n - x - 1));
				o += (size_t)(n - x - 1);
			}
		}
	} else {
		buf[o++] = d[0];
		if (n > 1) {
			buf[o++] = '.';
			memcpy(buf + o, d + 1, (size_t)(n - 1));
			o += (size_t)(n - 1);
		}
		buf[o++] = 'e';
		buf[o++] = x < 0 ? '-' : '+';
		int ax = x < 0 ? -x : x;
		if (ax >= 100)
			buf[o++] = (char)('0' + ax / 100);
		buf[o++] = (char)('0' + ax / 10 % 10);
		buf[o++] = (char)('0' + ax % 10);
	}
	buf[o] = '\0';
	return o;
}

/* The %.15g / %.16g / %.17g choice of float_format in wide arithmetic; 0 when unsure. */
static size_t float_format_wide(double v, char *buf)
{
	int bin_exp;
	double a = fabs(v);
	double m = frexp(a, &bin_exp);
	/* A power of two has a narrower gap below it; subnormals have a fixed gap. */
	if (m == 0.5 || a < DBL_MIN)
		return 0;
	for (int p = 15; p <= 17; p++) {
		uint64_t digits;
		int x;
		int r = float_round_digits(a, p, bin_exp, &digits, &x);
		if (r < 0)
			return 0;
		if (r > 0)
			return float_write_g(buf, v < 0, digits, p, x);
	}
	return 0;
}
#else
static size_t float_format_wide(double v, char *buf)
{
	(void)v;
	(void)buf;
	return 0;
}
#endif

size_t float_format(double v, char *buf)
{
	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		memcpy(buf, v > 0 ? "+Inf" : "-Inf", 5);
		return 4;
	}
	if (fabs(v) < FLOAT_EXACT_INT_LIMIT && v == trunc(v))
		return float_format_integer(v, buf);
	size_t n = float_format_short_decimal(v, buf);
	if (!n)
		n = float_format_wide(v, buf);
	if (n)
		return n;
	/* The definition the fast paths follow: %.17g always round-trips; fewer digits first. */
	static const char *const formats[] = {"%.15g", "%.16g"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		int len = snprintf(buf, FLOAT_FORMAT_MAX + 1, formats[i], v);
		if (strtod(buf, NULL) == v)
			return (size_t)len;
	}
	return (size_t)snprintf(buf, FLOAT_FORMAT_MAX + 1, "%.17g", v);
}

size_t float_format_label(double v, char *buf)
{
	size_t n = float_format(v, buf);
	if (isfinite(v) && !strpbrk(buf, ".e")) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return n;
}
