/* Unit tests for the metric store: validation, values, children, snapshots, the family registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exporterd/plugin.h"
#include "instance.h"
#include "metric_store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char err[512];

static exporterd_family *make(metric_store *s, metric_kind kind, const char *name,
                              const char *labels, const family_options *opts)
{
	err[0] = '\0';
	return metric_store_family_new(s, kind, name, "Help.", labels, opts, err, sizeof(err));
}

/* The whole text 0.0.4 page of a snapshot (caller frees). */
static char *page_text(instance_snapshot *snap)
{
	size_t len = 0;
	for (size_t i = 0; i < snap->nfamilies; i++)
		len += snap->families[i]->text_meta_len + snap->families[i]->text_samples_len;
	char *out = malloc(len + 1);
	assert_non_null(out);
	size_t o = 0;
	for (size_t i = 0; i < snap->nfamilies; i++) {
		const family_chunk *c = snap->families[i];
		memcpy(out + o, c->text_meta, c->text_meta_len);
		o += c->text_meta_len;
		memcpy(out + o, c->text_samples, c->text_samples_len);
		o += c->text_samples_len;
	}
	out[o] = '\0';
	return out;
}

/* Renders the store and returns its text page (caller frees). */
static char *render(metric_store *s)
{
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	if (!snap)
		fail_msg("snapshot failed: %s", err);
	char *text = page_text(snap);
	instance_snapshot_unref(snap);
	return text;
}

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" not found in:\n%s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("\"%s\" unexpectedly found in:\n%s", needle, text);
}

/* Creating the family must fail with a message holding every given fragment. */
static void expect_refused(metric_store *s, metric_kind kind, const char *name, const char *labels,
                           const family_options *opts, const char *fragment1, const char *fragment2)
{
	exporterd_family *f = make(s, kind, name, labels, opts);
	if (f)
		fail_msg("%s \"%s\" (labels \"%s\") was accepted", "family", name,
		         labels ? labels : "");
	assert_contains(err, fragment1);
	if (fragment2)
		assert_contains(err, fragment2);
}

/* ---- validation ---- */

static void test_metric_names(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	expect_refused(s, METRIC_GAUGE, "1abc", NULL, NULL, "\"1abc\"", "[a-zA-Z_:][a-zA-Z0-9_:]*");
	expect_refused(s, METRIC_GAUGE, "a-b", NULL, NULL, "\"a-b\"", "must match");
	expect_refused(s, METRIC_GAUGE, "", NULL, NULL, "invalid gauge name", NULL);
	expect_refused(s, METRIC_GAUGE, "caf\xC3\xA9", NULL, NULL, "must match", NULL);
	expect_refused(s, METRIC_COUNTER, "__hidden", NULL, NULL, "\"__hidden\"", "\"__\"");
	assert_non_null(make(s, METRIC_GAUGE, "job:rate5m", NULL, NULL));
	assert_non_null(make(s, METRIC_GAUGE, "_under", NULL, NULL));
	assert_non_null(make(s, METRIC_GAUGE, "Mixed_Case9", NULL, NULL));
	metric_store_free(s);
}

static void test_label_names(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "a-b", NULL, "invalid label name \"a-b\"",
	               "[a-zA-Z_][a-zA-Z0-9_]*");
	expect_refused(s, METRIC_GAUGE, "g", "1a", NULL, "\"1a\"", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "a:b", NULL, "\"a:b\"", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "__a", NULL, "\"__a\" is reserved", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "le", NULL, "\"le\" is reserved", "histogram");
	expect_refused(s, METRIC_HISTOGRAM, "h", "le", NULL, "\"le\" is reserved", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "quantile", NULL, "\"quantile\" is reserved",
	               "summary");
	expect_refused(s, METRIC_SUMMARY, "s", "x,quantile", NULL, "\"quantile\"", NULL);
	expect_refused(s, METRIC_GAUGE, "g", "a,b,a", NULL, "duplicate label name \"a\"", "\"g\"");
	expect_refused(s, METRIC_GAUGE, "g", "a,,b", NULL, "empty label name", "\"a,,b\"");
	expect_refused(s, METRIC_GAUGE, "g", "a,", NULL, "empty label name", NULL);
	/* Blanks around names are tolerated; a blank list means no labels. */
	exporterd_family *f = make(s, METRIC_GAUGE, "g", " a , b ", NULL);
	assert_non_null(f);
	exporterd_gauge_set(exporterd_child_with(f, "1", "2"), 3);
	exporterd_family *none = make(s, METRIC_GAUGE, "n", "  ", NULL);
	assert_non_null(none);
	exporterd_gauge_set(exporterd_child_get(none, NULL), 1);
	char *text = render(s);
	assert_contains(text, "g{a=\"1\",b=\"2\"} 3\n");
	assert_contains(text, "\nn 1\n");
	free(text);
	metric_store_free(s);
}

static void test_info_and_enum_labels(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	family_options info = {.info_labels = "version,host"};
	expect_refused(s, METRIC_INFO, "build", "host", &info, "duplicate label name \"host\"",
	               NULL);
	family_options info_bad = {.info_labels = "ok,__x"};
	expect_refused(s, METRIC_INFO, "build", NULL, &info_bad, "info label name \"__x\"", NULL);
	family_options info_le = {.info_labels = "le"};
	expect_refused(s, METRIC_INFO, "build", NULL, &info_le, "\"le\" is reserved", NULL);
	family_options info_dup = {.info_labels = "a,a"};
	expect_refused(s, METRIC_INFO, "build", NULL, &info_dup, "duplicate", NULL);

	family_options states = {.states = "a,b"};
	expect_refused(s, METRIC_ENUM, "state", "state", &states, "label name \"state\"",
	               "state label");
	expect_refused(s, METRIC_ENUM, "job:state", NULL, &states, "invalid enum name",
	               "[a-zA-Z_][a-zA-Z0-9_]*");
	expect_refused(s, METRIC_ENUM, "le", NULL, &states, "\"le\" is reserved", NULL);
	expect_refused(s, METRIC_ENUM, "quantile", NULL, &states, "reserved", NULL);
	expect_refused(s, METRIC_ENUM, "mode", NULL, NULL, "enum \"mode\": no states", NULL);
	family_options blank = {.states = " "};
	expect_refused(s, METRIC_ENUM, "mode", NULL, &blank, "no states", NULL);
	family_options dup = {.states = "on,off,on"};
	expect_refused(s, METRIC_ENUM, "mode", NULL, &dup, "duplicate state \"on\"", NULL);
	family_options empty = {.states = "on,,off"};
	expect_refused(s, METRIC_ENUM, "mode", NULL, &empty, "empty state", NULL);
	family_options bad_utf8 = {.states = "on,\xFF"};
	expect_refused(s, METRIC_ENUM, "mode", NULL, &bad_utf8, "UTF-8", NULL);
	assert_non_null(make(s, METRIC_ENUM, "mode", "host", &states));
	assert_non_null(
	    make(s, METRIC_INFO, "build", "host", &(family_options){.info_labels = "v"}));
	metric_store_free(s);
}

