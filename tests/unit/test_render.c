/* Unit tests for the text 0.0.4 and OpenMetrics renderers: golden pages per kind, line rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exporterd/plugin.h"
#include "metric_store.h"
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[512];

static exporterd_family *make(metric_store *s, metric_kind kind, const char *name, const char *help,
                              const char *labels, const family_options *opts)
{
	exporterd_family *f =
	    metric_store_family_new(s, kind, name, help, labels, opts, err, sizeof(err));
	if (!f)
		fail_msg("cannot create %s: %s", name, err);
	return f;
}

/* A whole page of one format from a snapshot, as the assembler would join it (caller frees).
 * OpenMetrics pages get their "# EOF" here: chunks never carry it. */
static char *page(instance_snapshot *snap, int openmetrics)
{
	size_t len = 8;
	for (size_t i = 0; i < snap->nfamilies; i++) {
		const family_chunk *c = snap->families[i];
		len += openmetrics ? c->om_meta_len + c->om_samples_len
		                   : c->text_meta_len + c->text_samples_len;
	}
	char *out = malloc(len);
	assert_non_null(out);
	size_t o = 0;
	for (size_t i = 0; i < snap->nfamilies; i++) {
		const family_chunk *c = snap->families[i];
		const char *meta = openmetrics ? c->om_meta : c->text_meta;
		size_t meta_len = openmetrics ? c->om_meta_len : c->text_meta_len;
		const char *samples = openmetrics ? c->om_samples : c->text_samples;
		size_t samples_len = openmetrics ? c->om_samples_len : c->text_samples_len;
		assert_int_equal(strlen(meta), meta_len);
		assert_int_equal(strlen(samples), samples_len);
		memcpy(out + o, meta, meta_len);
		o += meta_len;
		memcpy(out + o, samples, samples_len);
		o += samples_len;
	}
	if (openmetrics) {
		memcpy(out + o, "# EOF\n", 6);
		o += 6;
	}
	out[o] = '\0';
	return out;
}

/* Lines end in '\n' (the last too), carry no '\r', no trailing blank and no empty line. */
static void assert_well_formed_lines(const char *text)
{
	size_t len = strlen(text);
	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	assert_null(strchr(text, '\r'));
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		if (nl == line)
			fail_msg("empty line in:\n%s", text);
		if (nl[-1] == ' ' || nl[-1] == '\t')
			fail_msg("trailing blank in line: %.*s", (int)(nl - line), line);
		line = nl + 1;
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Compares a page with GOLDEN_DIR/<file>; UPDATE_GOLDEN=1 rewrites the file instead. */
static void assert_golden(const char *file, const char *got)
{
	const char *dir = getenv("GOLDEN_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "tests/golden", file);
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	size_t len = 0;
	char *want = read_file(path, &len);
	if (!want)
		fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1 and review it)", path);
	if (len != strlen(got) || memcmp(want, got, len) != 0)
		fail_msg("%s differs.\n--- want\n%s--- got\n%s", path, want, got);
	free(want);
}

/* Snapshots the store and checks both pages against <name>.prom and <name>.om. */
static void check_goldens(metric_store *s, const char *name)
{
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	if (!snap)
		fail_msg("snapshot: %s", err);
	char file[256];
	char *text = page(snap, 0);
	assert_well_formed_lines(text);
	snprintf(file, sizeof(file), "%s.prom", name);
	assert_golden(file, text);
	char *om = page(snap, 1);
	assert_well_formed_lines(om);
	snprintf(file, sizeof(file), "%s.om", name);
	assert_golden(file, om);
	/* Samples are common to both formats. */
	for (size_t i = 0; i < snap->nfamilies; i++)
		assert_string_equal(snap->families[i]->text_samples, snap->families[i]->om_samples);
	free(text);
	free(om);
	instance_snapshot_unref(snap);
}

/* ---- one golden pair per kind ---- */

static void test_counter_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	exporterd_family *req = make(s, METRIC_COUNTER, "http_requests_total",
	                             "Requests handled, by method and code.", "method,code", NULL);
	exporterd_counter_inc(exporterd_child_with(req, "GET", "200"), 3);
	exporterd_counter_inc(exporterd_child_with(req, "DELETE", "404"), 1);
	exporterd_counter_inc(exporterd_child_with(req, "POST", "500"), 1.5);
	assert_int_equal(exporterd_child_remove(req, (const char *[]){"DELETE", "404"}), 0);
	exporterd_family *jobs =
	    make(s, METRIC_COUNTER, "jobs_processed", "Jobs done.", NULL, NULL);
	exporterd_counter_inc(exporterd_child_get(jobs, NULL), 7);
	exporterd_family *busy = make(s, METRIC_COUNTER, "worker_busy_seconds_total",
	                              "Time spent working.", "worker", NULL);
	exporterd_counter_inc(exporterd_child_with(busy, "1"), 12.25);
	exporterd_counter_inc(exporterd_child_with(busy, "2"), 0.1 + 0.2);
	check_goldens(s, "counter");
	metric_store_free(s);
}

