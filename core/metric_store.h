/* Metric families of one instance: the six kinds, their children and values. */
#ifndef EXPORTERD_METRIC_STORE_H
#define EXPORTERD_METRIC_STORE_H

#include "snapshot.h"

#include <stddef.h>

typedef enum metric_kind {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_SUMMARY,
	METRIC_HISTOGRAM,
	METRIC_INFO,
	METRIC_ENUM,
} metric_kind;

/* Family definitions shared by the instances of one running set: the same name
 * declared twice must have the same kind and label names (else an init error),
 * and two instances must not publish the same series of a shared family. Thread-safe. */
typedef struct family_registry family_registry;
family_registry *family_registry_new(void);
void family_registry_free(family_registry *reg);

/* All families of one instance. Mutated only by the instance's own thread
 * (init, collect) so the store itself takes no locks. */
typedef struct metric_store metric_store;

/* instance_name is copied; reg may be NULL (no cross-instance checks). */
metric_store *metric_store_new(const char *instance_name, family_registry *reg);
/* Frees every family and child and releases the names claimed in the registry. */
void metric_store_free(metric_store *store);

/* Extra parameters of some kinds; unused fields are ignored. */
typedef struct family_options {
	const double *buckets; /* histogram: NULL = defaults */
	size_t nbuckets;
	const char *info_labels; /* info: comma-separated label names */
	const char *states;      /* enum: comma-separated state names */
	int allow_reserved;      /* the host's own families may use exporterd_ and process_ */
} family_options;

/* Internal creator behind exporterd_*_new (also used for the host's own
 * metrics). Validates names; names starting with "exporterd_" or "process_" are
 * refused unless opts->allow_reserved. On error returns NULL and writes the reason to err.
 * The family is owned by the store. The public exporterd_family / exporterd_child
 * handles of plugin.h are the store's families and children. */
struct exporterd_family *metric_store_family_new(metric_store *store, metric_kind kind,
                                                 const char *name, const char *help,
                                                 const char *labels, const family_options *opts,
                                                 char *err, size_t errlen);

/* Renders every family changed since the last call into new chunks (both
 * formats), reuses the chunks of unchanged ones, and returns a new snapshot
 * holding one reference for the caller. Returns NULL and writes err when this
 * store publishes a series that another instance in the registry already
 * publishes. Call from the thread that mutates the store. */
instance_snapshot *metric_store_snapshot(metric_store *store, char *err, size_t errlen);

#endif