static void test_reserved_prefixes(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	expect_refused(s, METRIC_GAUGE, "exporterd_up", NULL, NULL, "\"exporterd_up\" is reserved",
	               "\"exporterd_\"");
	expect_refused(s, METRIC_COUNTER, "process_cpu_seconds_total", NULL, NULL, "reserved",
	               "\"process_\"");
	family_options own = {.allow_reserved = 1};
	assert_non_null(make(s, METRIC_GAUGE, "exporterd_up", NULL, &own));
	assert_non_null(make(s, METRIC_COUNTER, "process_cpu_seconds_total", NULL, &own));
	assert_non_null(make(s, METRIC_GAUGE, "exporterdx", NULL, NULL));
	metric_store_free(s);
}

static void test_buckets(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	double desc[] = {1, 0.5};
	family_options o = {.buckets = desc, .nbuckets = 2};
	expect_refused(s, METRIC_HISTOGRAM, "h", NULL, &o, "strictly ascending", "0.5 follows 1");
	double same[] = {1, 1};
	o = (family_options){.buckets = same, .nbuckets = 2};
	expect_refused(s, METRIC_HISTOGRAM, "h", NULL, &o, "strictly ascending", NULL);
	double nan[] = {1, NAN};
	o = (family_options){.buckets = nan, .nbuckets = 2};
	expect_refused(s, METRIC_HISTOGRAM, "h", NULL, &o, "bound 2 is NaN", "finite");
	double inf[] = {1, INFINITY};
	o = (family_options){.buckets = inf, .nbuckets = 2};
	expect_refused(s, METRIC_HISTOGRAM, "h", NULL, &o, "+Inf", "implied");
	double ok[] = {-1, 0, 0.5};
	o = (family_options){.buckets = ok, .nbuckets = 3};
	assert_non_null(make(s, METRIC_HISTOGRAM, "h", NULL, &o));
	metric_store_free(s);
}

static void test_same_name_and_suffix_clashes(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	assert_non_null(make(s, METRIC_COUNTER, "foo_total", NULL, NULL));
	expect_refused(s, METRIC_COUNTER, "foo", NULL, NULL, "\"foo\" is already declared",
	               "counter");
	expect_refused(s, METRIC_GAUGE, "foo", "x", NULL, "already declared", NULL);
	expect_refused(s, METRIC_GAUGE, "foo_total", NULL, NULL, "clashes with counter \"foo\"",
	               "\"foo_total\"");
	expect_refused(s, METRIC_GAUGE, "foo_created", NULL, NULL, "clashes", "\"foo_created\"");

	assert_non_null(make(s, METRIC_HISTOGRAM, "rt", NULL, NULL));
	expect_refused(s, METRIC_GAUGE, "rt_bucket", NULL, NULL, "clashes with histogram", NULL);
	expect_refused(s, METRIC_GAUGE, "rt_count", NULL, NULL, "clashes", NULL);
	expect_refused(s, METRIC_COUNTER, "rt_sum", NULL, NULL, "clashes", NULL);

	assert_non_null(make(s, METRIC_SUMMARY, "lat", NULL, NULL));
	expect_refused(s, METRIC_GAUGE, "lat_count", NULL, NULL, "clashes with summary", NULL);
	expect_refused(s, METRIC_GAUGE, "lat_sum", NULL, NULL, "clashes", NULL);

	family_options info = {.info_labels = "v"};
	assert_non_null(make(s, METRIC_INFO, "build_info", NULL, &info));
	expect_refused(s, METRIC_GAUGE, "build_info", NULL, NULL, "clashes with info \"build\"",
	               NULL);
	expect_refused(s, METRIC_INFO, "build", NULL, &info, "already declared", NULL);

	/* The other order: the gauge first, then the family whose samples it would shadow. */
	assert_non_null(make(s, METRIC_GAUGE, "bar_total", NULL, NULL));
	expect_refused(s, METRIC_COUNTER, "bar", NULL, NULL, "clashes with gauge \"bar_total\"",
	               NULL);
	assert_non_null(make(s, METRIC_GAUGE, "baz_bucket", NULL, NULL));
	expect_refused(s, METRIC_HISTOGRAM, "baz", NULL, NULL, "clashes", NULL);
	assert_non_null(make(s, METRIC_GAUGE, "qux_info", NULL, NULL));
	expect_refused(s, METRIC_INFO, "qux", NULL, &info, "clashes", NULL);

	/* Names that only look alike are fine. */
	assert_non_null(make(s, METRIC_GAUGE, "foo_totals", NULL, NULL));
	assert_non_null(make(s, METRIC_GAUGE, "rt_seconds", NULL, NULL));
	metric_store_free(s);
}

/* ---- values ---- */

