/* http_probe options: declared once, checked in init, turned into the settings every probe reads.
 */
#include "hp_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A body buffer beyond this is not a health check any more; it only guards the memory. */
#define HP_BODY_LIMIT (256 * 1024 * 1024)

const exporterd_option hp_config_options[] = {
    {"target", EXPORTERD_OPT_STRING, NULL,
     "URL to probe; label:URL sets the target label, else the URL is the label (repeatable)",
     EXPORTERD_OPT_REPEATABLE},
    {"method", EXPORTERD_OPT_STRING, "GET", "HTTP method of the request", 0},
    {"header", EXPORTERD_OPT_STRING, NULL, "request header as 'Name: value' (repeatable)",
     EXPORTERD_OPT_REPEATABLE | EXPORTERD_OPT_SECRET},
    {"body", EXPORTERD_OPT_STRING, NULL, "request body", EXPORTERD_OPT_SECRET},
    {"valid_status_codes", EXPORTERD_OPT_STRING, "200-299",
     "status codes that count as success: codes and ranges, e.g. 200-299,301", 0},
    {"follow_redirects", EXPORTERD_OPT_BOOL, "true",
     "follow 3xx redirects (up to 10); false: the 3xx is the answer", 0},
    {"fail_if_ssl", EXPORTERD_OPT_BOOL, "false", "fail when the final answer came over TLS", 0},
    {"fail_if_not_ssl", EXPORTERD_OPT_BOOL, "false",
     "fail when the final answer did not come over TLS", 0},
    {"fail_if_body_matches_regexp", EXPORTERD_OPT_STRING, NULL,
     "fail when the body matches this POSIX extended regex (repeatable)", EXPORTERD_OPT_REPEATABLE},
    {"fail_if_body_not_matches_regexp", EXPORTERD_OPT_STRING, NULL,
     "fail unless the body matches this POSIX extended regex (repeatable)",
     EXPORTERD_OPT_REPEATABLE},
    {"tls_insecure_skip_verify", EXPORTERD_OPT_BOOL, "false",
     "accept any certificate and host name", 0},
    {"ca_file", EXPORTERD_OPT_STRING, NULL, "PEM file of the CAs to trust instead of the system's",
     0},
    {"ip_protocol", EXPORTERD_OPT_STRING, "auto",
     "address family to connect with: auto, ip4 or ip6", 0},
    {"probe_timeout", EXPORTERD_OPT_DURATION, "10s",
     "longest one probe may take; the section's timeout bounds the whole cycle", 0},
    {"max_body_bytes", EXPORTERD_OPT_INT, "1048576",
     "longest body read; a longer one fails the probe (too_large)", 0},
    {"max_concurrency", EXPORTERD_OPT_INT, "64", "probes of this instance running at once", 0},
    {NULL, 0, NULL, NULL, 0},
};

static char *hp_config_strndup_trim(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static bool hp_config_has_scheme(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* True when libcurl's URL parser accepts url. */
static bool hp_config_url_parses(const char *url)
{
	CURLU *u = curl_url();
	if (!u)
		return false;
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
	curl_url_cleanup(u);
	return rc == CURLUE_OK;
}

/* Parses `target` value number index (1-based in messages) into t. */
static int hp_config_parse_target(exporterd_instance *inst, const char *value, size_t index,
                                  hp_target *t)
{
	const char *url = value;
	while (isspace((unsigned char)*url))
		url++;
	if (!hp_config_has_scheme(url)) {
		const char *colon = strchr(value, ':');
		if (!colon)
			return exporterd_error(inst,
			                       "target #%zu: expected an http:// or https:// URL, "
			                       "or label:URL",
			                       index);
		t->label = hp_config_strndup_trim(value, (size_t)(colon - value));
		if (!t->label)
			return exporterd_error(inst, "out of memory");
		if (!t->label[0])
			return exporterd_error(inst, "target #%zu: the label before ':' is empty",
			                       index);
		url = colon + 1;
	}
	t->url = hp_config_strndup_trim(url, strlen(url));
	if (!t->url)
		return exporterd_error(inst, "out of memory");
	if (!t->label)
		t->label = strdup(t->url);
	if (!t->label)
		return exporterd_error(inst, "out of memory");
	if (!hp_config_has_scheme(t->url))
		return exporterd_error(
		    inst, "target %s: the URL must start with http:// or https://", t->label);
	if (!hp_config_url_parses(t->url))
		return exporterd_error(inst, "target %s: not a valid URL", t->label);
	return 0;
}

static int hp_config_load_targets(exporterd_instance *inst, hp_config *cfg)
{
	size_t n = exporterd_option_count(inst, "target");
	if (n == 0)
		return 0; /* an instance used only through /probe */
	cfg->targets = calloc(n, sizeof(*cfg->targets));
	if (!cfg->targets)
		return exporterd_error(inst, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cfg->ntargets = i + 1;
		const char *value = exporterd_option_string(inst, "target", i);
		if (hp_config_parse_target(inst, value ? value : "", i + 1, &cfg->targets[i]) != 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->targets[j].label, cfg->targets[i].label) == 0)
				return exporterd_error(inst, "target label '%s' is used twice",
				                       cfg->targets[i].label);
		}
	}
	return 0;
}

