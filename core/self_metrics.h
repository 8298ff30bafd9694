/* The host's own metrics (exporterd_*): build info, per-collector status, reload status. */
#ifndef EXPORTERD_SELF_METRICS_H
#define EXPORTERD_SELF_METRICS_H

#include "host.h"
#include "publish_board.h"

#include <stdbool.h>

/* Collector name under which the host's families are published on the board. */
#define SELF_METRICS_COLLECTOR "exporterd"

typedef struct self_metrics self_metrics;

/* Creates the families and publishes them once. NULL on failure (message in err). */
self_metrics *self_metrics_new(publish_board *board, char *err, size_t errlen);
void self_metrics_free(self_metrics *self);

/* Sets exporterd_collector_* for st->name from a finished (or overrun) collect
 * and republishes. Thread-safe. */
void self_metrics_collector_update(self_metrics *self, const instance_status *st);
/* Drops the series of a collector that is no longer configured. Thread-safe. */
void self_metrics_collector_remove(self_metrics *self, const char *collector);
/* Records the outcome of a (re)load; `when` is unix seconds. Thread-safe. */
void self_metrics_reload(self_metrics *self, bool success, double when);

#endif
