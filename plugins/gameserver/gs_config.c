/* gameserver options: declared once, checked in init, turned into per-server settings. */
#include "gs_config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define GS_DEFAULT_URL "https://unturned-servers.net/api/?object=servers&element=detail&key={key}"
#define GS_LABEL_MAX   64
/* Beyond this an answer is not a server listing; it only guards the memory. */
#define GS_BODY_LIMIT (64 * 1024 * 1024)

const exporterd_option gs_config_options[] = {
    {"source", EXPORTERD_OPT_STRING, "servers_net",
     "where the numbers come from: servers_net (listing API) or a2s (Steam A2S_INFO over UDP)", 0},
    {"server", EXPORTERD_OPT_STRING, NULL,
     "one server: <label>:<key> for servers_net, <label>:<host>:<port> for a2s (repeatable)",
     EXPORTERD_OPT_REPEATABLE | EXPORTERD_OPT_REQUIRED | EXPORTERD_OPT_SECRET},
    {"url", EXPORTERD_OPT_STRING, GS_DEFAULT_URL,
     "servers_net API address; {key} is replaced by the server's key", 0},
    {"poll_timeout", EXPORTERD_OPT_DURATION, "10s",
     "longest wait for one server's answer; the section's timeout bounds the whole poll", 0},
    {"max_body_bytes", EXPORTERD_OPT_INT, "1048576",
     "largest servers_net answer accepted; a longer one is an error", 0},
    {NULL, 0, NULL, NULL, 0},
};

static char *gs_config_strndup_trim(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int gs_config_label_ok(const char *label)
{
	size_t n = strlen(label);
	if (n == 0 || n > GS_LABEL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)label[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

/* "<host>:<port>" or "[v6]:<port>" into srv. 0 or -1 (no message: the caller says). */
static int gs_config_split_host_port(const char *text, gs_server *srv)
{
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text)
		return -1;
	const char *host = text;
	size_t hostlen = (size_t)(colon - text);
	if (host[0] == '[') {
		if (hostlen < 3 || host[hostlen - 1] != ']')
			return -1;
		host++;
		hostlen -= 2;
	} else if (memchr(host, ':', hostlen)) {
		return -1; /* an IPv6 address needs its brackets */
	}
	const char *port = colon + 1;
	char *end;
	long p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	srv->host = gs_config_strndup_trim(host, hostlen);
	srv->port = strdup(port);
	return srv->host && srv->port && srv->host[0] ? 0 : -1;
}

/* Parses `server` value number index (1-based in messages) into srv. */
static int gs_config_parse_server(exporterd_instance *inst, gs_source source, const char *value,
                                  size_t index, gs_server *srv)
{
	const char *colon = strchr(value, ':');
	const char *want = source == GS_SOURCE_A2S ? "<label>:<host>:<port>" : "<label>:<key>";
	if (!colon)
		return exporterd_error(inst, "server #%zu: expected %s", index, want);
	srv->label = gs_config_strndup_trim(value, (size_t)(colon - value));
	if (!srv->label)
		return exporterd_error(inst, "out of memory");
	if (!gs_config_label_ok(srv->label))
		return exporterd_error(inst,
		                       "server #%zu: the label must be 1 to %d characters "
		                       "of A-Z a-z 0-9 _ . -",
		                       index, GS_LABEL_MAX);
	if (source == GS_SOURCE_A2S) {
		char *rest = gs_config_strndup_trim(colon + 1, strlen(colon + 1));
		int rc = rest ? gs_config_split_host_port(rest, srv) : -1;
		free(rest);
		if (rc != 0)
			return exporterd_error(inst,
			                       "server %s: expected %s (an IPv6 address "
			                       "in brackets, a port from 1 to 65535)",
			                       srv->label, want);
	} else {
		srv->key = gs_config_strndup_trim(colon + 1, strlen(colon + 1));
		if (!srv->key)
			return exporterd_error(inst, "out of memory");
	}
	return 0;
}

int gs_config_load(exporterd_instance *inst, gs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	const char *source = exporterd_option_string(inst, "source", 0);
	if (source && strcmp(source, "servers_net") == 0)
		cfg->source = GS_SOURCE_SERVERS_NET;
	else if (source && strcmp(source, "a2s") == 0)
		cfg->source = GS_SOURCE_A2S;
	else
		return exporterd_error(inst, "source must be servers_net or a2s, not '%s'",
		                       source ? source : "");

	cfg->url_template = exporterd_option_string(inst, "url", 0);
	if (cfg->source == GS_SOURCE_SERVERS_NET) {
		const char *url = cfg->url_template;
		if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
			return exporterd_error(inst, "url must start with http:// or https://");
		if (!strstr(url, "{key}"))
			return exporterd_error(inst, "url must contain {key}, where the key goes");
	}

	cfg->poll_timeout = exporterd_option_duration(inst, "poll_timeout", 0);
	if (!(cfg->poll_timeout > 0))
		return exporterd_error(inst, "poll_timeout must be more than 0");
	int64_t max_body = exporterd_option_int(inst, "max_body_bytes", 0);
	if (max_body < 1 || max_body > GS_BODY_LIMIT)
		return exporterd_error(inst, "max_body_bytes must be from 1 to %d", GS_BODY_LIMIT);
	cfg->max_body_bytes = (size_t)max_body;

	size_t n = exporterd_option_count(inst, "server");
	if (n == 0)
		return exporterd_error(inst, "no server configured");
	cfg->servers = calloc(n, sizeof(*cfg->servers));
	if (!cfg->servers)
		return exporterd_error(inst, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cfg->nservers = i + 1;
		const char *value = exporterd_option_string(inst, "server", i);
		if (gs_config_parse_server(inst, cfg->source, value ? value : "", i + 1,
		                           &cfg->servers[i]) != 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->servers[j].label, cfg->servers[i].label) == 0)
				return exporterd_error(inst, "server label '%s' is used twice",
				                       cfg->servers[i].label);
		}
	}
	return 0;
}

void gs_config_free(gs_config *cfg)
{
	for (size_t i = 0; i < cfg->nservers; i++) {
		gs_server *s = &cfg->servers[i];
		if (s->key)
			explicit_bzero(s->key, strlen(s->key));
		free(s->label);
		free(s->key);
		free(s->host);
		free(s->port);
	}
	free(cfg->servers);
	memset(cfg, 0, sizeof(*cfg));
}

char *gs_config_server_url(const gs_config *cfg, const gs_server *srv)
{
	char *key = curl_easy_escape(NULL, srv->key ? srv->key : "", 0);
	if (!key)
		return NULL;
	size_t keylen = strlen(key);
	const char *tpl = cfg->url_template;
	size_t n = 0;
	for (const char *p = tpl; (p = strstr(p, "{key}")); p += 5)
		n++;
	size_t len = strlen(tpl) + n * keylen + 1;
	char *url = malloc(len);
	if (url) {
		char *o = url;
		for (const char *p = tpl; *p;) {
			if (strncmp(p, "{key}", 5) == 0) {
				memcpy(o, key, keylen);
				o += keylen;
				p += 5;
			} else {
				*o++ = *p++;
			}
		}
		*o = '\0';
	}
	explicit_bzero(key, keylen);
	curl_free(key);
	return url;
}
