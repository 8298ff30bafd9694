/* http_probe metric families (blackbox_exporter's names) and how one probe result sets them. */
#ifndef HP_METRICS_H
#define HP_METRICS_H

#include "exporterd/plugin.h"
#include "hp_config.h"
#include "hp_runner.h"

#include <stdbool.h>

typedef struct hp_metrics {
	bool per_target; /* every family carries the `target` label */
	exporterd_family *success;
	exporterd_family *duration;
	exporterd_family *status_code;
	exporterd_family *phase_duration;
	exporterd_family *content_length;
	exporterd_family *body_length;
	exporterd_family *redirects;
	exporterd_family *ssl;
	exporterd_family *http_version;
	exporterd_family *failed_due_to_regex;
	exporterd_family *cert_expiry;
	exporterd_family *tls_version;
	exporterd_family *ip_protocol;
	exporterd_family *dns_lookup;
	exporterd_family *failure;
	exporterd_family *checks;         /* per_target only */
	exporterd_family *check_failures; /* per_target only */
} hp_metrics;

/* Creates the families on inst (owned by the host). per_target: the families of
 * a configured instance, labelled by target, with the check counters of every
 * target of cfg at 0. Otherwise the unlabelled families of one /probe answer,
 * shaped as blackbox's. Returns 0, or -1 after the host's exporterd_error(). */
int hp_metrics_init(hp_metrics *m, exporterd_instance *inst, const hp_config *cfg, bool per_target);

/* Applies one probe's result; target is the label value (ignored unless per_target). */
void hp_metrics_update(hp_metrics *m, const char *target, const hp_result *r);

#endif