static void test_gauge_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	exporterd_family *temp = make(s, METRIC_GAUGE, "room_temperature_celsius",
	                              "Temperature per room.", "room", NULL);
	exporterd_gauge_set(exporterd_child_with(temp, "kitchen"), 21.5);
	exporterd_gauge_set(exporterd_child_with(temp, "attic"), 30);
	exporterd_gauge_set(exporterd_child_with(temp, "cellar"), -3.25);
	exporterd_child_remove(temp, (const char *[]){"attic"});
	exporterd_family *queue =
	    make(s, METRIC_GAUGE, "queue_length", "Items waiting.", NULL, NULL);
	exporterd_child_get(queue, NULL);
	exporterd_family *odd =
	    make(s, METRIC_GAUGE, "sample_values", "Special values.", "case", NULL);
	exporterd_gauge_set(exporterd_child_with(odd, "nan"), NAN);
	exporterd_gauge_set(exporterd_child_with(odd, "inf"), INFINITY);
	exporterd_gauge_set(exporterd_child_with(odd, "minus_inf"), -INFINITY);
	exporterd_gauge_set(exporterd_child_with(odd, "tiny"), 1e-7);
	exporterd_gauge_set(exporterd_child_with(odd, "huge"), 1e20);
	exporterd_gauge_set(exporterd_child_with(odd, "third"), 1.0 / 3);
	exporterd_gauge_set(exporterd_child_with(odd, "negative_zero"), -0.0);
	exporterd_gauge_set(exporterd_child_with(odd, "max_safe_integer"), 9007199254740991.0);
	exporterd_family *ratio =
	    make(s, METRIC_GAUGE, "cache_hit_ratio", "Share of hits.", NULL, NULL);
	exporterd_gauge_set(exporterd_child_get(ratio, NULL), 0.875);
	check_goldens(s, "gauge");
	metric_store_free(s);
}

static void test_summary_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	exporterd_family *lat = make(s, METRIC_SUMMARY, "request_latency_seconds",
	                             "Latency of requests.", "path", NULL);
	exporterd_child *root = exporterd_child_with(lat, "/");
	exporterd_summary_observe(root, 0.3);
	exporterd_summary_observe(root, 4.7);
	double q[] = {0.5, 0.9, 0.99}, v[] = {0.3, 4.7, 4.7};
	assert_int_equal(exporterd_summary_set_quantiles(root, 3, q, v), 0);
	exporterd_summary_observe(exporterd_child_with(lat, "/gone"), 1);
	exporterd_summary_observe(exporterd_child_with(lat, "/plain"), 0.125);
	exporterd_child_remove(lat, (const char *[]){"/gone"});
	exporterd_family *size =
	    make(s, METRIC_SUMMARY, "message_size", "Message sizes.", NULL, NULL);
	exporterd_child_get(size, NULL);
	check_goldens(s, "summary");
	metric_store_free(s);
}

static void test_histogram_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	exporterd_family *rt = make(s, METRIC_HISTOGRAM, "response_time_seconds",
	                            "Response time by handler.", "handler", NULL);
	exporterd_child *api = exporterd_child_with(rt, "api");
	double obs[] = {0.003, 0.04, 0.3, 0.3, 2, 15};
	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
		exporterd_histogram_observe(api, obs[i]);
	exporterd_child_with(rt, "static");
	exporterd_histogram_observe(exporterd_child_with(rt, "gone"), 1);
	exporterd_child_remove(rt, (const char *[]){"gone"});
	double bounds[] = {100, 1000, 10000};
	family_options o = {.buckets = bounds, .nbuckets = 3};
	exporterd_family *payload =
	    make(s, METRIC_HISTOGRAM, "payload_bytes", "Payload sizes.", NULL, &o);
	exporterd_child *p = exporterd_child_get(payload, NULL);
	exporterd_histogram_observe(p, 50);
	exporterd_histogram_observe(p, 1000);
	exporterd_histogram_observe(p, 5000);
	exporterd_histogram_observe(p, 20000);
	check_goldens(s, "histogram");
	metric_store_free(s);
}

