/* servers_net polling: one curl easy handle per server, driven together by one multi handle. */
#include "gs_http.h"

#include "gs_json.h"

#include <curl/curl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How often a waiting poll looks at exporterd_stopping(). */
#define GS_HTTP_TICK_MS 50
/* A body buffer larger than this is released after the poll rather than kept. */
#define GS_HTTP_KEEP_BUFFER (64 * 1024)

typedef struct gs_http_transfer {
	CURL *easy;
	const gs_server *server;
	char *url;     /* holds the key: wiped before it is freed */
	char *escaped; /* the key as it appears in the URL, for scrubbing messages */
	char *body;
	size_t len;
	size_t cap;
	size_t max;
	bool too_large;
	bool active; /* added to the multi handle */
	double started;
	gs_result *result; /* during a poll */
	char errbuf[CURL_ERROR_SIZE];
} gs_http_transfer;

struct gs_http {
	CURLM *multi;
	gs_http_transfer *transfers;
	size_t n;
	bool curl_ready; /* curl_global_init succeeded: cleanup is owed */
};

/* Collects the body, refusing to read past max_body_bytes. */
static size_t gs_http_write(char *data, size_t size, size_t nmemb, void *userp)
{
	gs_http_transfer *t = userp;
	size_t n = size * nmemb;
	if (n > t->max - t->len) {
		t->too_large = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		if (cap > t->max + 1)
			cap = t->max + 1;
		char *body = realloc(t->body, cap);
		if (!body)
			return 0;
		t->body = body;
		t->cap = cap;
	}
	memcpy(t->body + t->len, data, n);
	t->len += n;
	t->body[t->len] = '\0';
	return n;
}

static void gs_http_transfer_free(gs_http_transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	if (t->url)
		explicit_bzero(t->url, strlen(t->url));
	if (t->escaped)
		explicit_bzero(t->escaped, strlen(t->escaped));
	free(t->url);
	free(t->escaped);
	free(t->body);
}

/* Options that stay the same from poll to poll. */
static int gs_http_setup(gs_http_transfer *t, const gs_config *cfg)
{
	CURL *e = t->easy;
	CURLcode rc = CURLE_OK;
#define GS_SET(opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	GS_SET(CURLOPT_URL, t->url);
	GS_SET(CURLOPT_PRIVATE, (void *)t);
	GS_SET(CURLOPT_WRITEFUNCTION, gs_http_write);
	GS_SET(CURLOPT_WRITEDATA, (void *)t);
	GS_SET(CURLOPT_ERRORBUFFER, t->errbuf);
	GS_SET(CURLOPT_NOSIGNAL, 1L);
	GS_SET(CURLOPT_FOLLOWLOCATION, 1L);
	GS_SET(CURLOPT_MAXREDIRS, 3L);
	GS_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	GS_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	GS_SET(CURLOPT_ACCEPT_ENCODING, "");
	GS_SET(CURLOPT_USERAGENT, "exporterd-gameserver");
	GS_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body_bytes);
#undef GS_SET
	return rc == CURLE_OK ? 0 : -1;
}

gs_http *gs_http_new(exporterd_instance *inst, const gs_config *cfg)
{
	gs_http *src = calloc(1, sizeof(*src));
	if (!src) {
		exporterd_error(inst, "out of memory");
		return NULL;
	}
	/* Reference-counted by curl; thread-safe in the curl Debian ships. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		exporterd_error(inst, "cannot initialise libcurl");
		goto fail;
	}
	src->curl_ready = true;
	src->multi = curl_multi_init();
	src->transfers = calloc(cfg->nservers, sizeof(*src->transfers));
	if (!src->multi || !src->transfers) {
		exporterd_error(inst, "out of memory");
		goto fail;
	}
	src->n = cfg->nservers;
	for (size_t i = 0; i < cfg->nservers; i++) {
		gs_http_transfer *t = &src->transfers[i];
		t->server = &cfg->servers[i];
		t->max = cfg->max_body_bytes;
		t->easy = curl_easy_init();
		t->url = gs_config_server_url(cfg, t->server);
		t->escaped = curl_easy_escape(NULL, t->server->key ? t->server->key : "", 0);
		if (!t->easy || !t->url || !t->escaped) {
			exporterd_error(inst, "out of memory");
			goto fail;
		}
		if (gs_http_setup(t, cfg) != 0) {
			exporterd_error(inst, "server %s: libcurl refused an option",
			                t->server->label);
			goto fail;
		}
	}
	return src;
fail:
	gs_http_free(src);
	return NULL;
}

void gs_http_free(gs_http *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n; i++) {
		if (src->transfers[i].active)
			curl_multi_remove_handle(src->multi, src->transfers[i].easy);
		gs_http_transfer_free(&src->transfers[i]);
	}
	free(src->transfers);
	if (src->multi)
		curl_multi_cleanup(src->multi);
	if (src->curl_ready)
		curl_global_cleanup();
	free(src);
}

/* The reason behind a failed transfer. */
static gs_outcome gs_http_classify(const gs_http_transfer *t, CURLcode code)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return GS_ERR_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return GS_ERR_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return t->too_large ? GS_ERR_TOO_LARGE : GS_ERR_CONNECT;
	case CURLE_TOO_MANY_REDIRECTS:
		return GS_ERR_HTTP_STATUS;
	case CURLE_BAD_CONTENT_ENCODING:
		return GS_ERR_PARSE;
	default:
		/* Resolution, connection, TLS and transport failures. */
		return GS_ERR_CONNECT;
	}
}

