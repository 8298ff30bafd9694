/* Poll results: reset, failure marking, reason names, and the text rules for label values. */
#include "gs_result.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gs_result_reset(gs_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = GS_NOT_POLLED;
	r->players = NAN;
	r->max_players = NAN;
	r->bots = NAN;
	r->rank = NAN;
	r->votes = NAN;
	r->score = NAN;
	r->uptime_ratio = NAN;
}

int gs_result_fail(gs_result *r, gs_outcome outcome, const char *fmt, ...)
{
	r->outcome = outcome;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return -1;
}

const char *gs_outcome_reason(gs_outcome outcome)
{
	switch (outcome) {
	case GS_ERR_TIMEOUT:
		return "timeout";
	case GS_ERR_CONNECT:
		return "connect";
	case GS_ERR_HTTP_STATUS:
		return "http_status";
	case GS_ERR_API_ERROR:
		return "api_error";
	case GS_ERR_PARSE:
		return "parse";
	case GS_ERR_TOO_LARGE:
		return "too_large";
	default:
		return NULL;
	}
}

void gs_text_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	if (dstlen == 0)
		return;
	size_t n = 0;
	while (n < srclen && src[n] != '\0')
		n++;
	if (n > dstlen - 1) {
		n = dstlen - 1;
		/* Back off UTF-8 continuation bytes so no character is cut in half. */
		size_t keep = n;
		while (keep > 0 && ((unsigned char)src[keep] & 0xC0) == 0x80)
			keep--;
		if (keep > 0 || ((unsigned char)src[0] & 0xC0) != 0x80)
			n = keep;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ? ' ' : (char)c;
	}
	dst[n] = '\0';
}

void gs_text_scrub(char *text, size_t textlen, const char *secret)
{
	static const char mask[] = "<key>";
	size_t slen = secret ? strlen(secret) : 0;
	if (slen == 0 || textlen == 0)
		return;
	char out[1024];
	size_t o = 0;
	const char *p = text;
	while (*p && o + 1 < sizeof(out)) {
		if (strncmp(p, secret, slen) == 0) {
			for (size_t i = 0; mask[i] && o + 1 < sizeof(out); i++)
				out[o++] = mask[i];
			p += slen;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	snprintf(text, textlen, "%s", out);
}