static void test_info_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	family_options build_opts = {.info_labels = "version,revision"};
	exporterd_family *build =
	    make(s, METRIC_INFO, "build", "Build of the service.", NULL, &build_opts);
	assert_int_equal(exporterd_info_set(exporterd_child_get(build, NULL),
	                                    (const char *[]){"1.2.3", "abc123"}),
	                 0);
	family_options target_opts = {.info_labels = "os,arch"};
	exporterd_family *target = make(s, METRIC_INFO, "target_info",
	                                "Targets and their platform.", "instance", &target_opts);
	exporterd_info_set(exporterd_child_with(target, "a"), (const char *[]){"linux", "amd64"});
	exporterd_info_set(exporterd_child_with(target, "b"), (const char *[]){"linux", "arm64"});
	exporterd_info_set(exporterd_child_with(target, "c"), (const char *[]){"bsd", "amd64"});
	exporterd_child_remove(target, (const char *[]){"b"});
	check_goldens(s, "info");
	metric_store_free(s);
}

static void test_enum_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	family_options states = {.states = "starting,running,stopped"};
	exporterd_family *st =
	    make(s, METRIC_ENUM, "service_state", "State of each service.", "service", &states);
	assert_int_equal(exporterd_enum_set(exporterd_child_with(st, "db"), "running"), 0);
	exporterd_child_with(st, "web");
	exporterd_enum_set(exporterd_child_with(st, "cache"), "stopped");
	exporterd_child_remove(st, (const char *[]){"cache"});
	family_options modes = {.states = "a,b"};
	exporterd_family *mode = make(s, METRIC_ENUM, "mode", "Mode.", NULL, &modes);
	exporterd_enum_set(exporterd_child_get(mode, NULL), "b");
	check_goldens(s, "enum");
	metric_store_free(s);
}

static void test_escaping_golden(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("golden", NULL);
	exporterd_family *g =
	    make(s, METRIC_GAUGE, "escaping_demo",
	         "Help with \"quotes\", a backslash \\ and a line\nbreak \xFF.", "value", NULL);
	static const char *const values[] = {"a\"b",
	                                     "C:\\DIR",
	                                     "line\nbreak",
	                                     "tab\there",
	                                     "bad \xFF byte",
	                                     "trunc \xE2\x82",
	                                     "overlong \xC0\xAF",
	                                     "surrogate \xED\xA0\x80",
	                                     "caf\xC3\xA9 \xE2\x82\xAC"};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		exporterd_gauge_set(exporterd_child_with(g, values[i]), (double)i);
	check_goldens(s, "escaping");
	metric_store_free(s);
}

/* ---- metadata rules ---- */

static void test_openmetrics_units(void **state)
{
	(void)state;
	assert_string_equal(render_openmetrics_unit("rt_seconds"), "seconds");
	assert_string_equal(render_openmetrics_unit("payload_bytes"), "bytes");
	assert_string_equal(render_openmetrics_unit("hit_ratio"), "ratio");
	assert_string_equal(render_openmetrics_unit("room_celsius"), "celsius");
	assert_null(render_openmetrics_unit("seconds"));
	assert_null(render_openmetrics_unit("_seconds"));
	assert_null(render_openmetrics_unit("rt_milliseconds"));
	assert_null(render_openmetrics_unit("rt_seconds_max"));
	assert_null(render_openmetrics_unit("players"));

	metric_store *s = metric_store_new("t", NULL);
	make(s, METRIC_COUNTER, "cpu_seconds_total", "CPU.", NULL, NULL);
	make(s, METRIC_ENUM, "phase_seconds", "Odd but legal.", NULL,
	     &(family_options){.states = "x"});
	make(s, METRIC_INFO, "uptime_seconds", "Odd but legal.", NULL,
	     &(family_options){.info_labels = "v"});
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	assert_string_equal(snap->families[0]->om_meta, "# TYPE cpu_seconds counter\n"
	                                                "# UNIT cpu_seconds seconds\n"
	                                                "# HELP cpu_seconds CPU.\n");
	assert_string_equal(snap->families[0]->text_meta, "# HELP cpu_seconds_total CPU.\n"
	                                                  "# TYPE cpu_seconds_total counter\n");
	assert_string_equal(snap->families[1]->om_meta, "# TYPE phase_seconds stateset\n"
	                                                "# HELP phase_seconds Odd but legal.\n");
	assert_string_equal(snap->families[2]->om_meta, "# TYPE uptime_seconds info\n"
	                                                "# HELP uptime_seconds Odd but legal.\n");
	assert_string_equal(snap->families[2]->text_meta,
	                    "# HELP uptime_seconds_info Odd but legal.\n"
	                    "# TYPE uptime_seconds_info gauge\n");
	instance_snapshot_unref(snap);
	metric_store_free(s);
}

