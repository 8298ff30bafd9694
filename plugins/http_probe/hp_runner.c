/* http_probe runner: a libcurl multi handle with a fixed number of slots, each probing one URL. */
#include "hp_runner.h"

#include <curl/curl.h>
#include <math.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* How often a waiting run looks at exporterd_stopping(). */
#define HP_RUNNER_TICK_MS 100
/* A body buffer larger than this is released after the run rather than kept. */
#define HP_RUNNER_KEEP_BUFFER (64 * 1024)

/* One probe in flight: its easy handle and the state of the current request
 * (a probe that follows redirects makes several). */
typedef struct hp_slot {
	hp_runner *runner;
	CURL *easy;
	bool active;        /* added to the multi handle */
	hp_result *result;  /* NULL when the slot is free */
	size_t index;       /* of the URL being probed */
	double started;     /* exporterd_now() when the probe began */
	double ends;        /* when it must be over: probe_timeout or the deadline */
	int hops;           /* requests made before the current one */
	double hop_started; /* exporterd_now() when the current request began */
	char *next_url;     /* the redirect target being requested, malloc'd */
	bool as_get;        /* a redirect turned the request into a GET */
	/* The current request. */
	bool resolved;            /* its host name was looked up (set by hp_runner_record) */
	bool tls_read;            /* the TLS session was looked at */
	curl_off_t header_length; /* its Content-Length header; -1 = none */
	size_t body_bytes;
	bool too_large;
	char *body; /* kept only when the checks need it */
	size_t cap;
	char errbuf[CURL_ERROR_SIZE];
} hp_slot;

struct hp_runner {
	const hp_config *cfg;
	const hp_runner_hooks *hooks; /* of the run in progress; NULL = none */
	CURLM *multi;
	hp_slot *slots;
	size_t nslots;
	bool keep_body;
	bool curl_ready; /* curl_global_init succeeded: cleanup is owed */
};

void hp_result_reset(hp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->reason = HP_REASON_TIMEOUT;
	snprintf(r->detail, sizeof(r->detail), "not started before the deadline");
}

/* ---- Callbacks ---- */

/* Counts the body and keeps it for the regexes; refuses to read past max_body_bytes. */
static size_t hp_runner_write(char *data, size_t size, size_t nmemb, void *userp)
{
	hp_slot *s = userp;
	size_t n = size * nmemb;
	size_t max = s->runner->cfg->max_body_bytes;
	if (n > max - s->body_bytes) {
		s->too_large = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (s->runner->keep_body) {
		if (s->body_bytes + n + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			while (cap < s->body_bytes + n + 1)
				cap *= 2;
			char *grown = realloc(s->body, cap);
			if (!grown)
				return 0;
			s->body = grown;
			s->cap = cap;
		}
		memcpy(s->body + s->body_bytes, data, n);
		s->body[s->body_bytes + n] = '\0';
	}
	s->body_bytes += n;
	return n;
}

static const char *hp_runner_tls_name(int version)
{
	switch (version) {
	case TLS1_VERSION:
		return "TLS 1.0";
	case TLS1_1_VERSION:
		return "TLS 1.1";
	case TLS1_2_VERSION:
		return "TLS 1.2";
	case TLS1_3_VERSION:
		return "TLS 1.3";
	default:
		return "unknown";
	}
}

/* The TLS version and the earliest expiry of the certificates the server sent.
 * libcurl hands out its TLS session only while the connection is open, that is
 * from inside a callback. */
static void hp_runner_read_tls(hp_slot *s)
{
	const struct curl_tlssessioninfo *info = NULL;
	if (curl_easy_getinfo(s->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
	    info->backend != CURLSSLBACKEND_OPENSSL || !info->internals)
		return;
	SSL *ssl = info->internals;
	hp_result *r = s->result;
	snprintf(r->tls_version, sizeof(r->tls_version), "%s",
	         hp_runner_tls_name(SSL_version(ssl)));
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		struct tm tm;
		const ASN1_TIME *not_after = X509_get0_notAfter(sk_X509_value(chain, i));
		if (!not_after || ASN1_TIME_to_tm(not_after, &tm) != 1)
			continue;
		double expiry = (double)timegm(&tm);
		if (!r->has_cert_expiry || expiry < r->cert_expiry)
			r->cert_expiry = expiry;
		r->has_cert_expiry = true;
	}
}

/* Content-Length is read here too: when it exceeds max_body_bytes libcurl stops
 * before it would report the length itself. */
static size_t hp_runner_header(char *data, size_t size, size_t nitems, void *userp)
{
	hp_slot *s = userp;
	size_t n = size * nitems;
	if (!s->tls_read) {
		s->tls_read = true;
		hp_runner_read_tls(s);
	}
	static const char name[] = "content-length:";
	if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char value[32];
		size_t len = n - (sizeof(name) - 1);
		if (len >= sizeof(value))
			len = sizeof(value) - 1;
		memcpy(value, data + sizeof(name) - 1, len);
		value[len] = '\0';
		char *end;
		long long v = strtoll(value, &end, 10);
		if (end != value && v >= 0)
			s->header_length = (curl_off_t)v;
	}
	return n;
}

