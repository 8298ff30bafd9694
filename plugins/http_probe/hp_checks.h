/* http_probe checks of a response: valid status codes, body regexes, TLS policy, failure reasons.
 */
#ifndef HP_CHECKS_H
#define HP_CHECKS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/* Why a probe failed: the fixed `reason` values of probe_failure_info. */
typedef enum hp_reason {
	HP_OK = 0,
	HP_REASON_DNS,         /* the host name did not resolve */
	HP_REASON_CONNECT,     /* no TCP connection */
	HP_REASON_TLS,         /* handshake or certificate verification failed */
	HP_REASON_TIMEOUT,     /* no complete answer within the probe's time */
	HP_REASON_STATUS_CODE, /* a status outside valid_status_codes */
	HP_REASON_BODY_REGEX,  /* fail_if_body_(not_)matches_regexp */
	HP_REASON_SSL_POLICY,  /* fail_if_ssl / fail_if_not_ssl */
	HP_REASON_TOO_LARGE,   /* a body longer than max_body_bytes */
	HP_REASON_HTTP,        /* any other protocol or transport failure */
} hp_reason;

#define HP_REASON_COUNT (HP_REASON_HTTP + 1)

/* The label value of a reason ("dns", ...); "" for HP_OK. */
const char *hp_reason_name(hp_reason reason);

/* ---- valid_status_codes ---- */

typedef struct hp_status_range {
	int lo;
	int hi; /* inclusive */
} hp_status_range;

typedef struct hp_status_set {
	hp_status_range *ranges;
	size_t n;
} hp_status_set;

/* Lowest and highest status code a range may name. */
#define HP_STATUS_MIN 100
#define HP_STATUS_MAX 999

/* Parses a list of codes and ranges separated by commas or blanks, e.g.
 * "200-299, 301 302". Returns 0, or -1 with a one-line reason in err (out is
 * then empty). Free out with hp_status_set_free. */
int hp_status_set_parse(const char *text, hp_status_set *out, char *err, size_t errlen);
bool hp_status_set_contains(const hp_status_set *set, long code);
void hp_status_set_free(hp_status_set *set);

/* ---- Body regexes (POSIX extended) ---- */

typedef struct hp_regex_list {
	regex_t *items;
	size_t n;
} hp_regex_list;

/* Compiles pattern and appends it. 0, or -1 with regerror's text in err. */
int hp_regex_list_add(hp_regex_list *list, const char *pattern, char *err, size_t errlen);
void hp_regex_list_free(hp_regex_list *list);

/* ---- All checks of one module ---- */

typedef struct hp_checks {
	hp_status_set valid_status;
	hp_regex_list fail_if_matches;     /* any match fails the probe */
	hp_regex_list fail_if_not_matches; /* every one must match */
	bool fail_if_ssl;
	bool fail_if_not_ssl;
} hp_checks;

/* True when the body needs to be kept for the regexes. */
bool hp_checks_need_body(const hp_checks *checks);

/* The verdict on a response that arrived in full, in blackbox's order: status
 * code, then the body regexes (only when the status passed), then the TLS
 * policy. body may hold NUL bytes. *regex_failed says whether the regexes
 * failed the probe. Pure: safe to call from several threads at once. */
hp_reason hp_checks_verdict(const hp_checks *checks, long status, const char *body, size_t len,
                            bool ssl, bool *regex_failed);

void hp_checks_free(hp_checks *checks);

#endif
