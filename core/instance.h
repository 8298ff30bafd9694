/* A configured instance of a plugin: options, metric store, status; behind exporterd_instance. */
#ifndef EXPORTERD_INSTANCE_H
#define EXPORTERD_INSTANCE_H

#include "exporterd/plugin.h"
#include "metric_store.h"

/* The instance's metric store (never NULL for a live instance). */
metric_store *instance_metric_store(exporterd_instance *inst);

#endif
