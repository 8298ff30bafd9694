/* Unit tests for the publish board: order, replacement, removal, generations, references, threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "publish_board.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An empty snapshot with one reference for the caller. */
static instance_snapshot *snapshot_new(void)
{
	instance_snapshot *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	atomic_init(&s->refs, 1);
	return s;
}

static int refs(instance_snapshot *s)
{
	return atomic_load(&s->refs);
}

static void test_set_keeps_first_order_and_replaces(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	assert_non_null(b);
	uint64_t g0 = publish_board_generation(b);
	assert_true(g0 != 0);

	instance_snapshot *a1 = snapshot_new(), *b1 = snapshot_new(), *a2 = snapshot_new();
	publish_board_set(b, "alpha", a1);
	publish_board_set(b, "beta", b1);
	assert_int_equal(refs(a1), 2); /* the board took its own */
	uint64_t g2 = publish_board_generation(b);
	assert_int_equal(g2, g0 + 2);

	publish_board_set(b, "alpha", a2); /* replaced in place, order kept */
	assert_int_equal(refs(a1), 1);     /* the board let go of the old one */
	assert_int_equal(refs(a2), 2);
	assert_int_equal(publish_board_generation(b), g2 + 1);

	publish_board_view v;
	publish_board_view_take(b, &v);
	assert_int_equal(v.generation, g2 + 1);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.collectors[0], "alpha");
	assert_string_equal(v.collectors[1], "beta");
	assert_ptr_equal(v.snapshots[0], a2);
	assert_ptr_equal(v.snapshots[1], b1);
	assert_int_equal(refs(a2), 3); /* the view holds one too */
	publish_board_view_free(&v);
	assert_int_equal(refs(a2), 2);
	assert_int_equal(v.n, 0);

	instance_snapshot_unref(a1);
	instance_snapshot_unref(a2);
	instance_snapshot_unref(b1);
	publish_board_free(b);
}

static void test_null_snapshot_and_remove(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	publish_board_set(b, "pending", NULL);
	instance_snapshot *s = snapshot_new();
	publish_board_set(b, "ready", s);
	publish_board_set(b, "third", NULL);

	publish_board_view v;
	publish_board_view_take(b, &v);
	assert_int_equal(v.n, 3);
	assert_null(v.snapshots[0]);
	assert_ptr_equal(v.snapshots[1], s);
	publish_board_view_free(&v);

	uint64_t g = publish_board_generation(b);
	publish_board_remove(b, "ready");
	assert_int_equal(publish_board_generation(b), g + 1);
	assert_int_equal(refs(s), 1);
	publish_board_remove(b, "unknown"); /* nothing to forget: no new generation */
	assert_int_equal(publish_board_generation(b), g + 1);

	publish_board_view_take(b, &v);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.collectors[0], "pending");
	assert_string_equal(v.collectors[1], "third");
	publish_board_view_free(&v);

	/* A collector set again after removal goes to the end. */
	publish_board_set(b, "ready", s);
	publish_board_view_take(b, &v);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.collectors[2], "ready");
	publish_board_view_free(&v);

	instance_snapshot_unref(s);
	publish_board_free(b); /* drops the board's reference: ASan sees no leak */
}

static void test_view_outlives_the_board_entry(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	instance_snapshot *s = snapshot_new();
	publish_board_set(b, "x", s);
	instance_snapshot_unref(s); /* only the board holds it now */
	publish_board_view v;
	publish_board_view_take(b, &v);
	publish_board_set(b, "x", NULL);
	publish_board_free(b);
	/* The view's reference keeps the snapshot alive. */
	assert_int_equal(refs(v.snapshots[0]), 1);
	publish_board_view_free(&v);
}

static void test_empty_board(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	publish_board_view v;
	publish_board_view_take(b, &v);
	assert_int_equal(v.n, 0);
	assert_int_equal(v.generation, publish_board_generation(b));
	publish_board_view_free(&v);
	publish_board_free(b);
	publish_board_free(NULL);
}

/* cmocka cannot fail from other threads: they count what went wrong. */
typedef struct race {
	publish_board *board;
	int id;
	int errors;
} race;

static void *race_writer(void *arg)
{
	race *r = arg;
	char name[16];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "c%d", (r->id * 7 + i) % 10);
		instance_snapshot *s = snapshot_new();
		publish_board_set(r->board, name, s);
		instance_snapshot_unref(s);
		if (i % 50 == 0)
			publish_board_remove(r->board, name);
	}
	return NULL;
}

static void *race_reader(void *arg)
{
	race *r = arg;
	uint64_t last = 0;
	for (int i = 0; i < 3000; i++) {
		publish_board_view v;
		publish_board_view_take(r->board, &v);
		r->errors += v.generation < last || v.n > 10;
		last = v.generation;
		for (size_t k = 0; k < v.n; k++)
			r->errors += v.snapshots[k] == NULL || refs(v.snapshots[k]) < 1;
		publish_board_view_free(&v);
	}
	return NULL;
}

static void test_concurrent_publish_and_views(void **state)
{
	(void)state;
	publish_board *b = publish_board_new();
	uint64_t g0 = publish_board_generation(b);
	pthread_t t[4];
	race r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = (race){b, i, 0};
		pthread_create(&t[i], NULL, i < 2 ? race_writer : race_reader, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].errors, 0);
	}
	/* Every set bumped the generation, and every removal of a present collector. */
	assert_true(publish_board_generation(b) >= g0 + 2 * 3000);
	publish_board_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_keeps_first_order_and_replaces),
	    cmocka_unit_test(test_null_snapshot_and_remove),
	    cmocka_unit_test(test_view_outlives_the_board_entry),
	    cmocka_unit_test(test_empty_board),
	    cmocka_unit_test(test_concurrent_publish_and_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
