/* Prometheus-style durations: parsing "1h30m" / "500ms" / bare seconds, and the canonical form
 * back. */
#include "duration.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Units in the order they must appear, with their length in milliseconds. */
static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
    {"y", 365ull * 24 * 3600 * 1000},
    {"w", 7ull * 24 * 3600 * 1000},
    {"d", 24ull * 3600 * 1000},
    {"h", 3600ull * 1000},
    {"m", 60ull * 1000},
    {"s", 1000ull},
    {"ms", 1ull},
};
#define DURATION_NUNITS (sizeof(duration_units) / sizeof(duration_units[0]))

/* The largest duration accepted, as Prometheus does: what an int64 of milliseconds holds. */
#define DURATION_MAX_MS ((uint64_t)INT64_MAX)

static bool duration_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A bare number: digits with an optional fraction ("10", "1.5", "1.", ".5"). */
static int duration_parse_seconds(const char *text, double *seconds)
{
	const char *p = text;
	size_t digits = 0;
	while (duration_is_digit(*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (duration_is_digit(*p)) {
			p++;
			digits++;
		}
	}
	if (*p != '\0' || digits == 0)
		return -1;
	char *end;
	double value = strtod(text, &end);
	if (*end != '\0' || !isfinite(value) || value * 1000.0 > (double)DURATION_MAX_MS)
		return -1;
	*seconds = value;
	return 0;
}

/* Which unit starts at p, or -1. "ms" is tried before "m" so that "5ms" is not "5m" + junk. */
static int duration_unit_at(const char *p)
{
	if (p[0] == 'm' && p[1] == 's')
		return (int)DURATION_NUNITS - 1;
	for (size_t i = 0; i < DURATION_NUNITS - 1; i++) {
		if (p[0] == duration_units[i].suffix[0])
			return (int)i;
	}
	return -1;
}

int duration_parse(const char *text, double *seconds)
{
	if (text == NULL || *text == '\0')
		return -1;

	const char *p = text;
	while (duration_is_digit(*p))
		p++;
	if (*p == '\0' || *p == '.')
		return duration_parse_seconds(text, seconds);

	uint64_t total = 0;
	int next_unit = 0; /* units must come in strictly decreasing size */
	p = text;
	while (*p != '\0') {
		if (!duration_is_digit(*p))
			return -1;
		uint64_t n = 0;
		while (duration_is_digit(*p)) {
			uint64_t digit = (uint64_t)(*p - '0');
			if (n > (UINT64_MAX - digit) / 10)
				return -1;
			n = n * 10 + digit;
			p++;
		}
		int unit = duration_unit_at(p);
		if (unit < next_unit)
			return -1;
		p += strlen(duration_units[unit].suffix);
		next_unit = unit + 1;

		uint64_t size = duration_units[unit].ms;
		if (n != 0 && size > DURATION_MAX_MS / n)
			return -1;
		if (n * size > DURATION_MAX_MS - total)
			return -1;
		total += n * size;
	}
	*seconds = (double)total / 1000.0;
	return 0;
}

/* A bare decimal with as few fraction digits as still reads back exactly. */
static void duration_format_seconds(double seconds, char *buf, size_t len)
{
	char tmp[64];
	for (int digits = 1; digits <= 20; digits++) {
		snprintf(tmp, sizeof(tmp), "%.*f", digits, seconds);
		double back;
		if (duration_parse(tmp, &back) == 0 && back == seconds)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

void duration_format(double seconds, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (!isfinite(seconds) || seconds < 0) {
		/* Outside what duration_parse accepts; shown plainly rather than hidden. */
		snprintf(buf, len, "%g", seconds);
		return;
	}
	if (seconds * 1000.0 >= (double)DURATION_MAX_MS) {
		duration_format_seconds(seconds, buf, len);
		return;
	}
	double rounded = round(seconds * 1000.0);
	uint64_t ms = (uint64_t)rounded;
	if ((double)ms / 1000.0 != seconds) {
		duration_format_seconds(seconds, buf, len);
		return;
	}
	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}

	char tmp[96];
	size_t used = 0;
	for (size_t i = 0; i < DURATION_NUNITS; i++) {
		uint64_t n = ms / duration_units[i].ms;
		if (n == 0)
			continue;
		ms -= n * duration_units[i].ms;
		used += (size_t)snprintf(tmp + used, sizeof(tmp) - used, "%llu%s",
		                         (unsigned long long)n, duration_units[i].suffix);
	}
	snprintf(buf, len, "%s", tmp);
}
