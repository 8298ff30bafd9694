/* Unit tests for the assembler: merging across collectors, filters, the per-generation cache,
 * plain and spliced gzip responses, and a micro benchmark of the scrape path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exposition.h"
#include "process_metrics.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Hand-made snapshots ---- */

static char *dup_or_fail(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

/* A gauge-like chunk: HELP/TYPE meta and the given sample lines in both formats
 * (OpenMetrics meta differs so that tests can tell the formats apart). */
static family_chunk *chunk_new(const char *name, uint64_t shape, const char *samples)
{
	family_chunk *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	atomic_init(&c->refs, 1);
	char meta[256];
	c->name = dup_or_fail(name);
	c->shape = shape;
	snprintf(meta, sizeof(meta), "# HELP %s Help of %s.\n# TYPE %s gauge\n", name, name, name);
	c->text_meta = dup_or_fail(meta);
	c->text_meta_len = strlen(meta);
	snprintf(meta, sizeof(meta), "# TYPE %s gauge\n# HELP %s Help of %s.\n", name, name, name);
	c->om_meta = dup_or_fail(meta);
	c->om_meta_len = strlen(meta);
	c->text_samples = dup_or_fail(samples);
	c->text_samples_len = strlen(samples);
	c->om_samples = c->text_samples; /* shared, as the store does */
	c->om_samples_len = c->text_samples_len;
	for (const char *p = samples; *p; p++)
		c->nseries += *p == '\n';
	return c;
}

/* A snapshot owning the given chunks (already sorted by name); NULL-terminated list. */
static instance_snapshot *snap_new(family_chunk *first, ...)
{
	instance_snapshot *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	atomic_init(&s->refs, 1);
	s->families = calloc(16, sizeof(*s->families));
	assert_non_null(s->families);
	va_list ap;
	va_start(ap, first);
	for (family_chunk *c = first; c; c = va_arg(ap, family_chunk *))
		s->families[s->nfamilies++] = c;
	va_end(ap);
	return s;
}

static void publish(publish_board *b, const char *collector, instance_snapshot *s)
{
	publish_board_set(b, collector, s);
	instance_snapshot_unref(s);
}

static char *body_string(exposition_body *body)
{
	size_t len;
	const char *text = exposition_body_text(body, &len);
	char *s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, text, len);
	s[len] = '\0';
	return s;
}

