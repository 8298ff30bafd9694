/* The gameserver options: their declaration table and the checked settings of one instance. */
#ifndef GS_CONFIG_H
#define GS_CONFIG_H

#include "exporterd/plugin.h"

#include <stddef.h>

typedef enum gs_source {
	GS_SOURCE_SERVERS_NET, /* the listing API of unturned-servers.net and its siblings */
	GS_SOURCE_A2S,         /* Steam's A2S_INFO, asked of the game server itself */
} gs_source;

/* One `server =` line. */
typedef struct gs_server {
	char *label; /* the `server` label value; the only name logs may use */
	char *key;   /* servers_net: the API key, secret; "" when none is configured */
	char *host;  /* a2s: host name or address (brackets of an IPv6 address removed) */
	char *port;  /* a2s: query port, as text */
} gs_server;

typedef struct gs_config {
	gs_source source;
	const char *url_template; /* owned by the host; contains "{key}" */
	double poll_timeout;      /* seconds */
	size_t max_body_bytes;
	gs_server *servers;
	size_t nservers;
} gs_config;

/* The declared options, terminated by a NULL name. */
extern const exporterd_option gs_config_options[];

/* Reads and checks the instance's options into cfg (zeroed first). Returns 0,
 * or -1 after exporterd_error(); messages never quote a `server` value. Free
 * cfg with gs_config_free() either way. */
int gs_config_load(exporterd_instance *inst, gs_config *cfg);
/* Frees what gs_config_load allocated, wiping the keys first. */
void gs_config_free(gs_config *cfg);

/* The URL of a server: the template with every {key} replaced by the URL-escaped
 * key. Returns a malloc'd string (caller frees; it holds the key) or NULL. */
char *gs_config_server_url(const gs_config *cfg, const gs_server *srv);

#endif
