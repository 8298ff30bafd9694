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

struct exporterd_instance;

/* The enabled instance called `name` in the current set, or NULL. While the
 * caller holds *set_ref the instance stays valid (its set is not freed, even
 * when a reload replaces it); release it with host_release_instance. */
struct exporterd_instance *host_acquire_instance(host *h, const char *name, void **set_ref);
void host_release_instance(void *set_ref);

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

/* ---- Life cycle (used by main) ---- */

/* An empty host: its board and its own metrics. NULL with a message on failure. */
host *host_new(char *err, size_t errlen);

/* How host_load runs the instances. */
typedef enum host_mode {
	HOST_SERVE, /* start every worker on its interval */
	HOST_ONCE,  /* start workers in collect-on-request mode (for --once) */
	HOST_CHECK, /* load and init only, start nothing (for --check) */
} host_mode;

/* Takes ownership of cfg (the host keeps the [exporter] settings from this
 * first load), loads and inits every enabled instance, starts them per mode.
 * On error returns -1 with the message in err; nothing is left running. */
int host_load(host *h, config *cfg, host_mode mode, char *err, size_t errlen);

/* Re-reads path and swaps in its instances only if every one loads and inits;
 * otherwise the running set keeps serving. Records the outcome in
 * exporterd_config_last_reload_*. 0 or -1 with a message. */
int host_reload(host *h, const char *path, char *err, size_t errlen);

/* Reports collects running past their timeout (called periodically). */
void host_check_overruns(host *h);

/* Writes one line per configured instance (enabled or not) as --check prints
 * it, each ending in '\n', into a malloc'd string (caller frees). */
char *host_describe(host *h);

/* True when every enabled instance's last collect succeeded. */
bool host_all_succeeded(host *h);

/* Wakes everything that waits on a collect; workers stop after their current one. */
void host_signal_stop(host *h);
/* Waits for the workers until `deadline` (exporterd_now clock), then calls each
 * stopped plugin's shutdown. A plugin whose collect is still running is left
 * alone (logged). */
void host_stop(host *h, double deadline);
void host_free(host *h);

#endif