static char *assemble(publish_board *b, exposition_format f, const scrape_filter *filter)
{
	publish_board_view v;
	publish_board_view_take(b, &v);
	exposition_body *body = exposition_assemble(&v, f, filter);
	publish_board_view_free(&v);
	assert_non_null(body);
	char *s = body_string(body);
	exposition_body_unref(body);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Two plugins sharing "shared_total", plus the host's own families. */
static publish_board *board_two_collectors(void)
{
	publish_board *b = publish_board_new();
	publish(b, "alpha",
	        snap_new(chunk_new("alpha_only", 1, "alpha_only 1\n"),
	                 chunk_new("shared", 7, "shared{src=\"a\"} 1\nshared{src=\"a2\"} 2\n"),
	                 NULL));
	publish(b, "beta:two",
	        snap_new(chunk_new("beta_only", 2, "beta_only{x=\"y\"} 3\n"),
	                 chunk_new("shared", 7, "shared{src=\"b\"} 4\n"),
	                 chunk_new("zeta", 3, "zeta 5\n"), NULL));
	publish(b, "exporterd",
	        snap_new(chunk_new("exporterd_build", 9, "exporterd_build_info 1\n"), NULL));
	return b;
}

static const char merged_text[] = "# HELP alpha_only Help of alpha_only.\n"
                                  "# TYPE alpha_only gauge\n"
                                  "alpha_only 1\n"
                                  "# HELP beta_only Help of beta_only.\n"
                                  "# TYPE beta_only gauge\n"
                                  "beta_only{x=\"y\"} 3\n"
                                  "# HELP exporterd_build Help of exporterd_build.\n"
                                  "# TYPE exporterd_build gauge\n"
                                  "exporterd_build_info 1\n"
                                  "# HELP shared Help of shared.\n"
                                  "# TYPE shared gauge\n"
                                  "shared{src=\"a\"} 1\n"
                                  "shared{src=\"a2\"} 2\n"
                                  "shared{src=\"b\"} 4\n"
                                  "# HELP zeta Help of zeta.\n"
                                  "# TYPE zeta gauge\n"
                                  "zeta 5\n";

static void test_merge_one_meta_all_samples(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	char *text = assemble(b, EXPOSITION_TEXT, NULL);
	assert_string_equal(text, merged_text);
	free(text);
	publish_board_free(b);
}

static void test_openmetrics_ends_with_eof(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	char *om = assemble(b, EXPOSITION_OPENMETRICS, NULL);
	size_t len = strlen(om);
	assert_true(len > 6);
	assert_string_equal(om + len - 6, "# EOF\n");
	assert_non_null(strstr(om,
	                       "# TYPE shared gauge\n# HELP shared Help of shared.\n"
	                       "shared{src=\"a\"} 1\nshared{src=\"a2\"} 2\nshared{src=\"b\"} 4\n"));
	/* One TYPE line per family, however many collectors have it. */
	assert_int_equal(count(om, "# TYPE shared"), 1);
	assert_int_equal(count(om, "# EOF"), 1);
	free(om);
	publish_board_free(b);
}

static void test_empty_board_bodies(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	char *text = assemble(b, EXPOSITION_TEXT, NULL);
	assert_string_equal(text, "");
	free(text);
	char *om = assemble(b, EXPOSITION_OPENMETRICS, NULL);
	assert_string_equal(om, "# EOF\n");
	free(om);
	/* Collectors with nothing published yet, or nothing at all, add nothing. */
	publish_board_set(b, "pending", NULL);
	publish(b, "empty", snap_new(NULL));
	om = assemble(b, EXPOSITION_OPENMETRICS, NULL);
	assert_string_equal(om, "# EOF\n");
	free(om);
	publish_board_free(b);
}

/* Captures what log lines the assembler writes to stderr. */
typedef struct capture {
	int saved;
	int pipe_read;
} capture;

static capture capture_start(void)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	capture c = {dup(STDERR_FILENO), fds[0]};
	dup2(fds[1], STDERR_FILENO);
	close(fds[1]);
	return c;
}

