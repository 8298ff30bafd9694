/* Test-only plugin: every metric kind, options of each sort, awkward label values, removals. */
#include <exporterd/plugin.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Everything here is a pure function of the number of collects so far (n), so
 * the integration tests can predict each page:
 *   well_behaved_collects_total{site}            n
 *   well_behaved_errors_total{site}              0 (family created as "..._total")
 *   well_behaved_value{site}                     n * step
 *   well_behaved_tag{site,tag}                   1-based position of each `tag` option
 *   well_behaved_label{site,case,raw}            one child per escaping vector
 *   well_behaved_special{site,case}              0.1, 1e-07, 1e+21, -2.5, +Inf, -Inf, NaN
 *   well_behaved_ephemeral{site,slot}            slot="always"; slot="odd" only while n is odd
 *   well_behaved_latency_seconds{site}           summary: observes n / 4, quantiles 0.5 and 0.9
 *   well_behaved_size_bytes{site}                histogram, buckets 1 10 100: observes n * 7
 *   well_behaved_wait_seconds{site}              histogram, default buckets: observes 0.3
 *   well_behaved_build_info{site,version,commit} info: version="1.2.3", commit="abc\"def"
 *   well_behaved_state{site,well_behaved_state}  enum starting (n = 1), then running
 */

typedef struct well_behaved {
	const char *site;
	int64_t step;
	uint64_t collects;
	exporterd_family *collects_total;
	exporterd_family *errors_total;
	exporterd_family *value;
	exporterd_family *tag;
	exporterd_family *label;
	exporterd_family *special;
	exporterd_family *ephemeral;
	exporterd_family *latency;
	exporterd_family *size;
	exporterd_family *wait;
	exporterd_family *build;
	exporterd_family *state;
} well_behaved;

/* The escaping vectors of the exposition contract, by the name tests look them up with. */
static const struct {
	const char *name;
	const char *raw;
} well_behaved_vectors[] = {
    {"quote", "a\"b"},
    {"backslash", "C:\\DIR"},
    {"newline", "line1\nline2"},
    {"tab", "col1\tcol2"},
    {"invalid_utf8", "bad\xff"
                     "byte"},
    {"utf8", "gr\xc3\xbc\xc3\x9f"
             "e \xe2\x82\xac"},
    {"mixed", "\\\"\n\\n"},
};

static const double well_behaved_size_buckets[] = {1, 10, 100};

static const exporterd_option well_behaved_options[] = {
    {"site", EXPORTERD_OPT_STRING, "main", "value of the site label on every series", 0},
    {"step", EXPORTERD_OPT_INT, "1", "well_behaved_value grows by this much per collect", 0},
    {"tag", EXPORTERD_OPT_STRING, NULL, "adds a well_behaved_tag series; repeatable",
     EXPORTERD_OPT_REPEATABLE},
    {"api_key", EXPORTERD_OPT_STRING, NULL, "credential that must never be shown",
     EXPORTERD_OPT_SECRET},
    {"extra_gauge", EXPORTERD_OPT_STRING, NULL,
     "name of one more gauge, created at init (to test name checks)", 0},
    {"extra_labels", EXPORTERD_OPT_STRING, "", "label names of extra_gauge", 0},
    {NULL, 0, NULL, NULL, 0},
};

