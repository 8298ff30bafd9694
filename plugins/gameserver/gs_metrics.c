/* gameserver_* families: created in init, updated from poll results in collect. */
#include "gs_metrics.h"

#include <math.h>

/* Poll durations: from a fast local answer to a listing API at its timeout. */
static const double gs_metrics_buckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

int gs_metrics_init(gs_metrics *m, exporterd_instance *inst, const gs_config *cfg)
{
	m->up = exporterd_gauge_new(inst, "gameserver_up",
	                            "1 if the last poll of the server got a valid answer, else 0",
	                            "server");
	m->status = exporterd_enum_new(inst, "gameserver_status",
	                               "State of the server seen by the last poll", "server",
	                               "online,offline,unreachable");
	m->players = exporterd_gauge_new(inst, "gameserver_players", "Players online", "server");
	m->max_players = exporterd_gauge_new(inst, "gameserver_max_players",
	                                     "Player slots of the server", "server");
	m->bots =
	    exporterd_gauge_new(inst, "gameserver_bots", "Bots on the server (a2s)", "server");
	m->info = exporterd_info_new(inst, "gameserver",
	                             "Name, map, version and game the server announces", "server",
	                             "name,map,version,game");
	m->rank =
	    exporterd_gauge_new(inst, "gameserver_rank",
	                        "Rank of the server on the listing site (servers_net)", "server");
	m->votes =
	    exporterd_gauge_new(inst, "gameserver_votes",
	                        "Votes of the server on the listing site (servers_net)", "server");
	m->score =
	    exporterd_gauge_new(inst, "gameserver_score",
	                        "Score of the server on the listing site (servers_net)", "server");
	m->uptime_ratio =
	    exporterd_gauge_new(inst, "gameserver_uptime_ratio",
	                        "Uptime the listing site measured, 0 to 1 (servers_net)", "server");
	m->poll_duration = exporterd_histogram_new(
	    inst, "gameserver_poll_duration_seconds", "Time one poll of the server took", "server",
	    gs_metrics_buckets, sizeof(gs_metrics_buckets) / sizeof(gs_metrics_buckets[0]));
	m->last_success =
	    exporterd_gauge_new(inst, "gameserver_last_success_timestamp_seconds",
	                        "Unix time of the server's last valid answer", "server");
	m->poll_errors = exporterd_counter_new(inst, "gameserver_poll_errors",
	                                       "Failed polls by reason", "server,reason");
	exporterd_family *all[] = {m->up,           m->status,        m->players,
	                           m->max_players,  m->bots,          m->info,
	                           m->rank,         m->votes,         m->score,
	                           m->uptime_ratio, m->poll_duration, m->last_success,
	                           m->poll_errors};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!all[i])
			return -1; /* the host has the reason */
	}

	/* Every reason starts at 0, so rate() and increase() see the first error. */
	for (size_t i = 0; i < cfg->nservers; i++) {
		for (int o = GS_FIRST_ERROR; o <= GS_LAST_ERROR; o++) {
			exporterd_child *c =
			    exporterd_child_with(m->poll_errors, cfg->servers[i].label,
			                         gs_outcome_reason((gs_outcome)o));
			if (!c)
				return exporterd_error(inst, "out of memory");
		}
	}
	return 0;
}

/* Sets the gauge of this server, or drops it when the answer had no value. */
static void gs_metrics_set_or_drop(exporterd_family *fam, const char *label, double value)
{
	const char *values[] = {label};
	if (isnan(value)) {
		exporterd_child_remove(fam, values);
		return;
	}
	exporterd_child *c = exporterd_child_get(fam, values);
	if (c)
		exporterd_gauge_set(c, value);
}

void gs_metrics_update(gs_metrics *m, const gs_server *srv, const gs_result *r, double wall_now)
{
	if (r->outcome == GS_ABORTED)
		return;
	const char *label = srv->label;
	const char *values[] = {label};
	int ok = r->outcome == GS_OK;

	exporterd_child *c = exporterd_child_get(m->up, values);
	if (c)
		exporterd_gauge_set(c, ok ? 1 : 0);
	c = exporterd_child_get(m->status, values);
	if (c)
		exporterd_enum_set(c, !ok ? "unreachable" : r->online ? "online" : "offline");

	/* Without a valid answer every number is unknown: drop it rather than serve
	 * the previous poll's value as if it were current. */
	gs_metrics_set_or_drop(m->players, label, ok ? r->players : NAN);
	gs_metrics_set_or_drop(m->max_players, label, ok ? r->max_players : NAN);
	gs_metrics_set_or_drop(m->bots, label, ok ? r->bots : NAN);
	gs_metrics_set_or_drop(m->rank, label, ok ? r->rank : NAN);
	gs_metrics_set_or_drop(m->votes, label, ok ? r->votes : NAN);
	gs_metrics_set_or_drop(m->score, label, ok ? r->score : NAN);
	gs_metrics_set_or_drop(m->uptime_ratio, label, ok ? r->uptime_ratio : NAN);
	if (ok) {
		const char *info[] = {r->name, r->map, r->version, r->game};
		c = exporterd_child_get(m->info, values);
		if (c)
			exporterd_info_set(c, info);
		c = exporterd_child_get(m->last_success, values);
		if (c)
			exporterd_gauge_set(c, wall_now);
	} else {
		exporterd_child_remove(m->info, values);
	}

	if (r->outcome != GS_NOT_POLLED) {
		c = exporterd_child_get(m->poll_duration, values);
		if (c)
			exporterd_histogram_observe(c, r->duration);
	}
	const char *reason = gs_outcome_reason(r->outcome);
	if (reason) {
		c = exporterd_child_with(m->poll_errors, label, reason);
		if (c)
			exporterd_counter_inc(c, 1);
	}
}
