/* The servers_net source: every server's listing API answer fetched at once with curl multi. */
#ifndef GS_HTTP_H
#define GS_HTTP_H

#include "exporterd/plugin.h"
#include "gs_config.h"
#include "gs_result.h"

typedef struct gs_http gs_http;

/* Prepares one transfer per server of cfg (which must outlive the source).
 * Returns NULL after exporterd_error(). Free with gs_http_free(). */
gs_http *gs_http_new(exporterd_instance *inst, const gs_config *cfg);
void gs_http_free(gs_http *src);

/* Polls every server that has a key, all at once, until each has answered,
 * failed, or `deadline` (exporterd_now() clock) passed. results holds one reset
 * entry per server; those of servers without a key are left as they are. When
 * the host is stopping, returns at once with the unfinished ones GS_ABORTED. */
void gs_http_poll(gs_http *src, exporterd_instance *inst, gs_result *results, double deadline,
                  const gs_progress *progress);

#endif