static int well_behaved_init(exporterd_instance *inst)
{
	well_behaved *wb = calloc(1, sizeof(*wb));
	if (!wb)
		return exporterd_error(inst, "out of memory");
	exporterd_set_data(inst, wb);
	wb->site = exporterd_option_string(inst, "site", 0);
	wb->step = exporterd_option_int(inst, "step", 0);
	if (!wb->site) {
		exporterd_set_data(inst, NULL);
		free(wb);
		return exporterd_error(inst, "option site has no value despite its default");
	}

	const char *key = exporterd_option_string(inst, "api_key", 0);
	if (key && *key)
		exporterd_log(inst, EXPORTERD_LOG_INFO, "api_key is set (%zu characters)",
		              strlen(key));

	wb->collects_total = exporterd_counter_new(inst, "well_behaved_collects",
	                                           "Collects run by this instance.", "site");
	/* Created with the suffix, which the API accepts and does not double. */
	wb->errors_total = exporterd_counter_new(inst, "well_behaved_errors_total",
	                                         "Errors seen; always 0.", "site");
	wb->value = exporterd_gauge_new(inst, "well_behaved_value",
	                                "Number of collects times the step option.", "site");
	wb->tag = exporterd_gauge_new(inst, "well_behaved_tag",
	                              "Position of each tag option, counting from 1.", "site,tag");
	wb->label = exporterd_gauge_new(
	    inst, "well_behaved_label",
	    "Label values that need escaping: \\ backslash and\nnewline in help.", "site,case,raw");
	wb->special =
	    exporterd_gauge_new(inst, "well_behaved_special",
	                        "Values whose text form is easy to get wrong.", "site,case");
	wb->ephemeral = exporterd_gauge_new(
	    inst, "well_behaved_ephemeral",
	    "The odd slot exists only after an odd number of collects.", "site,slot");
	wb->latency = exporterd_summary_new(inst, "well_behaved_latency_seconds",
	                                    "Summary observing a quarter of the collects.", "site");
	wb->size = exporterd_histogram_new(inst, "well_behaved_size_bytes",
	                                   "Histogram observing seven times the collects.", "site",
	                                   well_behaved_size_buckets, 3);
	wb->wait = exporterd_histogram_new(inst, "well_behaved_wait_seconds",
	                                   "Histogram with the default buckets.", "site", NULL, 0);
	wb->build =
	    exporterd_info_new(inst, "well_behaved_build", "Version of the plugin (\"1.2.3\").",
	                       "site", "version,commit");
	wb->state = exporterd_enum_new(inst, "well_behaved_state", "Life cycle state.", "site",
	                               "starting,running,stopped");
	const char *extra = exporterd_option_string(inst, "extra_gauge", 0);
	int extra_ok = 1;
	if (extra && *extra)
		extra_ok =
		    exporterd_gauge_new(inst, extra, "Extra gauge from the extra_gauge option.",
		                        exporterd_option_string(inst, "extra_labels", 0)) != NULL;
	if (!extra_ok || !wb->collects_total || !wb->errors_total || !wb->value || !wb->tag ||
	    !wb->label || !wb->special || !wb->ephemeral || !wb->latency || !wb->size ||
	    !wb->wait || !wb->build || !wb->state) {
		/* The failing _new call has set the error; the host frees the families. */
		exporterd_set_data(inst, NULL);
		free(wb);
		return -1;
	}
	return 0;
}

static int well_behaved_set_gauge(exporterd_family *fam, const char *const *values, double v)
{
	exporterd_child *c = exporterd_child_get(fam, values);
	if (!c)
		return -1;
	exporterd_gauge_set(c, v);
	return 0;
}

