/* http_probe probe_* families: created in init (or per /probe request), set from probe results. */
#include "hp_metrics.h"

#include <stddef.h>

int hp_metrics_init(hp_metrics *m, exporterd_instance *inst, const hp_config *cfg, bool per_target)
{
	const char *t = per_target ? "target" : "";
	m->per_target = per_target;
	m->success = exporterd_gauge_new(inst, "probe_success",
	                                 "Displays whether or not the probe was a success", t);
	m->duration =
	    exporterd_gauge_new(inst, "probe_duration_seconds",
	                        "Returns how long the probe took to complete in seconds", t);
	m->status_code = exporterd_gauge_new(inst, "probe_http_status_code",
	                                     "Response HTTP status code (0 without a response)", t);
	m->phase_duration =
	    exporterd_gauge_new(inst, "probe_http_duration_seconds",
	                        "Duration of http request by phase, summed over all redirects",
	                        per_target ? "target,phase" : "phase");
	m->content_length = exporterd_gauge_new(inst, "probe_http_content_length",
	                                        "Length of http content response", t);
	m->body_length = exporterd_gauge_new(inst, "probe_http_uncompressed_body_length",
	                                     "Length of uncompressed response body", t);
	m->redirects =
	    exporterd_gauge_new(inst, "probe_http_redirects", "The number of redirects", t);
	m->ssl = exporterd_gauge_new(inst, "probe_http_ssl",
	                             "Indicates if SSL was used for the final redirect", t);
	m->http_version = exporterd_gauge_new(
	    inst, "probe_http_version", "Returns the version of HTTP of the probe response", t);
	m->failed_due_to_regex = exporterd_gauge_new(inst, "probe_failed_due_to_regex",
	                                             "Indicates if probe failed due to regex", t);
	m->cert_expiry = exporterd_gauge_new(inst, "probe_ssl_earliest_cert_expiry",
	                                     "Returns earliest SSL cert expiry in unixtime", t);
	m->tls_version = exporterd_info_new(inst, "probe_tls_version",
	                                    "Returns the TLS version used", t, "version");
	m->ip_protocol = exporterd_gauge_new(
	    inst, "probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6", t);
	m->dns_lookup =
	    exporterd_gauge_new(inst, "probe_dns_lookup_time_seconds",
	                        "Returns the time taken for probe dns lookup in seconds", t);
	m->failure = exporterd_info_new(inst, "probe_failure",
	                                "Why the probe failed (present only for a failed probe)", t,
	                                "reason");
	exporterd_family *all[] = {m->success,        m->duration,
	                           m->status_code,    m->phase_duration,
	                           m->content_length, m->body_length,
	                           m->redirects,      m->ssl,
	                           m->http_version,   m->failed_due_to_regex,
	                           m->cert_expiry,    m->tls_version,
	                           m->ip_protocol,    m->dns_lookup,
	                           m->failure};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!all[i])
			return -1; /* the host has the reason */
	}
	if (!per_target)
		return 0;

	m->checks = exporterd_counter_new(inst, "probe_checks", "Probes made of the target", t);
	m->check_failures = exporterd_counter_new(inst, "probe_check_failures",
	                                          "Probes of the target that failed", t);
	if (!m->checks || !m->check_failures)
		return -1;
	/* Every counter starts at 0, so rate() and increase() see the first probe. */
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const char *v[] = {cfg->targets[i].label};
		if (!exporterd_child_get(m->checks, v) ||
		    !exporterd_child_get(m->check_failures, v))
			return exporterd_error(inst, "out of memory");
	}
	return 0;
}

static void hp_metrics_set(exporterd_family *fam, const char *target, double value)
{
	const char *v[] = {target};
	exporterd_child *c = exporterd_child_get(fam, v);
	if (c)
		exporterd_gauge_set(c, value);
}

void hp_metrics_update(hp_metrics *m, const char *target, const hp_result *r)
{
	const char *v[] = {target};
	bool ok = r->reason == HP_OK;
	hp_metrics_set(m->success, target, ok ? 1 : 0);
	hp_metrics_set(m->duration, target, r->duration);
	hp_metrics_set(m->status_code, target, (double)r->status);
	for (int p = 0; p < HP_PHASE_COUNT; p++) {
		const char *tv[] = {target, hp_phase_name((hp_phase)p)};
		exporterd_child *c =
		    exporterd_child_get(m->phase_duration, m->per_target ? tv : tv + 1);
		if (c)
			exporterd_gauge_set(c, (double)r->phases[p] / 1e6);
	}
	hp_metrics_set(m->content_length, target, r->content_length);
	hp_metrics_set(m->body_length, target, r->body_length);
	hp_metrics_set(m->redirects, target, r->redirects);
	hp_metrics_set(m->ssl, target, r->ssl ? 1 : 0);
	hp_metrics_set(m->http_version, target, r->http_version);
	hp_metrics_set(m->failed_due_to_regex, target, r->regex_failed ? 1 : 0);
	hp_metrics_set(m->ip_protocol, target, r->ip_protocol);
	hp_metrics_set(m->dns_lookup, target, (double)r->dns_lookup / 1e6);

	/* The TLS series exist only for an answer that came over TLS. */
	if (r->ssl && r->has_cert_expiry)
		hp_metrics_set(m->cert_expiry, target, r->cert_expiry);
	else
		exporterd_child_remove(m->cert_expiry, v);
	exporterd_child *c;
	if (r->ssl && r->tls_version[0] && (c = exporterd_child_get(m->tls_version, v))) {
		const char *version[] = {r->tls_version};
		exporterd_info_set(c, version);
	} else {
		exporterd_child_remove(m->tls_version, v);
	}

	if (!ok && (c = exporterd_child_get(m->failure, v))) {
		const char *reason[] = {hp_reason_name(r->reason)};
		exporterd_info_set(c, reason);
	} else if (ok) {
		exporterd_child_remove(m->failure, v);
	}

	if (!m->per_target)
		return;
	if ((c = exporterd_child_get(m->checks, v)))
		exporterd_counter_inc(c, 1);
	if (!ok && (c = exporterd_child_get(m->check_failures, v)))
		exporterd_counter_inc(c, 1);
}