/* Turns a finished transfer into its result. */
static void gs_http_finish(gs_http_transfer *t, CURLcode code, double now)
{
	gs_result *r = t->result;
	r->duration = now - t->started;
	r->final = 1;
	if (code != CURLE_OK) {
		gs_outcome o = gs_http_classify(t, code);
		if (o == GS_ERR_TOO_LARGE)
			gs_result_fail(r, o, "answer longer than max_body_bytes (%zu)", t->max);
		else if (o == GS_ERR_TIMEOUT)
			gs_result_fail(r, o, "no answer within %.3gs", r->duration);
		else
			gs_result_fail(r, o, "%s",
			               t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
	} else {
		long status = 0;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			gs_result_fail(r, GS_ERR_HTTP_STATUS, "HTTP status %ld", status);
		else
			gs_json_parse_listing(t->body ? t->body : "", t->len, r);
	}
	/* curl's messages and the API's own may quote the URL or the key. */
	gs_text_scrub(r->detail, sizeof(r->detail), t->url);
	gs_text_scrub(r->detail, sizeof(r->detail), t->escaped);
	gs_text_scrub(r->detail, sizeof(r->detail), t->server->key);
}

static void gs_http_detach(gs_http *src, gs_http_transfer *t)
{
	if (t->active) {
		curl_multi_remove_handle(src->multi, t->easy);
		t->active = false;
	}
	t->result = NULL;
}

void gs_http_poll(gs_http *src, exporterd_instance *inst, gs_result *results, double deadline,
                  const gs_progress *progress)
{
	double now = exporterd_now();
	double left = deadline - now;
	long timeout_ms = left > 0 ? (long)ceil(left * 1000) : 1;
	for (size_t i = 0; i < src->n; i++) {
		gs_http_transfer *t = &src->transfers[i];
		if (!t->server->key || !t->server->key[0])
			continue;
		t->len = 0;
		t->too_large = false;
		t->errbuf[0] = '\0';
		t->result = &results[i];
		t->started = now;
		results[i].outcome = GS_ERR_TIMEOUT; /* until it finishes */
		curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		if (curl_multi_add_handle(src->multi, t->easy) != CURLM_OK) {
			gs_result_fail(&results[i], GS_ERR_CONNECT, "cannot start the request");
			t->result = NULL;
			continue;
		}
		t->active = true;
	}

	int running = 1;
	while (running > 0) {
		if (curl_multi_perform(src->multi, &running) != CURLM_OK)
			break;
		CURLMsg *msg;
		int queued;
		bool finished = false;
		while ((msg = curl_multi_info_read(src->multi, &queued))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			gs_http_transfer *t = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			if (!t || !t->result)
				continue;
			gs_http_finish(t, msg->data.result, exporterd_now());
			gs_http_detach(src, t);
			finished = true;
		}
		if (finished && progress)
			progress->report(progress->ctx);
		if (running == 0)
			break;
		now = exporterd_now();
		if (exporterd_stopping(inst) || now >= deadline)
			break;
		double wait = deadline - now;
		int wait_ms =
		    wait * 1000 < GS_HTTP_TICK_MS ? (int)ceil(wait * 1000) : GS_HTTP_TICK_MS;
		curl_multi_poll(src->multi, NULL, 0, wait_ms, NULL);
	}

	/* Whatever is still running has run out of time, or the host is stopping. */
	bool stopping = exporterd_stopping(inst) != 0;
	now = exporterd_now();
	for (size_t i = 0; i < src->n; i++) {
		gs_http_transfer *t = &src->transfers[i];
		if (!t->result)
			continue;
		t->result->duration = now - t->started;
		if (stopping)
			gs_result_fail(t->result, GS_ABORTED, "stopping");
		else
			gs_result_fail(t->result, GS_ERR_TIMEOUT, "no answer within %.3gs",
			               t->result->duration);
		gs_http_detach(src, t);
	}
	for (size_t i = 0; i < src->n; i++) {
		gs_http_transfer *t = &src->transfers[i];
		if (t->cap > GS_HTTP_KEEP_BUFFER) {
			free(t->body);
			t->body = NULL;
			t->cap = 0;
		}
	}
}