static void test_counter(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_COUNTER, "req_total", "method", NULL);
	assert_non_null(f);
	exporterd_child *c = exporterd_child_with(f, "GET");
	assert_int_equal(exporterd_counter_inc(c, 2), 0);
	assert_int_equal(exporterd_counter_inc(c, 0.5), 0);
	assert_int_equal(exporterd_counter_inc(c, -1), -1);
	assert_int_equal(exporterd_counter_inc(c, NAN), -1);
	assert_int_equal(exporterd_counter_inc(c, INFINITY), -1);
	assert_int_equal(exporterd_counter_inc(c, -INFINITY), -1);
	assert_int_equal(exporterd_counter_inc(c, 0), 0);
	/* A gauge call on a counter child changes nothing. */
	exporterd_gauge_set(c, 100);
	exporterd_gauge_dec(c, 1);
	char *text = render(s);
	assert_contains(text, "# TYPE req_total counter\nreq_total{method=\"GET\"} 2.5\n");
	free(text);
	assert_int_equal(exporterd_counter_inc(NULL, 1), -1);
	metric_store_free(s);
}

static void test_gauge(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_GAUGE, "temp", NULL, NULL);
	exporterd_child *c = exporterd_child_get(f, NULL);
	assert_non_null(c);
	assert_ptr_equal(exporterd_child_get(f, NULL), c);
	assert_ptr_equal(exporterd_child_with(f), c);
	char *text = render(s);
	assert_contains(text, "\ntemp 0\n");
	free(text);
	exporterd_gauge_set(c, 10);
	exporterd_gauge_inc(c, 2.5);
	exporterd_gauge_dec(c, 5);
	text = render(s);
	assert_contains(text, "\ntemp 7.5\n");
	free(text);
	exporterd_gauge_set(c, -INFINITY);
	text = render(s);
	assert_contains(text, "\ntemp -Inf\n");
	free(text);
	exporterd_gauge_set(c, NAN);
	text = render(s);
	assert_contains(text, "\ntemp NaN\n");
	free(text);
	/* A counter call on a gauge child is refused. */
	assert_int_equal(exporterd_counter_inc(c, 1), -1);
	metric_store_free(s);
}

static void test_enum(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	family_options o = {.states = "starting, running ,stopped"};
	exporterd_family *f = make(s, METRIC_ENUM, "phase", "svc", &o);
	assert_non_null(f);
	exporterd_child *c = exporterd_child_with(f, "db");
	char *text = render(s);
	assert_contains(text, "# TYPE phase gauge\n"
	                      "phase{svc=\"db\",phase=\"starting\"} 1\n"
	                      "phase{svc=\"db\",phase=\"running\"} 0\n"
	                      "phase{svc=\"db\",phase=\"stopped\"} 0\n");
	free(text);
	assert_int_equal(exporterd_enum_set(c, "running"), 0);
	assert_int_equal(exporterd_enum_set(c, "crashed"), -1);
	assert_int_equal(exporterd_enum_set(c, "Running"), -1);
	assert_int_equal(exporterd_enum_set(c, NULL), -1);
	text = render(s);
	assert_contains(text, "phase{svc=\"db\",phase=\"starting\"} 0\n"
	                      "phase{svc=\"db\",phase=\"running\"} 1\n"
	                      "phase{svc=\"db\",phase=\"stopped\"} 0\n");
	free(text);
	metric_store_free(s);
}

static void test_info(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	family_options o = {.info_labels = "version,revision"};
	exporterd_family *f = make(s, METRIC_INFO, "build", "component", &o);
	assert_non_null(f);
	exporterd_child *c = exporterd_child_with(f, "core");
	char *text = render(s);
	assert_contains(text, "build_info{component=\"core\",version=\"\",revision=\"\"} 1\n");
	free(text);
	const char *v[] = {"1.2", "ab\"c"};
	assert_int_equal(exporterd_info_set(c, v), 0);
	const char *bad[] = {"1.2", NULL};
	assert_int_equal(exporterd_info_set(c, bad), -1);
	assert_int_equal(exporterd_info_set(c, NULL), -1);
	text = render(s);
	assert_contains(text,
	                "# TYPE build_info gauge\n"
	                "build_info{component=\"core\",version=\"1.2\",revision=\"ab\\\"c\"} 1\n");
	free(text);
	/* Without selecting labels. */
	exporterd_family *g =
	    make(s, METRIC_INFO, "os", NULL, &(family_options){.info_labels = "n"});
	const char *n[] = {"linux"};
	assert_int_equal(exporterd_info_set(exporterd_child_get(g, NULL), n), 0);
	text = render(s);
	assert_contains(text, "\nos_info{n=\"linux\"} 1\n");
	free(text);
	metric_store_free(s);
}