/* Notes the address family of the first connection attempt: a probe whose
 * connection fails still says whether it tried IPv4 or IPv6, as blackbox does. */
static curl_socket_t hp_runner_opensocket(void *clientp, curlsocktype purpose,
                                          struct curl_sockaddr *address)
{
	hp_slot *s = clientp;
	if (purpose == CURLSOCKTYPE_IPCXN && s->result && s->hops == 0 &&
	    s->result->ip_protocol == 0)
		s->result->ip_protocol = address->family == AF_INET6 ? 6 : 4;
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/* ---- Slots ---- */

/* Options that stay the same from probe to probe. */
static int hp_runner_setup(hp_slot *s, const hp_config *cfg)
{
	CURL *e = s->easy;
	CURLcode rc = CURLE_OK;
#define HP_SET(opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	HP_SET(CURLOPT_PRIVATE, (void *)s);
	HP_SET(CURLOPT_WRITEFUNCTION, hp_runner_write);
	HP_SET(CURLOPT_WRITEDATA, (void *)s);
	HP_SET(CURLOPT_HEADERFUNCTION, hp_runner_header);
	HP_SET(CURLOPT_HEADERDATA, (void *)s);
	HP_SET(CURLOPT_OPENSOCKETFUNCTION, hp_runner_opensocket);
	HP_SET(CURLOPT_OPENSOCKETDATA, (void *)s);
	HP_SET(CURLOPT_ERRORBUFFER, s->errbuf);
	HP_SET(CURLOPT_NOSIGNAL, 1L);
	/* Redirects are followed here, one request at a time, so that every hop is
	 * timed on its own as blackbox does. */
	HP_SET(CURLOPT_FOLLOWLOCATION, 0L);
	HP_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* The target itself is measured: no proxy from http_proxy and friends. */
	HP_SET(CURLOPT_PROXY, "");
	/* Every probe makes its own connection and lookup: connect, TLS and DNS
	 * are part of what it measures. */
	HP_SET(CURLOPT_FRESH_CONNECT, 1L);
	HP_SET(CURLOPT_FORBID_REUSE, 1L);
	HP_SET(CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	HP_SET(CURLOPT_USERAGENT, "exporterd-http_probe");
	HP_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body_bytes);
	if (cfg->headers)
		HP_SET(CURLOPT_HTTPHEADER, cfg->headers);
	if (cfg->accept_encoding)
		HP_SET(CURLOPT_ACCEPT_ENCODING, cfg->accept_encoding);
	HP_SET(CURLOPT_IPRESOLVE, cfg->ip_protocol == HP_IP_4   ? CURL_IPRESOLVE_V4
	                          : cfg->ip_protocol == HP_IP_6 ? CURL_IPRESOLVE_V6
	                                                        : CURL_IPRESOLVE_WHATEVER);
	HP_SET(CURLOPT_SSL_VERIFYPEER, cfg->tls_insecure_skip_verify ? 0L : 1L);
	HP_SET(CURLOPT_SSL_VERIFYHOST, cfg->tls_insecure_skip_verify ? 0L : 2L);
	if (cfg->ca_file)
		HP_SET(CURLOPT_CAINFO, cfg->ca_file);
#undef HP_SET
	return rc == CURLE_OK ? 0 : -1;
}

/* The method and body of the next request. */
static void hp_runner_set_method(hp_slot *s)
{
	const hp_config *cfg = s->runner->cfg;
	CURL *e = s->easy;
	/* Back to a plain GET first: the handle still holds the previous probe's method. */
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	if (s->as_get || strcmp(cfg->method, "GET") == 0)
		return;
	if (strcmp(cfg->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		return;
	}
	if (cfg->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(cfg->body));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, cfg->body);
	}
	if (strcmp(cfg->method, "POST") != 0 || !cfg->body)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, cfg->method);
}

