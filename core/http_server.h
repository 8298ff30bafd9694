/* The HTTP endpoints (libmicrohttpd): metrics, landing page, health and readiness. */
#ifndef EXPORTERD_HTTP_SERVER_H
#define EXPORTERD_HTTP_SERVER_H

#include "host.h"

#include <stddef.h>

typedef struct http_server http_server;

/* Binds `listen` ("host:port", "[v6]:port", ":port"; port 0 picks a free one)
 * and starts serving h. NULL with a message in err on failure. */
http_server *http_server_start(host *h, const char *listen, char *err, size_t errlen);
/* The bound port (useful with port 0). */
unsigned http_server_port(const http_server *srv);
/* Stops accepting, lets in-flight responses finish (bounded), frees. */
void http_server_stop(http_server *srv);

#endif