/* An HTTP token (method, header name): RFC 9110 tchar. */
static bool hp_config_is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && !strchr("!#$%&'*+-.^_`|~", c))
			return false;
	}
	return true;
}

/* Header number index as "Name: value" into cfg->headers; never quotes the value. */
static int hp_config_add_header(exporterd_instance *inst, hp_config *cfg, const char *value,
                                size_t index)
{
	const char *colon = strchr(value, ':');
	if (!colon || !hp_config_is_token(value, (size_t)(colon - value)))
		return exporterd_error(inst, "header #%zu: expected 'Name: value'", index);
	for (const char *p = value; *p; p++) {
		if (*p == '\r' || *p == '\n')
			return exporterd_error(inst, "header #%zu: contains a line break", index);
	}
	char *field = hp_config_strndup_trim(colon + 1, strlen(colon + 1));
	if (!field)
		return exporterd_error(inst, "out of memory");
	size_t namelen = (size_t)(colon - value);
	size_t len = namelen + strlen(field) + 3;
	char *line = malloc(len);
	if (!line) {
		free(field);
		return exporterd_error(inst, "out of memory");
	}
	/* "Name:" with nothing after it would make curl drop the header; "Name;" sends it empty. */
	if (field[0])
		snprintf(line, len, "%.*s: %s", (int)namelen, value, field);
	else
		snprintf(line, len, "%.*s;", (int)namelen, value);
	if (namelen == 15 && strncasecmp(value, "Accept-Encoding", 15) == 0) {
		free(cfg->accept_encoding);
		cfg->accept_encoding = field;
		field = NULL;
	}
	free(field);
	struct curl_slist *next = curl_slist_append(cfg->headers, line);
	explicit_bzero(line, strlen(line));
	free(line);
	if (!next)
		return exporterd_error(inst, "out of memory");
	cfg->headers = next;
	return 0;
}

static int hp_config_load_checks(exporterd_instance *inst, hp_config *cfg)
{
	char why[256];
	const char *codes = exporterd_option_string(inst, "valid_status_codes", 0);
	if (hp_status_set_parse(codes, &cfg->checks.valid_status, why, sizeof(why)) != 0)
		return exporterd_error(inst, "%s", why);
	static const char *const lists[] = {"fail_if_body_matches_regexp",
	                                    "fail_if_body_not_matches_regexp"};
	hp_regex_list *targets[] = {&cfg->checks.fail_if_matches, &cfg->checks.fail_if_not_matches};
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < exporterd_option_count(inst, lists[l]); i++) {
			const char *re = exporterd_option_string(inst, lists[l], i);
			if (hp_regex_list_add(targets[l], re ? re : "", why, sizeof(why)) != 0)
				return exporterd_error(inst, "%s #%zu: %s", lists[l], i + 1, why);
		}
	}
	cfg->checks.fail_if_ssl = exporterd_option_bool(inst, "fail_if_ssl", 0) != 0;
	cfg->checks.fail_if_not_ssl = exporterd_option_bool(inst, "fail_if_not_ssl", 0) != 0;
	if (cfg->checks.fail_if_ssl && cfg->checks.fail_if_not_ssl)
		return exporterd_error(inst, "fail_if_ssl and fail_if_not_ssl together fail every "
		                             "probe; set one of them");
	return 0;
}