static void test_histogram(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	double b[] = {0.1, 1, 10};
	family_options o = {.buckets = b, .nbuckets = 3};
	exporterd_family *f = make(s, METRIC_HISTOGRAM, "rt_seconds", "path", &o);
	exporterd_child *c = exporterd_child_with(f, "/");
	double obs[] = {0.05, 0.1, 0.5, 1, 3, 11, 200, -4};
	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
		exporterd_histogram_observe(c, obs[i]);
	char *text = render(s);
	assert_contains(text, "rt_seconds_bucket{path=\"/\",le=\"0.1\"} 3\n"
	                      "rt_seconds_bucket{path=\"/\",le=\"1.0\"} 5\n"
	                      "rt_seconds_bucket{path=\"/\",le=\"10.0\"} 6\n"
	                      "rt_seconds_bucket{path=\"/\",le=\"+Inf\"} 8\n"
	                      "rt_seconds_count{path=\"/\"} 8\n"
	                      "rt_seconds_sum{path=\"/\"} 211.65\n");
	free(text);

	exporterd_family *d = make(s, METRIC_HISTOGRAM, "d", NULL, NULL);
	exporterd_child *dc = exporterd_child_get(d, NULL);
	for (int i = 0; i < 100; i++)
		exporterd_histogram_observe(dc, i * 0.1);
	exporterd_histogram_observe(dc, NAN);
	text = render(s);
	/* The default buckets; cumulative and ascending; +Inf == count. */
	static const char *const le[] = {"0.005", "0.01", "0.025", "0.05", "0.075",
	                                 "0.1",   "0.25", "0.5",   "0.75", "1.0",
	                                 "2.5",   "5.0",  "7.5",   "10.0", "+Inf"};
	const char *p = strstr(text, "d_bucket");
	assert_non_null(p);
	long prev = -1;
	for (size_t i = 0; i < 15; i++) {
		char want[64];
		snprintf(want, sizeof(want), "d_bucket{le=\"%s\"} ", le[i]);
		assert_true(strncmp(p, want, strlen(want)) == 0);
		long v = strtol(p + strlen(want), NULL, 10);
		assert_true(v >= prev);
		prev = v;
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(prev, 101);
	assert_contains(text, "d_bucket{le=\"0.1\"} 2\n");
	assert_contains(text, "d_count 101\nd_sum NaN\n");
	free(text);
	metric_store_free(s);
}

static void test_summary(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_SUMMARY, "lat_seconds", NULL, NULL);
	exporterd_child *c = exporterd_child_get(f, NULL);
	exporterd_summary_observe(c, 4.7);
	exporterd_summary_observe(c, 0.3);
	char *text = render(s);
	assert_contains(text,
	                "# TYPE lat_seconds summary\nlat_seconds_count 2\nlat_seconds_sum 5\n");
	assert_lacks(text, "quantile");
	free(text);

	double q[] = {0.5, 0.9, 1}, v[] = {0.3, 4.7, 4.7};
	assert_int_equal(exporterd_summary_set_quantiles(c, 3, q, v), 0);
	text = render(s);
	assert_contains(text, "lat_seconds{quantile=\"0.5\"} 0.3\n"
	                      "lat_seconds{quantile=\"0.9\"} 4.7\n"
	                      "lat_seconds{quantile=\"1.0\"} 4.7\n"
	                      "lat_seconds_count 2\n");
	free(text);

	double over[] = {0.5, 1.5}, desc[] = {0.9, 0.5}, twice[] = {0.5, 0.5}, nan[] = {NAN, 0.5};
	assert_int_equal(exporterd_summary_set_quantiles(c, 2, over, v), -1);
	assert_int_equal(exporterd_summary_set_quantiles(c, 2, desc, v), -1);
	assert_int_equal(exporterd_summary_set_quantiles(c, 2, twice, v), -1);
	assert_int_equal(exporterd_summary_set_quantiles(c, 2, nan, v), -1);
	double neg[] = {-0.1};
	assert_int_equal(exporterd_summary_set_quantiles(c, 1, neg, v), -1);
	assert_int_equal(exporterd_summary_set_quantiles(c, 1, NULL, v), -1);
	text = render(s);
	assert_contains(text, "lat_seconds{quantile=\"0.9\"} 4.7\n"); /* unchanged */
	free(text);
	assert_int_equal(exporterd_summary_set_quantiles(c, 0, NULL, NULL), 0);
	text = render(s);
	assert_lacks(text, "quantile");
	free(text);
	metric_store_free(s);
}

/* ---- children ---- */

static void test_children_order_remove_clear(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_GAUGE, "players", "server", NULL);
	const char *names[] = {"pve", "pvp", "vanilla"};
	for (int i = 0; i < 3; i++) {
		const char *v[] = {names[i]};
		exporterd_gauge_set(exporterd_child_get(f, v), i + 1);
	}
	char *text = render(s);
	assert_contains(text, "players{server=\"pve\"} 1\nplayers{server=\"pvp\"} 2\n"
	                      "players{server=\"vanilla\"} 3\n");
	free(text);

	const char *pvp[] = {"pvp"}, *gone[] = {"gone"};
	assert_int_equal(exporterd_child_remove(f, pvp), 0);
	assert_int_equal(exporterd_child_remove(f, pvp), -1);
	assert_int_equal(exporterd_child_remove(f, gone), -1);
	text = render(s);
	assert_contains(text, "players{server=\"pve\"} 1\nplayers{server=\"vanilla\"} 3\n");
	assert_lacks(text, "pvp");
	free(text);

	/* A child made again after removal starts from zero, at the end. */
	exporterd_child_get(f, pvp);
	text = render(s);
	assert_contains(text, "players{server=\"vanilla\"} 3\nplayers{server=\"pvp\"} 0\n");
	free(text);

	exporterd_family_clear(f);
	text = render(s);
	assert_string_equal(text, "# HELP players Help.\n# TYPE players gauge\n");
	free(text);
	exporterd_gauge_set(exporterd_child_with(f, "pve"), 9);
	text = render(s);
	assert_contains(text, "\nplayers{server=\"pve\"} 9\n");
	free(text);

	/* NULL values cannot select a child. */
	assert_null(exporterd_child_get(f, NULL));
	const char *null_value[] = {NULL};
	assert_null(exporterd_child_get(f, null_value));
	assert_null(exporterd_child_get(NULL, pvp));
	metric_store_free(s);
}

static void test_child_values_are_repaired_and_escaped(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_GAUGE, "g", "a,b", NULL);
	exporterd_child *c1 = exporterd_child_with(f, "x\xFF", "q\"\\\n");
	exporterd_child *c2 = exporterd_child_with(f, "x\xFE", "q\"\\\n");
	/* Both render as x U+FFFD: one series, so one child. */
	assert_ptr_equal(c1, c2);
	assert_ptr_not_equal(c1, exporterd_child_with(f, "x", "q\"\\\n"));
	/* The separator between values is part of the key: ("ab","") != ("a","b"). */
	assert_ptr_not_equal(exporterd_child_with(f, "ab", ""), exporterd_child_with(f, "a", "b"));
	exporterd_gauge_set(c1, 1);
	char *text = render(s);
	assert_contains(text, "g{a=\"x\xEF\xBF\xBD\",b=\"q\\\"\\\\\\n\"} 1\n");
	free(text);
	metric_store_free(s);
}