static int well_behaved_collect(exporterd_instance *inst)
{
	well_behaved *wb = exporterd_data(inst);
	const char *site = wb->site;
	wb->collects++;
	double n = (double)wb->collects;

	exporterd_child *c = exporterd_child_with(wb->collects_total, site);
	if (!c || exporterd_counter_inc(c, 1) != 0)
		return exporterd_error(inst, "counter increment refused");
	/* The API promises to refuse these without changing the value. */
	if (exporterd_counter_inc(c, -1) == 0 || exporterd_counter_inc(c, NAN) == 0)
		return exporterd_error(inst, "a negative or NaN counter increment was accepted");

	c = exporterd_child_with(wb->errors_total, site);
	if (!c || exporterd_counter_inc(c, 0) != 0)
		return exporterd_error(inst, "a zero counter increment was refused");

	c = exporterd_child_with(wb->value, site);
	if (!c)
		return exporterd_error(inst, "out of memory");
	exporterd_gauge_set(c, 0);
	exporterd_gauge_inc(c, n * (double)wb->step + 5);
	exporterd_gauge_dec(c, 5);

	size_t ntags = exporterd_option_count(inst, "tag");
	for (size_t i = 0; i < ntags; i++) {
		const char *v[] = {site, exporterd_option_string(inst, "tag", i)};
		if (well_behaved_set_gauge(wb->tag, v, (double)(i + 1)) != 0)
			return exporterd_error(inst, "out of memory");
	}

	size_t nvectors = sizeof(well_behaved_vectors) / sizeof(well_behaved_vectors[0]);
	for (size_t i = 0; i < nvectors; i++) {
		const char *v[] = {site, well_behaved_vectors[i].name, well_behaved_vectors[i].raw};
		if (well_behaved_set_gauge(wb->label, v, (double)(i + 1)) != 0)
			return exporterd_error(inst, "out of memory");
	}

	const struct {
		const char *name;
		double value;
	} specials[] = {
	    {"tenth", 0.1},         {"tiny", 1e-7},           {"huge", 1e21}, {"negative", -2.5},
	    {"plus_inf", INFINITY}, {"minus_inf", -INFINITY}, {"nan", NAN},   {"third", 1.0 / 3.0},
	};
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		const char *v[] = {site, specials[i].name};
		if (well_behaved_set_gauge(wb->special, v, specials[i].value) != 0)
			return exporterd_error(inst, "out of memory");
	}

	const char *always[] = {site, "always"};
	const char *odd[] = {site, "odd"};
	if (well_behaved_set_gauge(wb->ephemeral, always, n) != 0)
		return exporterd_error(inst, "out of memory");
	if (wb->collects % 2 == 1) {
		if (well_behaved_set_gauge(wb->ephemeral, odd, n) != 0)
			return exporterd_error(inst, "out of memory");
	} else if (exporterd_child_remove(wb->ephemeral, odd) != 0) {
		return exporterd_error(inst, "the odd child was not there to remove");
	} else if (exporterd_child_remove(wb->ephemeral, odd) == 0) {
		return exporterd_error(inst, "removing a missing child succeeded");
	}

	c = exporterd_child_with(wb->latency, site);
	if (!c)
		return exporterd_error(inst, "out of memory");
	exporterd_summary_observe(c, n / 4);
	const double qs[] = {0.5, 0.9};
	const double qv[] = {n / 8, n / 5};
	if (exporterd_summary_set_quantiles(c, 2, qs, qv) != 0)
		return exporterd_error(inst, "quantiles refused");

	c = exporterd_child_with(wb->size, site);
	if (!c)
		return exporterd_error(inst, "out of memory");
	exporterd_histogram_observe(c, n * 7);

	c = exporterd_child_with(wb->wait, site);
	if (!c)
		return exporterd_error(inst, "out of memory");
	exporterd_histogram_observe(c, 0.3);

	c = exporterd_child_with(wb->build, site);
	const char *info[] = {"1.2.3", "abc\"def"};
	if (!c || exporterd_info_set(c, info) != 0)
		return exporterd_error(inst, "info refused");

	c = exporterd_child_with(wb->state, site);
	if (!c || exporterd_enum_set(c, wb->collects == 1 ? "starting" : "running") != 0)
		return exporterd_error(inst, "enum state refused");
	if (exporterd_enum_set(c, "exploded") == 0)
		return exporterd_error(inst, "an undeclared enum state was accepted");
	return 0;
}

static void well_behaved_shutdown(exporterd_instance *inst)
{
	well_behaved *wb = exporterd_data(inst);
	/* Lets tests see that shutdown ran, and when. */
	exporterd_log(inst, EXPORTERD_LOG_INFO, "shutdown after %llu collects",
	              wb ? (unsigned long long)wb->collects : 0ULL);
	free(wb);
}

EXPORTERD_PLUGIN_DEFINE(.name = "well_behaved",
                        .description = "Test plugin exercising every metric kind",
                        .options = well_behaved_options, .default_interval = "1s",
                        .init = well_behaved_init, .collect = well_behaved_collect,
                        .shutdown = well_behaved_shutdown);