static void test_help_text(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	make(s, METRIC_GAUGE, "a_empty", "", NULL, NULL);
	make(s, METRIC_GAUGE, "b_null", NULL, NULL, NULL);
	make(s, METRIC_GAUGE, "c_blank", " \t\n", NULL, NULL);
	make(s, METRIC_GAUGE, "d_padded", "  Padded help.  \n", NULL, NULL);
	make(s, METRIC_GAUGE, "e_quoted", "Say \"hi\" \\ bye", NULL, NULL);
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	assert_string_equal(snap->families[0]->text_meta,
	                    "# HELP a_empty a_empty\n# TYPE a_empty gauge\n");
	assert_string_equal(snap->families[1]->om_meta,
	                    "# TYPE b_null gauge\n# HELP b_null b_null\n");
	assert_string_equal(snap->families[2]->text_meta,
	                    "# HELP c_blank c_blank\n# TYPE c_blank gauge\n");
	assert_string_equal(snap->families[3]->text_meta,
	                    "# HELP d_padded Padded help.\n# TYPE d_padded gauge\n");
	/* Text 0.0.4 must not escape the quote (promtool rejects \"), OpenMetrics must. */
	assert_string_equal(snap->families[4]->text_meta,
	                    "# HELP e_quoted Say \"hi\" \\\\ bye\n# TYPE e_quoted gauge\n");
	assert_string_equal(snap->families[4]->om_meta,
	                    "# TYPE e_quoted gauge\n# HELP e_quoted Say \\\"hi\\\" \\\\ bye\n");
	instance_snapshot_unref(snap);
	metric_store_free(s);
}

static void test_chunk_fields(void **state)
{
	(void)state;
	metric_store *a = metric_store_new("a", NULL), *b = metric_store_new("b", NULL);
	exporterd_family *h = make(a, METRIC_HISTOGRAM, "h", "x", "l", NULL);
	make(b, METRIC_HISTOGRAM, "h", "other help", "l", NULL);
	make(a, METRIC_COUNTER, "c_total", "x", "l", NULL);
	make(b, METRIC_COUNTER, "c", "x", "m", NULL);
	exporterd_family *e =
	    make(a, METRIC_ENUM, "e", "x", NULL, &(family_options){.states = "p,q,r"});
	exporterd_child_with(h, "1");
	exporterd_child_with(h, "2");
	exporterd_child_get(e, NULL);
	instance_snapshot *sa = metric_store_snapshot(a, err, sizeof(err));
	instance_snapshot *sb = metric_store_snapshot(b, err, sizeof(err));
	assert_int_equal(sa->nfamilies, 3);
	assert_string_equal(sa->families[0]->name, "c"); /* the OpenMetrics family name */
	assert_string_equal(sa->families[1]->name, "e");
	assert_string_equal(sa->families[2]->name, "h");
	assert_int_equal(sa->families[0]->nseries, 0);
	assert_int_equal(sa->families[1]->nseries, 3);
	assert_int_equal(sa->families[2]->nseries, 2 * (14 + 3));
	/* Shapes: same kind and labels agree whatever the help, different labels do not. */
	assert_true(sa->families[2]->shape == sb->families[1]->shape);
	assert_true(sa->families[0]->shape != sb->families[0]->shape);
	instance_snapshot_unref(sa);
	instance_snapshot_unref(sb);
	metric_store_free(a);
	metric_store_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_golden),  cmocka_unit_test(test_gauge_golden),
	    cmocka_unit_test(test_summary_golden),  cmocka_unit_test(test_histogram_golden),
	    cmocka_unit_test(test_info_golden),     cmocka_unit_test(test_enum_golden),
	    cmocka_unit_test(test_escaping_golden), cmocka_unit_test(test_openmetrics_units),
	    cmocka_unit_test(test_help_text),       cmocka_unit_test(test_chunk_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
