/* The running exporter: settings, the current set of instances, the publish board. */
#ifndef EXPORTERD_HOST_H
#define EXPORTERD_HOST_H

#include "config.h"
#include "exposition.h"
#include "publish_board.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct host host;

/* What the landing page shows of one instance. */
typedef struct instance_status {
	char name[128];
	char plugin[64];
	double interval;          /* seconds; 0 = on scrape */
	double timeout;           /* seconds */
	bool collected;           /* at least one collect finished (success or not) */
	bool success;             /* last collect succeeded */
	bool running;             /* a collect is in flight */
	double last_collect_time; /* unix seconds of the last finished collect, 0 if none */
	double last_duration;     /* seconds */
	double last_success_time; /* unix seconds, 0 if none */
	char last_error[256];     /* "" when the last collect succeeded */
} instance_status;

/* Copies the status of every enabled instance of the current set into a
 * malloc'd array (caller frees). Returns the count. */
size_t host_statuses(host *h, instance_status **out);

/* True once every enabled instance has finished its first collect. */
bool host_ready(host *h);

/* The board every scrape reads. */
publish_board *host_board(host *h);

/* Settings of the running configuration (listen, metrics_path, scrape_timeout). */
const exporter_settings *host_settings(host *h);

/* Runs the collect-on-scrape instances (interval = 0) that the filter selects
 * and waits until they publish or until `deadline` (exporterd_now() clock).
 * Concurrent callers share one in-flight collect per instance. Instances still
 * running at the deadline are reported failed with a timeout; the scrape then
 * serves their last published data. Also marks interval instances whose collect
 * overran its own deadline. */
void host_collect_on_scrape(host *h, double deadline, const scrape_filter *filter);

#endif
