/* The gameserver metric families and how one poll result updates them. */
#ifndef GS_METRICS_H
#define GS_METRICS_H

#include "exporterd/plugin.h"
#include "gs_config.h"
#include "gs_result.h"

typedef struct gs_metrics {
	exporterd_family *up;
	exporterd_family *status;
	exporterd_family *players;
	exporterd_family *max_players;
	exporterd_family *bots;
	exporterd_family *info;
	exporterd_family *rank;
	exporterd_family *votes;
	exporterd_family *score;
	exporterd_family *uptime_ratio;
	exporterd_family *poll_duration;
	exporterd_family *last_success;
	exporterd_family *poll_errors;
} gs_metrics;

/* Creates the families (owned by the host) and the error counters of every
 * server at 0. Returns 0, or -1 after the host's exporterd_error(). */
int gs_metrics_init(gs_metrics *m, exporterd_instance *inst, const gs_config *cfg);

/* Applies one server's result. wall_now is the Unix time of the poll's end. A
 * failed or skipped poll leaves no number of that server behind except up,
 * status, the error counters, the poll durations and the last success time. */
void gs_metrics_update(gs_metrics *m, const gs_server *srv, const gs_result *r, double wall_now);

#endif
