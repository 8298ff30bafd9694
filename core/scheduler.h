/* One worker thread per instance: interval collection, collect-on-scrape, deadlines. */
#ifndef EXPORTERD_SCHEDULER_H
#define EXPORTERD_SCHEDULER_H

#include "instance.h"
#include "publish_board.h"
#include "self_metrics.h"

#include <stdbool.h>

/* Where finished collects go. */
typedef struct scheduler_sink {
	publish_board *board;
	self_metrics *self;
} scheduler_sink;

/* Starts the instance's worker. With interval > 0 it collects at once and then
 * every interval; with interval = 0 it waits for scheduler_request. The sink
 * must outlive the worker. 0 or -1 (message in err). */
int scheduler_start(exporterd_instance *inst, const scheduler_sink *sink, char *err, size_t errlen);

/* Asks an on-scrape instance for data and returns the request number to wait
 * for: a collect already running (or already asked for) is shared. Returns 0
 * (nothing to wait for) while a collect that overran its timeout still runs. */
uint64_t scheduler_request(exporterd_instance *inst);
/* Waits until request `ticket` finished or `deadline` (exporterd_now clock)
 * passes; true when it finished. On a timeout the running collect is reported
 * failed through the sink (once). */
bool scheduler_wait(exporterd_instance *inst, uint64_t ticket, double deadline,
                    const scheduler_sink *sink);

/* Reports a collect running past its own timeout as failed (once per collect). */
void scheduler_check_overrun(exporterd_instance *inst, double now, const scheduler_sink *sink);

/* Tells the worker to stop (and the plugin, through exporterd_stopping). */
void scheduler_signal_stop(exporterd_instance *inst);
/* Waits for the worker until `deadline` (exporterd_now clock). True when it
 * exited (or never started); false when a collect is still running. */
bool scheduler_join(exporterd_instance *inst, double deadline);

/* A copy of the instance's status, taken under its lock. */
void scheduler_status(exporterd_instance *inst, instance_status *out);

#endif