/* Starts the slot's next request on url. 0, or -1 when the probe's time is up
 * or libcurl refused (the result then says why). */
static int hp_runner_start_request(hp_slot *s, const char *url)
{
	double left = s->ends - exporterd_now();
	if (left <= 0) {
		s->result->reason = HP_REASON_TIMEOUT;
		snprintf(s->result->detail, sizeof(s->result->detail),
		         "no time left for the request");
		return -1;
	}
	long ms = (long)ceil(left * 1000);
	s->hop_started = exporterd_now();
	s->tls_read = false;
	s->header_length = -1;
	s->body_bytes = 0;
	s->too_large = false;
	s->errbuf[0] = '\0';
	s->result->has_cert_expiry = false;
	s->result->tls_version[0] = '\0';
	hp_runner_set_method(s);
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, ms);
	if (curl_multi_add_handle(s->runner->multi, s->easy) != CURLM_OK) {
		s->result->reason = HP_REASON_HTTP;
		snprintf(s->result->detail, sizeof(s->result->detail), "cannot start the request");
		return -1;
	}
	s->active = true;
	return 0;
}

static void hp_runner_detach(hp_slot *s)
{
	if (s->active) {
		curl_multi_remove_handle(s->runner->multi, s->easy);
		s->active = false;
	}
}

/* Ends the slot's probe and reports it; the slot is free afterwards. */
static void hp_runner_release(hp_slot *s, double now)
{
	hp_runner_detach(s);
	if (s->result) {
		s->result->duration = round((now - s->started) * 1e6) / 1e6;
		const hp_runner_hooks *h = s->runner->hooks;
		if (h && h->done)
			h->done(h->arg, s->index, s->result);
	}
	s->result = NULL;
	free(s->next_url);
	s->next_url = NULL;
}

/* Begins probing url into r on a free slot. */
static void hp_runner_begin(hp_slot *s, size_t index, const char *url, hp_result *r,
                            double deadline)
{
	hp_result_reset(r);
	r->reason = HP_OK;
	r->detail[0] = '\0';
	s->result = r;
	s->index = index;
	s->started = exporterd_now();
	s->ends = s->started + s->runner->cfg->probe_timeout;
	if (deadline < s->ends)
		s->ends = deadline;
	s->hops = 0;
	s->as_get = false;
	if (hp_runner_start_request(s, url) != 0)
		hp_runner_release(s, exporterd_now());
}

/* ---- Finished requests ---- */

static hp_reason hp_runner_classify(CURLcode code, bool too_large)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HP_REASON_DNS;
	case CURLE_COULDNT_CONNECT:
		return HP_REASON_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HP_REASON_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return HP_REASON_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return HP_REASON_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return too_large ? HP_REASON_TOO_LARGE : HP_REASON_HTTP;
	default:
		return HP_REASON_HTTP;
	}
}

static int64_t hp_runner_micros(CURL *e, CURLINFO info)
{
	curl_off_t us = 0;
	if (curl_easy_getinfo(e, info, &us) != CURLE_OK || us < 0)
		return 0;
	return (int64_t)us;
}

static double hp_runner_http_version(long v)
{
	switch (v) {
	case CURL_HTTP_VERSION_1_0:
		return 1.0;
	case CURL_HTTP_VERSION_1_1:
		return 1.1;
	case CURL_HTTP_VERSION_2_0:
		return 2.0;
	case CURL_HTTP_VERSION_3:
		return 3.0;
	default:
		return 0;
	}
}

static bool hp_runner_is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Records what the request that just ended tells about the answer. */
static void hp_runner_record(hp_slot *s, CURLcode code)
{
	CURL *e = s->easy;
	hp_result *r = s->result;
	const char *scheme = NULL;
	curl_easy_getinfo(e, CURLINFO_SCHEME, &scheme);
	hp_hop_times t = {
	    .namelookup = hp_runner_micros(e, CURLINFO_NAMELOOKUP_TIME_T),
	    .connect = hp_runner_micros(e, CURLINFO_CONNECT_TIME_T),
	    .appconnect = hp_runner_micros(e, CURLINFO_APPCONNECT_TIME_T),
	    .starttransfer = hp_runner_micros(e, CURLINFO_STARTTRANSFER_TIME_T),
	    .total = hp_runner_micros(e, CURLINFO_TOTAL_TIME_T),
	    .tls = scheme && strcasecmp(scheme, "https") == 0,
	    .completed = code == CURLE_OK,
	};
	hp_phases_add(r->phases, &t, s->hops == 0);
	s->resolved = t.namelookup > 0;
	if (s->hops == 0) {
		/* A failed lookup sets no timer; the request's time is the lookup's. */
		r->dns_lookup = code == CURLE_COULDNT_RESOLVE_HOST
		                    ? (int64_t)llround((exporterd_now() - s->hop_started) * 1e6)
		                    : t.namelookup;
		/* The address connected to, else the first one tried (see hp_runner_opensocket). */
		const char *ip = NULL;
		if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && ip[0])
			r->ip_protocol = strchr(ip, ':') ? 6 : 4;
	}
	long status = 0, version = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
	curl_off_t length = -1;
	curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
	if (length < 0)
		length = s->header_length;
	r->status = status;
	r->http_version = status > 0 ? hp_runner_http_version(version) : 0;
	r->content_length = status > 0 ? (double)length : 0;
	r->body_length = (double)s->body_bytes;
	r->ssl = status > 0 && t.tls;
	r->redirects = s->hops;
}