static char *capture_end(capture c)
{
	dup2(c.saved, STDERR_FILENO);
	close(c.saved);
	static char out[8192];
	ssize_t n = read(c.pipe_read, out, sizeof(out) - 1);
	close(c.pipe_read);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void test_shape_conflict_keeps_first_and_logs_once(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	publish(b, "first", snap_new(chunk_new("clash", 1, "clash{a=\"1\"} 1\n"), NULL));
	publish(b, "second", snap_new(chunk_new("clash", 2, "clash{b=\"2\"} 2\n"), NULL));
	publish(b, "third", snap_new(chunk_new("clash", 1, "clash{a=\"3\"} 3\n"), NULL));
	capture c = capture_start();
	char *t1 = assemble(b, EXPOSITION_TEXT, NULL);
	char *t2 = assemble(b, EXPOSITION_OPENMETRICS, NULL);
	char *logged = capture_end(c);
	assert_string_equal(t1, "# HELP clash Help of clash.\n# TYPE clash gauge\n"
	                        "clash{a=\"1\"} 1\nclash{a=\"3\"} 3\n");
	assert_null(strstr(t2, "clash{b="));
	assert_int_equal(count(logged, "family clash"), 1);
	assert_non_null(strstr(logged, "collector=second"));
	free(t1);
	free(t2);
	publish_board_free(b);
}

static void test_collect_filter_keeps_host_families(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	const char *only_beta[] = {"beta:two"};
	scrape_filter f = {.collectors = only_beta, .ncollectors = 1};
	char *text = assemble(b, EXPOSITION_TEXT, &f);
	assert_null(strstr(text, "alpha_only"));
	assert_null(strstr(text, "src=\"a\""));
	assert_non_null(strstr(text, "shared{src=\"b\"} 4\n"));
	assert_non_null(strstr(text, "exporterd_build_info 1\n"));
	assert_non_null(strstr(text, "zeta 5\n"));
	/* The meta still comes once, from beta now. */
	assert_int_equal(count(text, "# TYPE shared"), 1);
	free(text);

	const char *unknown[] = {"nobody"};
	f = (scrape_filter){.collectors = unknown, .ncollectors = 1};
	text = assemble(b, EXPOSITION_TEXT, &f);
	assert_string_equal(text, "# HELP exporterd_build Help of exporterd_build.\n"
	                          "# TYPE exporterd_build gauge\nexporterd_build_info 1\n");
	free(text);
	publish_board_free(b);
}

static void test_name_filter_applies_everywhere(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	/* Family names and sample names both select. */
	const char *names[] = {"shared_total", "exporterd_build_info", "zeta"};
	scrape_filter f = {.names = names, .nnames = 3};
	char *text = assemble(b, EXPOSITION_TEXT, &f);
	assert_non_null(strstr(text, "shared{src=\"a\"} 1\n"));
	assert_non_null(strstr(text, "shared{src=\"b\"} 4\n"));
	assert_non_null(strstr(text, "exporterd_build_info 1\n"));
	assert_non_null(strstr(text, "zeta 5\n"));
	assert_null(strstr(text, "alpha_only"));
	assert_null(strstr(text, "beta_only"));
	free(text);

	/* name[] and collect[] together: both must hold; host families too obey name[]. */
	const char *alpha[] = {"alpha"};
	const char *shared[] = {"shared"};
	f = (scrape_filter){.collectors = alpha, .ncollectors = 1, .names = shared, .nnames = 1};
	text = assemble(b, EXPOSITION_OPENMETRICS, &f);
	assert_string_equal(text, "# TYPE shared gauge\n# HELP shared Help of shared.\n"
	                          "shared{src=\"a\"} 1\nshared{src=\"a2\"} 2\n# EOF\n");
	free(text);

	/* A prefix is not a name. */
	const char *prefix[] = {"alpha_on", "shared_totalx", "sha"};
	f = (scrape_filter){.names = prefix, .nnames = 3};
	text = assemble(b, EXPOSITION_TEXT, &f);
	assert_string_equal(text, "");
	free(text);
	publish_board_free(b);
}

static void test_filter_predicates(void **state)
{
	(void)state;
	assert_true(exposition_filter_selects_name(NULL, "x"));
	const char *names[] = {"req_total", "lat_seconds_bucket", "build_info", "g"};
	scrape_filter f = {.names = names, .nnames = 4};
	assert_true(exposition_filter_selects_name(&f, "req"));
	assert_true(exposition_filter_selects_name(&f, "lat_seconds"));
	assert_true(exposition_filter_selects_name(&f, "build"));
	assert_true(exposition_filter_selects_name(&f, "g"));
	assert_false(exposition_filter_selects_name(&f, "re"));
	assert_false(exposition_filter_selects_name(&f, "req_total_x"));
	assert_false(exposition_filter_selects_name(&f, "lat"));
	assert_true(exposition_filter_selects_collector(NULL, "any"));
	const char *cols[] = {"a"};
	f = (scrape_filter){.collectors = cols, .ncollectors = 1};
	assert_true(exposition_filter_selects_collector(&f, "a"));
	assert_true(exposition_filter_selects_collector(&f, "exporterd"));
	assert_false(exposition_filter_selects_collector(&f, "b"));
	assert_true(exposition_filter_selects_name(&f, "anything")); /* no name[] list */
}

static void test_cache_reuses_body_until_generation_changes(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	exposition_cache *cache = exposition_cache_new(b);
	exposition_body *t1 = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	exposition_body *t2 = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	assert_ptr_equal(t1, t2); /* no copy, no re-assembly */
	exposition_body *o1 = exposition_cache_body(cache, EXPOSITION_OPENMETRICS, NULL);
	assert_ptr_not_equal(o1, t1);
	char *s = body_string(t1);
	assert_string_equal(s, merged_text);
	free(s);

	/* An empty filter is no filter: the cached body. */
	scrape_filter none = {0};
	exposition_body *t3 = exposition_cache_body(cache, EXPOSITION_TEXT, &none);
	assert_ptr_equal(t3, t1);
	/* A real filter builds its own, uncached body. */
	const char *names[] = {"zeta"};
	scrape_filter f = {.names = names, .nnames = 1};
	exposition_body *f1 = exposition_cache_body(cache, EXPOSITION_TEXT, &f);
	exposition_body *f2 = exposition_cache_body(cache, EXPOSITION_TEXT, &f);
	assert_ptr_not_equal(f1, t1);
	assert_ptr_not_equal(f1, f2);

	/* A new publish: a new body; the old one stays valid for whoever holds it. */
	publish(b, "alpha", snap_new(chunk_new("alpha_only", 1, "alpha_only 2\n"), NULL));
	exposition_body *t4 = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	assert_ptr_not_equal(t4, t1);
	s = body_string(t4);
	assert_non_null(strstr(s, "alpha_only 2\n"));
	assert_null(strstr(s, "shared{src=\"a\"}"));
	free(s);
	s = body_string(t1);
	assert_string_equal(s, merged_text);
	free(s);
	exposition_body *t5 = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	assert_ptr_equal(t5, t4);
	/* Removing a collector is a new generation too. */
	publish_board_remove(b, "beta:two");
	exposition_body *t6 = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	assert_ptr_not_equal(t6, t4);

	/* The DEFLATE stream is computed once per body. */
	const unsigned char *d1, *d2;
	size_t n1, n2;
	uint32_t c1, c2;
	assert_int_equal(exposition_body_deflate(t6, &d1, &n1, &c1), 0);
	assert_int_equal(exposition_body_deflate(t6, &d2, &n2, &c2), 0);
	assert_ptr_equal(d1, d2);
	size_t len;
	const char *text = exposition_body_text(t6, &len);
	assert_int_equal(c1, (uint32_t)libdeflate_crc32(0, text, len));

	exposition_body *all[] = {t1, t2, t3, t4, t5, t6, o1, f1, f2};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		exposition_body_unref(all[i]);
	exposition_cache_free(cache);
	publish_board_free(b);
}

/* ---- Responses ---- */

static char *response_bytes(const exposition_response *r)
{
	char *out = malloc(r->len + 1);
	assert_non_null(out);
	size_t at = 0;
	for (size_t i = 0; i < r->nparts; i++) {
		memcpy(out + at, r->parts[i].data, r->parts[i].len);
		at += r->parts[i].len;
	}
	assert_int_equal(at, r->len);
	out[at] = '\0';
	return out;
}

static char *gunzip(const char *data, size_t len, size_t expect_len)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	char *out = malloc(expect_len + 2);
	assert_non_null(out);
	size_t got = 0;
	assert_int_equal(libdeflate_gzip_decompress(d, data, len, out, expect_len + 1, &got),
	                 LIBDEFLATE_SUCCESS);
	assert_int_equal(got, expect_len);
	out[got] = '\0';
	libdeflate_free_decompressor(d);
	return out;
}

