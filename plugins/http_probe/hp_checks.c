/* http_probe response checks: status code sets, body regexes, TLS policy and their verdict. */
#include "hp_checks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hp_reason_names[HP_REASON_COUNT] = {
    [HP_OK] = "",
    [HP_REASON_DNS] = "dns",
    [HP_REASON_CONNECT] = "connect",
    [HP_REASON_TLS] = "tls",
    [HP_REASON_TIMEOUT] = "timeout",
    [HP_REASON_STATUS_CODE] = "status_code",
    [HP_REASON_BODY_REGEX] = "body_regex",
    [HP_REASON_SSL_POLICY] = "ssl_policy",
    [HP_REASON_TOO_LARGE] = "too_large",
    [HP_REASON_HTTP] = "http",
};

const char *hp_reason_name(hp_reason reason)
{
	return (unsigned)reason < HP_REASON_COUNT ? hp_reason_names[reason] : "http";
}

/* ---- valid_status_codes ---- */

/* Reads a status code at *p; advances *p. -1 when there is none or it is out of range. */
static int hp_status_read(const char **p)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return -1;
	long v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v > HP_STATUS_MAX)
			return -1;
		s++;
	}
	*p = s;
	return v < HP_STATUS_MIN ? -1 : (int)v;
}

static int hp_status_fail(hp_status_set *out, char *err, size_t errlen, const char *item,
                          size_t itemlen)
{
	snprintf(err, errlen,
	         "valid_status_codes: '%.*s' is not a status code (%d-%d) or a range of them "
	         "like 200-299",
	         (int)(itemlen > 32 ? 32 : itemlen), item, HP_STATUS_MIN, HP_STATUS_MAX);
	hp_status_set_free(out);
	return -1;
}

int hp_status_set_parse(const char *text, hp_status_set *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const char *p = text ? text : "";
	size_t cap = 0;
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		const char *item = p;
		size_t itemlen = strcspn(item, ", \t");
		int lo = hp_status_read(&p);
		int hi = lo;
		if (lo >= 0 && *p == '-') {
			p++;
			hi = hp_status_read(&p);
		}
		if (lo < 0 || hi < 0 || (*p != '\0' && *p != ',' && !isspace((unsigned char)*p)))
			return hp_status_fail(out, err, errlen, item, itemlen);
		if (hi < lo) {
			snprintf(err, errlen, "valid_status_codes: range %d-%d runs backwards", lo,
			         hi);
			hp_status_set_free(out);
			return -1;
		}
		if (out->n == cap) {
			size_t next = cap ? cap * 2 : 4;
			hp_status_range *grown = realloc(out->ranges, next * sizeof(*grown));
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				hp_status_set_free(out);
				return -1;
			}
			out->ranges = grown;
			cap = next;
		}
		out->ranges[out->n++] = (hp_status_range){lo, hi};
	}
	if (out->n == 0) {
		snprintf(err, errlen, "valid_status_codes is empty: name at least one code");
		return -1;
	}
	return 0;
}

bool hp_status_set_contains(const hp_status_set *set, long code)
{
	for (size_t i = 0; i < set->n; i++) {
		if (code >= set->ranges[i].lo && code <= set->ranges[i].hi)
			return true;
	}
	return false;
}

void hp_status_set_free(hp_status_set *set)
{
	free(set->ranges);
	set->ranges = NULL;
	set->n = 0;
}

/* ---- Body regexes ---- */

int hp_regex_list_add(hp_regex_list *list, const char *pattern, char *err, size_t errlen)
{
	regex_t *grown = realloc(list->items, (list->n + 1) * sizeof(*grown));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	list->items = grown;
	int rc = regcomp(&list->items[list->n], pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &list->items[list->n], why, sizeof(why));
		regfree(&list->items[list->n]);
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	list->n++;
	return 0;
}

void hp_regex_list_free(hp_regex_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		regfree(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* True when re matches somewhere in body[0..len), NUL bytes included (REG_STARTEND). */
static bool hp_regex_matches(const regex_t *re, const char *body, size_t len)
{
	regmatch_t span = {.rm_so = 0, .rm_eo = (regoff_t)len};
	return regexec(re, body ? body : "", 1, &span, REG_STARTEND) == 0;
}

/* ---- Verdict ---- */

bool hp_checks_need_body(const hp_checks *checks)
{
	return checks->fail_if_matches.n > 0 || checks->fail_if_not_matches.n > 0;
}

hp_reason hp_checks_verdict(const hp_checks *checks, long status, const char *body, size_t len,
                            bool ssl, bool *regex_failed)
{
	*regex_failed = false;
	if (!hp_status_set_contains(&checks->valid_status, status))
		return HP_REASON_STATUS_CODE;
	for (size_t i = 0; i < checks->fail_if_matches.n; i++) {
		if (hp_regex_matches(&checks->fail_if_matches.items[i], body, len)) {
			*regex_failed = true;
			return HP_REASON_BODY_REGEX;
		}
	}
	for (size_t i = 0; i < checks->fail_if_not_matches.n; i++) {
		if (!hp_regex_matches(&checks->fail_if_not_matches.items[i], body, len)) {
			*regex_failed = true;
			return HP_REASON_BODY_REGEX;
		}
	}
	if (ssl && checks->fail_if_ssl)
		return HP_REASON_SSL_POLICY;
	if (!ssl && checks->fail_if_not_ssl)
		return HP_REASON_SSL_POLICY;
	return HP_OK;
}

void hp_checks_free(hp_checks *checks)
{
	hp_status_set_free(&checks->valid_status);
	hp_regex_list_free(&checks->fail_if_matches);
	hp_regex_list_free(&checks->fail_if_not_matches);
}