/* Follows the redirect of the answer just recorded. 1 when a new request
 * started, 0 when this answer is the last one, -1 when the probe failed. */
static int hp_runner_follow(hp_slot *s, long status)
{
	const hp_config *cfg = s->runner->cfg;
	char *location = NULL;
	if (!cfg->follow_redirects || !hp_runner_is_redirect(status) ||
	    curl_easy_getinfo(s->easy, CURLINFO_REDIRECT_URL, &location) != CURLE_OK || !location)
		return 0;
	hp_result *r = s->result;
	if (s->hops >= HP_MAX_REDIRECTS) {
		r->reason = HP_REASON_HTTP;
		snprintf(r->detail, sizeof(r->detail), "stopped after %d redirects",
		         HP_MAX_REDIRECTS);
		return -1;
	}
	char *next = strdup(location);
	if (!next) {
		r->reason = HP_REASON_HTTP;
		snprintf(r->detail, sizeof(r->detail), "out of memory");
		return -1;
	}
	free(s->next_url);
	s->next_url = next;
	/* As browsers and Go do: 303 asks for a GET, and so do 301 and 302 after a POST. */
	if (strcmp(cfg->method, "HEAD") != 0 &&
	    (status == 303 ||
	     ((status == 301 || status == 302) && strcmp(cfg->method, "POST") == 0)))
		s->as_get = true;
	s->hops++;
	r->redirects = s->hops;
	hp_runner_detach(s);
	return hp_runner_start_request(s, s->next_url) == 0 ? 1 : -1;
}

/* A request of the slot ended with code: the verdict, or the next redirect. */
static void hp_runner_finish_request(hp_slot *s, CURLcode code, double now)
{
	hp_result *r = s->result;
	hp_runner_record(s, code);
	if (code != CURLE_OK) {
		r->reason = hp_runner_classify(code, s->too_large);
		if (r->reason == HP_REASON_TIMEOUT && !s->resolved) {
			/* Where no DNS server answers, lookups time out rather than fail. */
			r->reason = HP_REASON_DNS;
			snprintf(r->detail, sizeof(r->detail),
			         "name lookup did not finish in time");
		} else if (r->reason == HP_REASON_TIMEOUT) {
			snprintf(r->detail, sizeof(r->detail), "no answer within %.3gs",
			         now - s->started);
		} else if (r->reason == HP_REASON_TOO_LARGE) {
			snprintf(r->detail, sizeof(r->detail),
			         "body longer than max_body_bytes (%zu)",
			         s->runner->cfg->max_body_bytes);
		} else {
			snprintf(r->detail, sizeof(r->detail), "%s",
			         s->errbuf[0] ? s->errbuf : curl_easy_strerror(code));
		}
		hp_runner_release(s, now);
		return;
	}
	int followed = hp_runner_follow(s, r->status);
	if (followed == 1)
		return;
	if (followed == 0) {
		const char *body = s->body && s->body_bytes ? s->body : "";
		r->reason = hp_checks_verdict(&s->runner->cfg->checks, r->status, body,
		                              s->body_bytes, r->ssl, &r->regex_failed);
		if (r->reason == HP_REASON_STATUS_CODE)
			snprintf(r->detail, sizeof(r->detail), "status %ld is not a valid status",
			         r->status);
		else if (r->reason == HP_REASON_BODY_REGEX)
			snprintf(r->detail, sizeof(r->detail), "the body failed a regexp check");
		else if (r->reason == HP_REASON_SSL_POLICY)
			snprintf(r->detail, sizeof(r->detail), "the answer came %s TLS",
			         r->ssl ? "over" : "without");
	}
	hp_runner_release(s, now);
}