static const process_stats fixed_stats = {.have_stat = true,
                                          .cpu_seconds = 1.5,
                                          .virtual_bytes = 1e8,
                                          .resident_bytes = 1e7,
                                          .have_start_time = true,
                                          .start_time_seconds = 1.7e9,
                                          .have_open_fds = true,
                                          .open_fds = 12,
                                          .have_max_fds = true,
                                          .max_fds = 1024};

/* The gzip response of every format and filter decompresses to exactly the plain one. */
static void check_round_trip(exposition_cache *cache, exposition_format f,
                             const scrape_filter *filter)
{
	exposition_response *plain =
	    exposition_response_build(cache, f, filter, false, &fixed_stats);
	exposition_response *gz = exposition_response_build(cache, f, filter, true, &fixed_stats);
	assert_non_null(plain);
	assert_non_null(gz);
	assert_false(plain->gzip);
	assert_true(gz->gzip);
	char *p = response_bytes(plain);
	char *z = response_bytes(gz);
	char *unz = gunzip(z, gz->len, plain->len);
	assert_string_equal(unz, p);
	free(p);
	free(z);
	free(unz);
	exposition_response_free(plain);
	exposition_response_free(gz);
}

static void test_responses_plain_and_gzip(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	exposition_cache *cache = exposition_cache_new(b);

	exposition_response *r =
	    exposition_response_build(cache, EXPOSITION_OPENMETRICS, NULL, false, &fixed_stats);
	char *page = response_bytes(r);
	/* Process metrics first, the cached body after them, # EOF last. */
	assert_memory_equal(page, "# TYPE process_cpu_seconds counter\n", 35);
	assert_non_null(strstr(page, "\nprocess_cpu_seconds_total 1.5\n"));
	size_t body_len;
	const char *body = exposition_body_text(r->body, &body_len);
	assert_ptr_equal(r->parts[r->nparts - 1].data, body); /* the body itself, not a copy */
	assert_memory_equal(page + r->len - body_len, body, body_len);
	assert_string_equal(page + r->len - 6, "# EOF\n");
	assert_int_equal(count(page, "# EOF"), 1);
	free(page);
	exposition_response_free(r);

	check_round_trip(cache, EXPOSITION_TEXT, NULL);
	check_round_trip(cache, EXPOSITION_OPENMETRICS, NULL);
	const char *names[] = {"shared", "process_open_fds"};
	scrape_filter by_name = {.names = names, .nnames = 2};
	check_round_trip(cache, EXPOSITION_TEXT, &by_name);
	const char *nothing[] = {"no_such_family"};
	scrape_filter empty = {.names = nothing, .nnames = 1};
	check_round_trip(cache, EXPOSITION_TEXT, &empty); /* empty dynamic part and body */
	check_round_trip(cache, EXPOSITION_OPENMETRICS, &empty);

	/* Real /proc readings: the page still decompresses and ends as the body does. */
	exposition_response *gz =
	    exposition_response_build(cache, EXPOSITION_TEXT, NULL, true, NULL);
	char *z = response_bytes(gz);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	char out[16384];
	size_t got;
	assert_int_equal(libdeflate_gzip_decompress(d, z, gz->len, out, sizeof(out), &got),
	                 LIBDEFLATE_SUCCESS);
	libdeflate_free_decompressor(d);
	assert_memory_equal(out, "# HELP process_cpu_seconds_total", 32);
	assert_memory_equal(out + got - strlen(merged_text), merged_text, strlen(merged_text));
	free(z);
	exposition_response_free(gz);

	exposition_cache_free(cache);
	publish_board_free(b);
}

