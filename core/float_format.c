/* Sample values as text: the shortest decimal form that strtod reads back to the same double. */
#include "float_format.h"

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
	if (n)
		return n;
	/* %.17g always round-trips; fewer digits are tried first for the shortest text. */
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
