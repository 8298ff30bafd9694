/* A configured instance of a plugin: options, metric store, collect status; behind
 * exporterd_instance. */
#ifndef EXPORTERD_INSTANCE_H
#define EXPORTERD_INSTANCE_H

#include "exporterd/plugin.h"
#include "host.h"
#include "loader.h"
#include "metric_store.h"
#include "options.h"
#include "publish_board.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct exporterd_instance {
	char *name;   /* "plugin" or "plugin:instance" */
	char *plugin; /* "plugin" */
	loaded_plugin loaded;
	bound_options options;
	host_keys keys;
	double interval; /* seconds; 0 = collect on scrape */
	double timeout;  /* seconds: deadline of one collect */
	metric_store *store;
	void *data;           /* the plugin's, see exporterd_set_data */
	bool initialized;     /* init succeeded: shutdown is owed */
	char error[512];      /* last exporterd_error() text */
	double deadline;      /* exporterd_now() time the running collect must end by */
	atomic_int stopping;  /* set when the host stops this instance */
	publish_board *board; /* where exporterd_publish goes; NULL until the worker starts */

	/* Worker thread and its state, guarded by mu. */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cond;    /* worker waits for work; scrapes wait for results */
	bool stop;              /* worker should exit */
	bool exited;            /* worker has returned */
	uint64_t requested;     /* collect-on-scrape: requests made */
	uint64_t completed;     /* collect-on-scrape: requests answered by a finished collect */
	double started;         /* exporterd_now() when the running collect began */
	bool overrun_reported;  /* the running collect was already reported as timed out */
	instance_status status; /* what the landing page and self-metrics show */
};

/* Creates an instance for one config section: loads the plugin from plugin_dir,
 * binds the options, creates the store. Does not call init. On error returns
 * NULL with "path:line: ..." or the loader's message in err. */
exporterd_instance *instance_new(const config *cfg, const config_section *sec, family_registry *reg,
                                 char *err, size_t errlen);
/* Calls the plugin's init; on failure err names the section and the plugin's message. */
int instance_init(exporterd_instance *inst, char *err, size_t errlen);
/* Calls shutdown when init succeeded, frees the store, closes the plugin, frees inst. */
void instance_free(exporterd_instance *inst);

/* The instance's metric store (never NULL for a live instance). */
metric_store *instance_metric_store(exporterd_instance *inst);

#endif