int hp_config_load(exporterd_instance *inst, hp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (hp_config_load_targets(inst, cfg) != 0)
		return -1;

	cfg->method = exporterd_option_string(inst, "method", 0);
	if (!cfg->method || !hp_config_is_token(cfg->method, strlen(cfg->method)))
		return exporterd_error(inst, "method must be an HTTP method such as GET or POST");
	cfg->body = exporterd_option_string(inst, "body", 0);
	for (size_t i = 0; i < exporterd_option_count(inst, "header"); i++) {
		const char *h = exporterd_option_string(inst, "header", i);
		if (hp_config_add_header(inst, cfg, h ? h : "", i + 1) != 0)
			return -1;
	}
	if (hp_config_load_checks(inst, cfg) != 0)
		return -1;

	cfg->follow_redirects = exporterd_option_bool(inst, "follow_redirects", 0) != 0;
	cfg->tls_insecure_skip_verify =
	    exporterd_option_bool(inst, "tls_insecure_skip_verify", 0) != 0;
	cfg->ca_file = exporterd_option_string(inst, "ca_file", 0);
	const char *ip = exporterd_option_string(inst, "ip_protocol", 0);
	if (ip && strcmp(ip, "auto") == 0)
		cfg->ip_protocol = HP_IP_AUTO;
	else if (ip && strcmp(ip, "ip4") == 0)
		cfg->ip_protocol = HP_IP_4;
	else if (ip && strcmp(ip, "ip6") == 0)
		cfg->ip_protocol = HP_IP_6;
	else
		return exporterd_error(inst, "ip_protocol must be auto, ip4 or ip6, not '%s'",
		                       ip ? ip : "");

	cfg->probe_timeout = exporterd_option_duration(inst, "probe_timeout", 0);
	if (!(cfg->probe_timeout > 0))
		return exporterd_error(inst, "probe_timeout must be more than 0");
	int64_t max_body = exporterd_option_int(inst, "max_body_bytes", 0);
	if (max_body < 1 || max_body > HP_BODY_LIMIT)
		return exporterd_error(inst, "max_body_bytes must be from 1 to %d", HP_BODY_LIMIT);
	cfg->max_body_bytes = (size_t)max_body;
	int64_t conc = exporterd_option_int(inst, "max_concurrency", 0);
	if (conc < 1 || conc > HP_MAX_CONCURRENCY)
		return exporterd_error(inst, "max_concurrency must be from 1 to %d",
		                       HP_MAX_CONCURRENCY);
	cfg->max_concurrency = (size_t)conc;
	return 0;
}

void hp_config_free(hp_config *cfg)
{
	for (size_t i = 0; i < cfg->ntargets; i++) {
		free(cfg->targets[i].label);
		free(cfg->targets[i].url);
	}
	free(cfg->targets);
	/* Headers may carry credentials. */
	for (struct curl_slist *h = cfg->headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(cfg->headers);
	free(cfg->accept_encoding);
	hp_checks_free(&cfg->checks);
	memset(cfg, 0, sizeof(*cfg));
}

char *hp_config_probe_url(const char *target, char *err, size_t errlen)
{
	if (!target || !target[0]) {
		snprintf(err, errlen, "target is empty");
		return NULL;
	}
	char *url;
	if (hp_config_has_scheme(target)) {
		url = strdup(target);
	} else if (strstr(target, "://")) {
		snprintf(err, errlen, "target must be an http:// or https:// URL");
		return NULL;
	} else if (asprintf(&url, "http://%s", target) < 0) {
		url = NULL;
	}
	if (!url) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!hp_config_url_parses(url)) {
		snprintf(err, errlen, "target is not a valid URL");
		free(url);
		return NULL;
	}
	return url;
}