static void test_many_labels_with(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f =
	    make(s, METRIC_GAUGE, "wide",
	         "l1,l2,l3,l4,l5,l6,l7,l8,l9,l10,l11,l12,l13,l14,l15,l16,l17,l18", NULL);
	assert_non_null(f);
	exporterd_child *c =
	    exporterd_child_with(f, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
	                         "13", "14", "15", "16", "17", "18");
	const char *v[] = {"1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",
	                   "10", "11", "12", "13", "14", "15", "16", "17", "18"};
	assert_ptr_equal(exporterd_child_get(f, v), c);
	/* A long value goes through the heap path of the key. */
	char *big = malloc(5000);
	memset(big, 'v', 4999);
	big[4999] = '\0';
	v[17] = big;
	exporterd_child *b = exporterd_child_get(f, v);
	assert_non_null(b);
	assert_ptr_equal(exporterd_child_get(f, v), b);
	assert_ptr_not_equal(b, c);
	free(big);
	metric_store_free(s);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_hundred_thousand_children(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *f = make(s, METRIC_GAUGE, "many", "id,kind", NULL);
	char id[32];
	double t0 = now_seconds();
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		exporterd_gauge_set(exporterd_child_with(f, id, "k"), i);
	}
	double t1 = now_seconds();
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		exporterd_gauge_inc(exporterd_child_with(f, id, "k"), 1);
	}
	double t2 = now_seconds();
	print_message("100k children: create %.1f ms, look up %.1f ms (CPU)\n", (t1 - t0) * 1e3,
	              (t2 - t1) * 1e3);
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	assert_non_null(snap);
	assert_int_equal(snap->families[0]->nseries, 100000);
	assert_non_null(
	    strstr(snap->families[0]->text_samples, "many{id=\"99999\",kind=\"k\"} 100000\n"));
	instance_snapshot_unref(snap);
	for (int i = 0; i < 100000; i += 2) {
		snprintf(id, sizeof(id), "%d", i);
		const char *v[] = {id, "k"};
		assert_int_equal(exporterd_child_remove(f, v), 0);
	}
	snap = metric_store_snapshot(s, err, sizeof(err));
	assert_int_equal(snap->families[0]->nseries, 50000);
	instance_snapshot_unref(snap);
	metric_store_free(s);
}

static void test_render_time_100k_gauges(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_child *(*children)[1000] = calloc(100, sizeof(*children));
	assert_non_null(children);
	for (int f = 0; f < 100; f++) {
		char name[32], id[16];
		snprintf(name, sizeof(name), "bench_family_%03d", f);
		exporterd_family *fam = make(s, METRIC_GAUGE, name, "server,slot", NULL);
		assert_non_null(fam);
		for (int i = 0; i < 1000; i++) {
			snprintf(id, sizeof(id), "%d", i);
			children[f][i] = exporterd_child_with(fam, "server-name", id);
		}
	}
	/* Three value shapes: integers, short decimals (12.25) and full-precision doubles. The
	 * first render also faults in fresh memory; later ones reuse what the old chunks freed. */
	const char *shapes[] = {"integers, first render", "integers", "short decimals",
	                        "full precision", "full precision"};
	for (int round = 0; round < 5; round++) {
		int shape = round == 0 ? 0 : round == 4 ? 2 : round - 1;
		for (int f = 0; f < 100; f++)
			for (int i = 0; i < 1000; i++)
				exporterd_gauge_set(children[f][i],
				                    shape == 0 ? f * 1000 + i + round
				                    : shape == 1
				                        ? (f * 1000 + i) / 4.0
				                        : (f * 1000 + i) / 3.0 + round * 1e-9);
		double t0 = now_seconds();
		instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
		double t1 = now_seconds();
		assert_non_null(snap);
		size_t bytes = 0, series = 0;
		for (size_t i = 0; i < snap->nfamilies; i++) {
			bytes += snap->families[i]->text_samples_len;
			series += snap->families[i]->nseries;
		}
		assert_int_equal(series, 100000);
		print_message(
		    "render 100 families x 1000 gauges (%s): %.2f ms CPU for both formats, "
		    "%zu bytes of samples\n",
		    shapes[round], (t1 - t0) * 1e3, bytes);
		instance_snapshot_unref(snap);
	}
	/* Nothing changed: a snapshot reuses every chunk. */
	double t0 = now_seconds();
	instance_snapshot *snap = metric_store_snapshot(s, err, sizeof(err));
	double t1 = now_seconds();
	print_message("snapshot with nothing changed: %.3f ms CPU\n", (t1 - t0) * 1e3);
	instance_snapshot_unref(snap);
	metric_store_free(s);
	free(children);
}

/* ---- snapshots ---- */