/* ---- Life cycle ---- */

hp_runner *hp_runner_new(const hp_config *cfg, size_t slots, char *err, size_t errlen)
{
	hp_runner *runner = calloc(1, sizeof(*runner));
	if (!runner) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	runner->cfg = cfg;
	runner->keep_body = hp_checks_need_body(&cfg->checks);
	/* Reference-counted by curl; thread-safe in the curl Debian ships. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto fail;
	}
	runner->curl_ready = true;
	if (slots < 1)
		slots = 1;
	runner->multi = curl_multi_init();
	runner->slots = calloc(slots, sizeof(*runner->slots));
	if (!runner->multi || !runner->slots) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	runner->nslots = slots;
	for (size_t i = 0; i < slots; i++) {
		hp_slot *s = &runner->slots[i];
		s->runner = runner;
		s->easy = curl_easy_init();
		if (!s->easy) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (hp_runner_setup(s, cfg) != 0) {
			snprintf(err, errlen, "libcurl refused an option");
			goto fail;
		}
	}
	return runner;
fail:
	hp_runner_free(runner);
	return NULL;
}

void hp_runner_free(hp_runner *runner)
{
	if (!runner)
		return;
	for (size_t i = 0; i < runner->nslots; i++) {
		hp_slot *s = &runner->slots[i];
		hp_runner_detach(s);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		free(s->next_url);
		free(s->body);
	}
	free(runner->slots);
	if (runner->multi)
		curl_multi_cleanup(runner->multi);
	if (runner->curl_ready)
		curl_global_cleanup();
	free(runner);
}

/* Hands every finished request to its slot. */
static void hp_runner_reap(hp_runner *runner)
{
	CURLMsg *msg;
	int queued;
	while ((msg = curl_multi_info_read(runner->multi, &queued))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		hp_slot *s = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (s && s->result)
			hp_runner_finish_request(s, msg->data.result, exporterd_now());
	}
}

/* Starts the next probes on the free slots while time is left. Returns true
 * while any probe is in flight. */
static bool hp_runner_fill(hp_runner *runner, exporterd_instance *inst, const char *const *urls,
                           hp_result *results, size_t n, size_t *next, double deadline)
{
	bool busy = false;
	for (size_t i = 0; i < runner->nslots; i++) {
		hp_slot *s = &runner->slots[i];
		while (!s->result && *next < n && exporterd_now() < deadline &&
		       !exporterd_stopping(inst)) {
			hp_runner_begin(s, *next, urls[*next], &results[*next], deadline);
			(*next)++;
		}
		busy = busy || s->result != NULL;
	}
	return busy;
}

void hp_runner_run(hp_runner *runner, exporterd_instance *inst, const char *const *urls,
                   hp_result *results, size_t n, double deadline, const hp_runner_hooks *hooks)
{
	for (size_t i = 0; i < n; i++)
		hp_result_reset(&results[i]);
	runner->hooks = hooks;
	size_t next = 0;
	/* Slots freed by finished probes are refilled before waiting again, so a
	 * queue never waits on the poll timeout. */
	while (hp_runner_fill(runner, inst, urls, results, n, &next, deadline)) {
		int running = 0;
		if (curl_multi_perform(runner->multi, &running) != CURLM_OK)
			break;
		hp_runner_reap(runner);
		if (!hp_runner_fill(runner, inst, urls, results, n, &next, deadline))
			break;
		double now = exporterd_now();
		if (now >= deadline || exporterd_stopping(inst))
			break;
		double wait = (deadline - now) * 1000;
		curl_multi_poll(runner->multi, NULL, 0,
		                wait < HP_RUNNER_TICK_MS ? (int)ceil(wait) : HP_RUNNER_TICK_MS,
		                NULL);
		if (hooks && hooks->tick)
			hooks->tick(hooks->arg);
	}

	/* What still runs has run out of time (or the host is stopping). */
	double now = exporterd_now();
	for (size_t i = 0; i < runner->nslots; i++) {
		hp_slot *s = &runner->slots[i];
		if (s->result) {
			hp_runner_finish_request(s, CURLE_OPERATION_TIMEDOUT, now);
		}
		if (s->cap > HP_RUNNER_KEEP_BUFFER) {
			free(s->body);
			s->body = NULL;
			s->cap = 0;
		}
	}
	for (; next < n && hooks && hooks->done; next++)
		hooks->done(hooks->arg, next, &results[next]);
	runner->hooks = NULL;
}