static void test_render_page_for_once(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	size_t len = 0;
	char *page = exposition_render_page(b, EXPOSITION_TEXT, NULL, &len);
	assert_non_null(page);
	assert_int_equal(strlen(page), len);
	assert_memory_equal(page, "# HELP process_cpu_seconds_total", 32);
	assert_string_equal(page + len - strlen(merged_text), merged_text);
	free(page);
	page = exposition_render_page(b, EXPOSITION_OPENMETRICS, NULL, &len);
	assert_string_equal(page + len - 6, "# EOF\n");
	free(page);
	publish_board_free(b);
}

/* ---- Concurrency ---- */

typedef struct scraper {
	exposition_cache *cache;
	int errors;
} scraper;

static void *scraper_run(void *arg)
{
	scraper *s = arg;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	char *out = malloc(1 << 16);
	for (int i = 0; i < 400; i++) {
		exposition_format f = i % 2 ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT;
		exposition_response *gz =
		    exposition_response_build(s->cache, f, NULL, true, &fixed_stats);
		if (!gz) {
			s->errors++;
			continue;
		}
		/* Whatever generation it got, the member is whole and ends as its body. */
		char *z = malloc(gz->len);
		size_t at = 0;
		for (size_t k = 0; k < gz->nparts; k++) {
			memcpy(z + at, gz->parts[k].data, gz->parts[k].len);
			at += gz->parts[k].len;
		}
		size_t got = 0, body_len;
		const char *body = exposition_body_text(gz->body, &body_len);
		if (libdeflate_gzip_decompress(d, z, at, out, 1 << 16, &got) !=
		        LIBDEFLATE_SUCCESS ||
		    got < body_len || memcmp(out + got - body_len, body, body_len) != 0)
			s->errors++;
		free(z);
		exposition_response_free(gz);
	}
	free(out);
	libdeflate_free_decompressor(d);
	return NULL;
}

