/* The a2s source: A2S_INFO asked of every game server at once over non-blocking UDP. */
#ifndef GS_A2S_H
#define GS_A2S_H

#include "exporterd/plugin.h"
#include "gs_config.h"
#include "gs_result.h"

typedef struct gs_a2s gs_a2s;

/* One query state per server of cfg (which must outlive the source). Returns
 * NULL after exporterd_error(). Free with gs_a2s_free(). */
gs_a2s *gs_a2s_new(exporterd_instance *inst, const gs_config *cfg);
void gs_a2s_free(gs_a2s *src);

/* Queries every server at once (resolving host names without blocking) until
 * each has answered, failed, or `deadline` (exporterd_now() clock) passed.
 * results holds one reset entry per server. When the host is stopping, returns
 * at once with the unfinished ones GS_ABORTED. */
void gs_a2s_poll(gs_a2s *src, exporterd_instance *inst, gs_result *results, double deadline,
                 const gs_progress *progress);

#endif