static void test_snapshot_sorted_and_chunk_reuse(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	exporterd_family *zeta = make(s, METRIC_GAUGE, "zeta", NULL, NULL);
	exporterd_family *alpha = make(s, METRIC_COUNTER, "alpha_total", NULL, NULL);
	exporterd_family *mid = make(s, METRIC_GAUGE, "mid", "x", NULL);
	exporterd_gauge_set(exporterd_child_get(zeta, NULL), 1);
	exporterd_counter_inc(exporterd_child_get(alpha, NULL), 1);

	instance_snapshot *a = metric_store_snapshot(s, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(a->nfamilies, 3);
	assert_string_equal(a->families[0]->name, "alpha");
	assert_string_equal(a->families[1]->name, "mid");
	assert_string_equal(a->families[2]->name, "zeta");

	/* Nothing changed, or values written again unchanged: the same chunks. */
	exporterd_gauge_set(exporterd_child_get(zeta, NULL), 1);
	exporterd_counter_inc(exporterd_child_get(alpha, NULL), 0);
	assert_int_equal(exporterd_child_remove(mid, (const char *[]){"absent"}), -1);
	exporterd_family_clear(mid);
	instance_snapshot *b = metric_store_snapshot(s, err, sizeof(err));
	assert_ptr_not_equal(a, b);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(a->families[i], b->families[i]);

	/* One family changes: only its chunk is new. */
	exporterd_gauge_set(exporterd_child_get(zeta, NULL), 2);
	instance_snapshot *c = metric_store_snapshot(s, err, sizeof(err));
	assert_ptr_equal(c->families[0], a->families[0]);
	assert_ptr_equal(c->families[1], a->families[1]);
	assert_ptr_not_equal(c->families[2], a->families[2]);
	assert_non_null(strstr(c->families[2]->text_samples, "zeta 2\n"));
	/* The old snapshot keeps its own data. */
	assert_non_null(strstr(a->families[2]->text_samples, "zeta 1\n"));
	assert_int_equal(atomic_load(&a->families[0]->refs), 4); /* a, b, c and the store */

	/* Creating a child, removing one and clearing all are changes too. */
	exporterd_child_with(mid, "1");
	instance_snapshot *d = metric_store_snapshot(s, err, sizeof(err));
	assert_ptr_not_equal(d->families[1], c->families[1]);
	assert_ptr_equal(d->families[2], c->families[2]);
	assert_int_equal(exporterd_child_remove(mid, (const char *[]){"1"}), 0);
	instance_snapshot *e = metric_store_snapshot(s, err, sizeof(err));
	assert_ptr_not_equal(e->families[1], d->families[1]);
	exporterd_child_with(mid, "2");
	instance_snapshot *f = metric_store_snapshot(s, err, sizeof(err));
	exporterd_family_clear(mid);
	instance_snapshot *g = metric_store_snapshot(s, err, sizeof(err));
	assert_ptr_not_equal(g->families[1], f->families[1]);
	assert_int_equal(g->families[1]->nseries, 0);

	/* The store can go while snapshots are still held. */
	metric_store_free(s);
	instance_snapshot *all[] = {a, b, c, d, e, f, g};
	assert_string_equal(g->families[0]->text_samples, "alpha_total 1\n");
	for (int i = 0; i < 7; i++)
		instance_snapshot_unref(all[i]);
}

static void test_every_mutation_marks_dirty(void **state)
{
	(void)state;
	metric_store *s = metric_store_new("t", NULL);
	static const char *const names[] = {"c", "g", "s", "h", "i", "e"};
	exporterd_family *fams[6];
	exporterd_child *kids[6];
	fams[0] = make(s, METRIC_COUNTER, "c", NULL, NULL);
	fams[1] = make(s, METRIC_GAUGE, "g", NULL, NULL);
	fams[2] = make(s, METRIC_SUMMARY, "s", NULL, NULL);
	fams[3] = make(s, METRIC_HISTOGRAM, "h", NULL, NULL);
	fams[4] = make(s, METRIC_INFO, "i", NULL, &(family_options){.info_labels = "v"});
	fams[5] = make(s, METRIC_ENUM, "e", NULL, &(family_options){.states = "a,b"});
	for (int i = 0; i < 6; i++)
		kids[i] = exporterd_child_get(fams[i], NULL);
	instance_snapshot *prev = metric_store_snapshot(s, err, sizeof(err));
	for (int step = 0; step < 9; step++) {
		int which = -1;
		double q[] = {0.5}, qv[] = {1};
		const char *iv[] = {"x"};
		switch (step) {
		case 0:
			exporterd_counter_inc(kids[0], 1), which = 0;
			break;
		case 1:
			exporterd_gauge_set(kids[1], 1), which = 1;
			break;
		case 2:
			exporterd_gauge_inc(kids[1], 1), which = 1;
			break;
		case 3:
			exporterd_gauge_dec(kids[1], 3), which = 1;
			break;
		case 4:
			exporterd_summary_observe(kids[2], 1), which = 2;
			break;
		case 5:
			exporterd_summary_set_quantiles(kids[2], 1, q, qv), which = 2;
			break;
		case 6:
			exporterd_histogram_observe(kids[3], 1), which = 3;
			break;
		case 7:
			exporterd_info_set(kids[4], iv), which = 4;
			break;
		case 8:
			exporterd_enum_set(kids[5], "b"), which = 5;
			break;
		}
		instance_snapshot *next = metric_store_snapshot(s, err, sizeof(err));
		for (size_t i = 0; i < next->nfamilies; i++) {
			int changed = strcmp(next->families[i]->name, names[which]) == 0;
			if (changed)
				assert_ptr_not_equal(next->families[i], prev->families[i]);
			else
				assert_ptr_equal(next->families[i], prev->families[i]);
		}
		instance_snapshot_unref(prev);
		prev = next;
	}
	instance_snapshot_unref(prev);
	metric_store_free(s);
}

/* ---- registry ---- */

static void test_registry_shared_definitions(void **state)
{
	(void)state;
	family_registry *reg = family_registry_new();
	metric_store *a = metric_store_new("game:a", reg);
	metric_store *b = metric_store_new("game:b", reg);
	double b1[] = {1, 2}, b2[] = {1, 3};
	family_options h1 = {.buckets = b1, .nbuckets = 2}, h2 = {.buckets = b2, .nbuckets = 2};
	assert_non_null(make(a, METRIC_GAUGE, "players", "server", NULL));
	assert_non_null(make(a, METRIC_HISTOGRAM, "rt", NULL, &h1));
	assert_non_null(make(a, METRIC_INFO, "ver", NULL, &(family_options){.info_labels = "v"}));
	assert_non_null(make(a, METRIC_ENUM, "st", NULL, &(family_options){.states = "x,y"}));
	assert_non_null(make(a, METRIC_COUNTER, "errors", NULL, NULL));

	/* The same definition is shared. */
	assert_non_null(make(b, METRIC_GAUGE, "players", "server", NULL));
	metric_store *c = metric_store_new("game:c", reg);
	/* Different kind, labels, buckets, info labels, states: refused naming the other. */
	expect_refused(c, METRIC_COUNTER, "players", "server", NULL,
	               "\"players\" is declared differently by instance \"game:a\"",
	               "there a gauge with labels [server], here a counter");
	expect_refused(c, METRIC_GAUGE, "players", "server,mode", NULL, "game:a",
	               "here a gauge with labels [server,mode]");
	expect_refused(c, METRIC_HISTOGRAM, "rt", NULL, &h2, "buckets [1.0,2.0]",
	               "buckets [1.0,3.0]");
	expect_refused(c, METRIC_INFO, "ver", NULL, &(family_options){.info_labels = "w"},
	               "info labels [v]", "game:a");
	expect_refused(c, METRIC_ENUM, "st", NULL, &(family_options){.states = "x,z"},
	               "states [x,y]", NULL);
	/* Suffix clashes across instances. */
	expect_refused(c, METRIC_GAUGE, "errors_total", NULL, NULL,
	               "clashes with counter \"errors\" of instance \"game:a\"",
	               "\"errors_total\"");
	expect_refused(c, METRIC_GAUGE, "rt_bucket", NULL, NULL, "clashes with histogram",
	               "game:a");
	expect_refused(c, METRIC_GAUGE, "ver_info", NULL, NULL, "clashes with info", NULL);
	expect_refused(c, METRIC_COUNTER, "players_total", NULL, NULL, "declared differently",
	               NULL);
	assert_non_null(make(a, METRIC_GAUGE, "queue_total", NULL, NULL));
	expect_refused(c, METRIC_COUNTER, "queue", NULL, NULL,
	               "clashes with gauge \"queue_total\" of instance \"game:a\"", NULL);

	/* Freeing a store releases its claims: another definition becomes possible. */
	metric_store_free(a);
	expect_refused(b, METRIC_COUNTER, "players", NULL, NULL, "already declared", NULL);
	expect_refused(c, METRIC_COUNTER, "players", NULL, NULL, "game:b", NULL);
	assert_non_null(make(c, METRIC_GAUGE, "errors_total", NULL, NULL));
	assert_non_null(make(c, METRIC_HISTOGRAM, "rt", NULL, &h2));
	metric_store_free(b);
	metric_store_free(c);
	family_registry_free(reg);
}

static void test_registry_duplicate_series(void **state)
{
	(void)state;
	family_registry *reg = family_registry_new();
	metric_store *a = metric_store_new("game:a", reg);
	metric_store *b = metric_store_new("game:b", reg);
	exporterd_family *fa = make(a, METRIC_GAUGE, "players", "server", NULL);
	exporterd_family *fb = make(b, METRIC_GAUGE, "players", "server", NULL);
	exporterd_family *oa = make(a, METRIC_GAUGE, "only_a", NULL, NULL);
	exporterd_gauge_set(exporterd_child_with(fa, "pve"), 1);
	exporterd_gauge_set(exporterd_child_get(oa, NULL), 1);
	exporterd_gauge_set(exporterd_child_with(fb, "pvp"), 2);
	instance_snapshot *sa = metric_store_snapshot(a, err, sizeof(err));
	instance_snapshot *sb = metric_store_snapshot(b, err, sizeof(err));
	assert_non_null(sa);
	assert_non_null(sb);
	instance_snapshot_unref(sa);
	instance_snapshot_unref(sb);

	/* b now also publishes players{server="pve"}. */
	exporterd_child *dup = exporterd_child_with(fb, "pve");
	assert_null(metric_store_snapshot(b, err, sizeof(err)));
	assert_contains(err, "series players{server=\"pve\"}");
	assert_contains(err, "metric \"players\"");
	assert_contains(err, "instance \"game:a\"");
	/* a keeps publishing: it changed nothing that b's last good publish had. */
	exporterd_gauge_set(exporterd_child_with(fa, "pve"), 5);
	sa = metric_store_snapshot(a, err, sizeof(err));
	assert_non_null(sa);
	instance_snapshot_unref(sa);
	/* Once b drops the series its snapshot works again. */
	(void)dup;
	assert_int_equal(exporterd_child_remove(fb, (const char *[]){"pve"}), 0);
	sb = metric_store_snapshot(b, err, sizeof(err));
	assert_non_null(sb);
	instance_snapshot_unref(sb);

	/* a releasing its claim frees the series for b. */
	metric_store_free(a);
	exporterd_child_with(fb, "pve");
	sb = metric_store_snapshot(b, err, sizeof(err));
	assert_non_null(sb);
	instance_snapshot_unref(sb);
	metric_store_free(b);
	family_registry_free(reg);
}

static void test_registry_duplicate_info_and_late_join(void **state)
{
	(void)state;
	family_registry *reg = family_registry_new();
	metric_store *a = metric_store_new("a", reg);
	family_options o = {.info_labels = "version"};
	exporterd_family *ia = make(a, METRIC_INFO, "build", NULL, &o);
	const char *v1[] = {"1"}, *v2[] = {"2"};
	exporterd_info_set(exporterd_child_get(ia, NULL), v1);
	instance_snapshot *s = metric_store_snapshot(a, err, sizeof(err));
	assert_non_null(s);
	instance_snapshot_unref(s);

	/* b declares the family after a published it alone. */
	metric_store *b = metric_store_new("b", reg);
	exporterd_family *ib = make(b, METRIC_INFO, "build", NULL, &o);
	exporterd_info_set(exporterd_child_get(ib, NULL), v2);
	s = metric_store_snapshot(b, err, sizeof(err));
	assert_non_null(s); /* build_info{version="2"} differs from a's */
	instance_snapshot_unref(s);
	exporterd_info_set(exporterd_child_get(ib, NULL), v1);
	/* Whichever publishes second finds the duplicate: a has not published since b joined. */
	s = metric_store_snapshot(b, err, sizeof(err));
	if (s) {
		instance_snapshot_unref(s);
		assert_null(metric_store_snapshot(a, err, sizeof(err)));
		assert_contains(err, "instance \"b\"");
	} else {
		assert_contains(err, "instance \"a\"");
	}
	assert_contains(err, "series build_info{version=\"1\"} of metric \"build\"");

	/* The registry outlives its creator's reference while stores still hold claims. */
	family_registry_free(reg);
	metric_store_free(a);
	metric_store_free(b);
}

/* Many threads declaring shared and own families at once. */
static family_registry *race_reg;
static void *race_worker(void *arg)
{
	char instance[32], name[64], e[256];
	snprintf(instance, sizeof(instance), "w%ld", (long)(intptr_t)arg);
	for (int round = 0; round < 20; round++) {
		metric_store *s = metric_store_new(instance, race_reg);
		for (int i = 0; i < 50; i++) {
			snprintf(name, sizeof(name), "shared_%d", i);
			if (!metric_store_family_new(s, METRIC_GAUGE, name, "h", "x", NULL, e,
			                             sizeof(e)))
				return (void *)1;
			snprintf(name, sizeof(name), "own_%s_%d", instance, i);
			exporterd_family *f = metric_store_family_new(s, METRIC_COUNTER, name, "h",
			                                              NULL, NULL, e, sizeof(e));
			if (!f)
				return (void *)1;
		}
		instance_snapshot *snap = metric_store_snapshot(s, e, sizeof(e));
		if (!snap)
			return (void *)1;
		instance_snapshot_unref(snap);
		metric_store_free(s);
	}
	return NULL;
}

static void test_registry_threads(void **state)
{
	(void)state;
	race_reg = family_registry_new();
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < 4; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		assert_null(rc);
	}
	family_registry_free(race_reg);
}