static void test_concurrent_scrapes_and_publishes(void **state)
{
	(void)state;
	publish_board *b = board_two_collectors();
	exposition_cache *cache = exposition_cache_new(b);
	pthread_t t[3];
	scraper s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = (scraper){cache, 0};
		pthread_create(&t[i], NULL, scraper_run, &s[i]);
	}
	for (int i = 0; i < 300; i++) {
		char line[64];
		snprintf(line, sizeof(line), "alpha_only %d\n", i);
		publish(b, "alpha", snap_new(chunk_new("alpha_only", 1, line), NULL));
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(s[i].errors, 0);
	}
	exposition_cache_free(cache);
	publish_board_free(b);
}

/* ---- Micro benchmark: a 5 MB page ---- */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 100 families x 1000 series of labelled gauges, as bench/bench_series serves them. */
static publish_board *board_5mb(void)
{
	publish_board *b = publish_board_new();
	instance_snapshot *s = snap_new(NULL);
	free(s->families);
	s->families = calloc(100, sizeof(*s->families));
	size_t cap = 1 << 20;
	char *samples = malloc(cap);
	for (int fam = 0; fam < 100; fam++) {
		char name[32];
		snprintf(name, sizeof(name), "bench_series_%02d", fam);
		size_t at = 0;
		for (int i = 0; i < 1000; i++) {
			uint64_t x = (uint64_t)(fam * 1000 + i + 1) * 0x9e3779b97f4a7c15ull;
			x ^= x >> 31;
			at += (size_t)snprintf(samples + at, cap - at,
			                       "%s{instance=\"web-%02d\",path=\"/item/%d\"} %g\n",
			                       name, i % 64, i, (double)(x % 1000000u) / 100.0);
		}
		s->families[s->nfamilies++] = chunk_new(name, 1, samples);
	}
	free(samples);
	publish(b, "bench_series", s);
	return b;
}

static double time_responses(exposition_cache *cache, exposition_format f, bool gzip,
                             const process_stats *stats, int rounds)
{
	double start = now_seconds();
	for (int i = 0; i < rounds; i++)
		exposition_response_free(exposition_response_build(cache, f, NULL, gzip, stats));
	return (now_seconds() - start) / rounds * 1e6;
}

