/* What one poll of one game server produced: the outcome, its reason, and the values read. */
#ifndef GS_RESULT_H
#define GS_RESULT_H

#include <stddef.h>

/* How a poll ended. The error outcomes map one to one onto the fixed `reason`
 * label values of gameserver_poll_errors_total. */
typedef enum gs_outcome {
	GS_OK = 0,          /* a valid answer (the server may still be offline) */
	GS_ERR_TIMEOUT,     /* no complete answer in time */
	GS_ERR_CONNECT,     /* name resolution, connection, TLS or transport failure */
	GS_ERR_HTTP_STATUS, /* an HTTP status other than 2xx */
	GS_ERR_API_ERROR,   /* the API answered with its own error message */
	GS_ERR_PARSE,       /* an answer that is not the expected document */
	GS_ERR_TOO_LARGE,   /* an answer longer than max_body_bytes */
	GS_NOT_POLLED,      /* nothing to poll with (no key configured) */
	GS_ABORTED,         /* the host is stopping; the poll was abandoned */
} gs_outcome;

/* First and last error outcome, for iterating over the reasons. */
#define GS_FIRST_ERROR GS_ERR_TIMEOUT
#define GS_LAST_ERROR  GS_ERR_TOO_LARGE

/* Longest text kept from an answer (label values stay bounded). */
#define GS_TEXT_MAX 128

typedef struct gs_result {
	gs_outcome outcome;
	char detail[256]; /* why it failed, for a log line; never holds a key */
	int online;       /* with GS_OK: 1 online, 0 listed as offline */
	/* Numbers from the answer; NaN when the answer did not carry them. */
	double players;
	double max_players;
	double bots;
	double rank;
	double votes;
	double score;
	double uptime_ratio; /* 0..1 */
	char name[GS_TEXT_MAX];
	char map[GS_TEXT_MAX];
	char version[GS_TEXT_MAX];
	char game[GS_TEXT_MAX];
	double duration; /* seconds the poll took; 0 when not polled */
	int final;       /* the poll of this server is over: the result will not change */
	int reported;    /* already turned into metrics */
} gs_result;

/* Called by the sources whenever some results may have become final, so the
 * plugin can publish each server as it answers rather than after the slowest. */
typedef struct gs_progress {
	void (*report)(void *ctx);
	void *ctx;
} gs_progress;

/* Clears r to "not polled", with every number NaN and every text empty. */
void gs_result_reset(gs_result *r);

/* Marks r failed with outcome and a printf-style detail. Always returns -1. */
int gs_result_fail(gs_result *r, gs_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The `reason` label value of an error outcome, NULL for the others. */
const char *gs_outcome_reason(gs_outcome outcome);

/* Copies src (srclen bytes, NUL bytes not special) into dst as label text:
 * stops at a NUL byte, keeps tabs and newlines, turns other control characters
 * into spaces, and cuts at most dstlen - 1 bytes without splitting a UTF-8
 * sequence. Invalid UTF-8 is left for the renderer to repair. */
void gs_text_copy(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Replaces every occurrence of secret (when non-empty) in text with "<key>",
 * in place, within textlen bytes of buffer. */
void gs_text_scrub(char *text, size_t textlen, const char *secret);

#endif