/* The public exporterd_*_new calls create in the instance's store and report through
 * exporterd_error. */
static void test_plugin_api_wrappers(void **state)
{
	(void)state;
	struct exporterd_instance *inst = calloc(1, sizeof(*inst));
	assert_non_null(inst);
	inst->name = "demo";
	inst->store = metric_store_new("demo", NULL);
	assert_null(exporterd_gauge_new(inst, "bad-name", "h", NULL));
	assert_contains(inst->error, "invalid gauge name \"bad-name\"");
	assert_null(exporterd_counter_new(inst, "ok", "h", "le"));
	assert_contains(inst->error, "\"le\" is reserved");
	double bad[] = {2, 1};
	assert_null(exporterd_histogram_new(inst, "h", "h", NULL, bad, 2));
	assert_contains(inst->error, "strictly ascending");
	assert_null(exporterd_enum_new(inst, "e", "h", NULL, ""));
	assert_contains(inst->error, "no states");
	assert_null(exporterd_info_new(inst, "i", "h", "a", "a"));
	assert_contains(inst->error, "duplicate label name \"a\"");
	assert_null(exporterd_gauge_new(NULL, "g", "h", NULL));

	exporterd_family *c = exporterd_counter_new(inst, "demo_events_total", "Events.", "kind");
	exporterd_family *g = exporterd_gauge_new(inst, "demo_level", "Level.", NULL);
	exporterd_family *s = exporterd_summary_new(inst, "demo_wait_seconds", "Wait.", NULL);
	double b[] = {1, 5};
	exporterd_family *h = exporterd_histogram_new(inst, "demo_size_bytes", "Size.", NULL, b, 2);
	exporterd_family *d =
	    exporterd_histogram_new(inst, "demo_default", "Default.", NULL, NULL, 0);
	exporterd_family *i = exporterd_info_new(inst, "demo_build", "Build.", NULL, "version");
	exporterd_family *e = exporterd_enum_new(inst, "demo_mode", "Mode.", NULL, "off,on");
	assert_true(c && g && s && h && d && i && e);
	exporterd_counter_inc(exporterd_child_with(c, "x"), 2);
	exporterd_gauge_set(exporterd_child_get(g, NULL), 3);
	exporterd_summary_observe(exporterd_child_get(s, NULL), 0.5);
	exporterd_histogram_observe(exporterd_child_get(h, NULL), 4);
	exporterd_histogram_observe(exporterd_child_get(d, NULL), 4);
	exporterd_info_set(exporterd_child_get(i, NULL), (const char *[]){"1.0"});
	exporterd_enum_set(exporterd_child_get(e, NULL), "on");
	char *text = render(inst->store);
	assert_contains(text, "demo_events_total{kind=\"x\"} 2\n");
	assert_contains(text, "\ndemo_level 3\n");
	assert_contains(text, "\ndemo_wait_seconds_count 1\ndemo_wait_seconds_sum 0.5\n");
	assert_contains(text, "demo_size_bytes_bucket{le=\"1.0\"} 0\n"
	                      "demo_size_bytes_bucket{le=\"5.0\"} 1\n"
	                      "demo_size_bytes_bucket{le=\"+Inf\"} 1\n");
	assert_contains(text, "demo_default_bucket{le=\"5.0\"} 1\n");
	assert_contains(text, "demo_build_info{version=\"1.0\"} 1\n");
	assert_contains(text, "demo_mode{demo_mode=\"off\"} 0\ndemo_mode{demo_mode=\"on\"} 1\n");
	free(text);
	metric_store_free(inst->store);
	free(inst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metric_names),
	    cmocka_unit_test(test_label_names),
	    cmocka_unit_test(test_info_and_enum_labels),
	    cmocka_unit_test(test_reserved_prefixes),
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_same_name_and_suffix_clashes),
	    cmocka_unit_test(test_counter),
	    cmocka_unit_test(test_gauge),
	    cmocka_unit_test(test_enum),
	    cmocka_unit_test(test_info),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_children_order_remove_clear),
	    cmocka_unit_test(test_child_values_are_repaired_and_escaped),
	    cmocka_unit_test(test_many_labels_with),
	    cmocka_unit_test(test_hundred_thousand_children),
	    cmocka_unit_test(test_render_time_100k_gauges),
	    cmocka_unit_test(test_snapshot_sorted_and_chunk_reuse),
	    cmocka_unit_test(test_every_mutation_marks_dirty),
	    cmocka_unit_test(test_registry_shared_definitions),
	    cmocka_unit_test(test_registry_duplicate_series),
	    cmocka_unit_test(test_registry_duplicate_info_and_late_join),
	    cmocka_unit_test(test_registry_threads),
	    cmocka_unit_test(test_plugin_api_wrappers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