static void test_benchmark_5mb_page(void **state)
{
	(void)state;
	publish_board *b = board_5mb();
	exposition_cache *cache = exposition_cache_new(b);

	/* Cache misses: every publish is a new generation, the page is assembled again. */
	double first_ms = 0, best_ms = 1e9;
	for (int i = 0; i < 6; i++) {
		if (i > 0) {
			instance_snapshot *s = snap_new(NULL);
			publish(b, "bump", s); /* new generation, same page */
		}
		double t0 = now_seconds();
		exposition_body_unref(exposition_cache_body(cache, EXPOSITION_TEXT, NULL));
		double ms = (now_seconds() - t0) * 1e3;
		first_ms = i == 0 ? ms : first_ms;
		best_ms = ms < best_ms ? ms : best_ms;
	}
	exposition_body *body = exposition_cache_body(cache, EXPOSITION_TEXT, NULL);
	size_t len;
	const char *text = exposition_body_text(body, &len);
	assert_true(len > 4 * 1000 * 1000);
	printf("# page: %zu bytes; assembly on a new generation: %.2f ms first, %.2f ms warm\n",
	       len, first_ms, best_ms);

	/* Compression time and size per libdeflate level for this page (best of 3). */
	size_t bound = libdeflate_deflate_compress_bound(NULL, len);
	unsigned char *out = malloc(bound);
	const int levels[] = {1, 2, 3, 4, 5, 6, 9, 12};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		struct libdeflate_compressor *c = libdeflate_alloc_compressor(levels[i]);
		double ms = 1e9;
		size_t n = 0;
		for (int k = 0; k < 3; k++) {
			double start = now_seconds();
			n = libdeflate_deflate_compress(c, text, len, out, bound);
			double t = (now_seconds() - start) * 1e3;
			ms = t < ms ? t : ms;
		}
		libdeflate_free_compressor(c);
		assert_true(n > 0);
		printf("# deflate level %2d: %7.2f ms, %8zu bytes (%.1f%%)\n", levels[i], ms, n,
		       100.0 * (double)n / (double)len);
	}
	free(out);

	double t0 = now_seconds();
	exposition_response_free(
	    exposition_response_build(cache, EXPOSITION_TEXT, NULL, true, NULL));
	printf("# first gzip scrape of a generation (compresses the body once): %.2f ms\n",
	       (now_seconds() - t0) * 1e3);

	int rounds = 2000;
	printf("# cached scrape, plain: %.2f us/response (%.2f us without reading /proc)\n",
	       time_responses(cache, EXPOSITION_TEXT, false, NULL, rounds),
	       time_responses(cache, EXPOSITION_TEXT, false, &fixed_stats, rounds));
	printf("# cached scrape, gzip:  %.2f us/response (%.2f us without reading /proc)\n",
	       time_responses(cache, EXPOSITION_TEXT, true, NULL, rounds),
	       time_responses(cache, EXPOSITION_TEXT, true, &fixed_stats, rounds));
	process_stats st;
	t0 = now_seconds();
	for (int i = 0; i < rounds; i++)
		process_stats_read(&st);
	printf("# reading /proc for the process metrics: %.2f us\n",
	       (now_seconds() - t0) / rounds * 1e6);
	check_round_trip(cache, EXPOSITION_TEXT, NULL);

	exposition_body_unref(body);
	exposition_cache_free(cache);
	publish_board_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_one_meta_all_samples),
	    cmocka_unit_test(test_openmetrics_ends_with_eof),
	    cmocka_unit_test(test_empty_board_bodies),
	    cmocka_unit_test(test_shape_conflict_keeps_first_and_logs_once),
	    cmocka_unit_test(test_collect_filter_keeps_host_families),
	    cmocka_unit_test(test_name_filter_applies_everywhere),
	    cmocka_unit_test(test_filter_predicates),
	    cmocka_unit_test(test_cache_reuses_body_until_generation_changes),
	    cmocka_unit_test(test_responses_plain_and_gzip),
	    cmocka_unit_test(test_render_page_for_once),
	    cmocka_unit_test(test_concurrent_scrapes_and_publishes),
	    cmocka_unit_test(test_benchmark_5mb_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
