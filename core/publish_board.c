/* The current snapshot of every collector, swapped under a mutex, with a generation for caches. */
#include "publish_board.h"

#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct board_entry {
	char *collector;
	instance_snapshot *snap; /* one reference, or NULL */
} board_entry;

struct publish_board {
	pthread_mutex_t mu;
	board_entry *entries; /* in the order collectors were first set */
	size_t n;
	size_t cap;
	/* Written under mu; read without it by scrapes that only compare it with a cached value. */
	_Atomic uint64_t generation;
};

publish_board *publish_board_new(void)
{
	publish_board *board = calloc(1, sizeof(*board));
	if (!board)
		return NULL;
	pthread_mutex_init(&board->mu, NULL);
	/* Starts at 1 so that 0 can mean "nothing cached yet". */
	atomic_init(&board->generation, 1);
	return board;
}

void publish_board_free(publish_board *board)
{
	if (!board)
		return;
	for (size_t i = 0; i < board->n; i++) {
		free(board->entries[i].collector);
		instance_snapshot_unref(board->entries[i].snap);
	}
	free(board->entries);
	pthread_mutex_destroy(&board->mu);
	free(board);
}

static board_entry *board_find(publish_board *board, const char *collector)
{
	for (size_t i = 0; i < board->n; i++) {
		if (strcmp(board->entries[i].collector, collector) == 0)
			return &board->entries[i];
	}
	return NULL;
}

void publish_board_set(publish_board *board, const char *collector, instance_snapshot *snap)
{
	if (snap)
		instance_snapshot_ref(snap);
	instance_snapshot *old = NULL;
	pthread_mutex_lock(&board->mu);
	board_entry *e = board_find(board, collector);
	if (e) {
		old = e->snap;
		e->snap = snap;
	} else {
		char *name = strdup(collector);
		if (board->n == board->cap) {
			size_t cap = board->cap ? board->cap * 2 : 8;
			board_entry *grown =
			    name ? realloc(board->entries, cap * sizeof(*grown)) : NULL;
			if (grown) {
				board->entries = grown;
				board->cap = cap;
			}
		}
		if (!name || board->n == board->cap) {
			pthread_mutex_unlock(&board->mu);
			free(name);
			instance_snapshot_unref(snap);
			log_error("out of memory publishing the metrics of %s", collector);
			return;
		}
		board->entries[board->n++] = (board_entry){.collector = name, .snap = snap};
	}
	atomic_fetch_add(&board->generation, 1);
	pthread_mutex_unlock(&board->mu);
	/* The last reference to a big snapshot is dropped outside the lock. */
	instance_snapshot_unref(old);
}

void publish_board_remove(publish_board *board, const char *collector)
{
	pthread_mutex_lock(&board->mu);
	board_entry *e = board_find(board, collector);
	if (!e) {
		pthread_mutex_unlock(&board->mu);
		return;
	}
	board_entry gone = *e;
	size_t at = (size_t)(e - board->entries);
	memmove(&board->entries[at], &board->entries[at + 1],
	        (board->n - at - 1) * sizeof(board->entries[0]));
	board->n--;
	atomic_fetch_add(&board->generation, 1);
	pthread_mutex_unlock(&board->mu);
	free(gone.collector);
	instance_snapshot_unref(gone.snap);
}

void publish_board_view_take(publish_board *board, publish_board_view *view)
{
	*view = (publish_board_view){0};
	pthread_mutex_lock(&board->mu);
	view->generation = atomic_load(&board->generation);
	size_t n = board->n;
	if (n > 0) {
		view->collectors = calloc(n, sizeof(*view->collectors));
		view->snapshots = calloc(n, sizeof(*view->snapshots));
	}
	if (n > 0 && (!view->collectors || !view->snapshots)) {
		pthread_mutex_unlock(&board->mu);
		free(view->collectors);
		free(view->snapshots);
		*view = (publish_board_view){0}; /* generation 0: see below */
		log_error("out of memory reading the published metrics");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		view->collectors[i] = strdup(board->entries[i].collector);
		if (!view->collectors[i])
			break;
		view->snapshots[i] =
		    board->entries[i].snap ? instance_snapshot_ref(board->entries[i].snap) : NULL;
		view->n++;
	}
	pthread_mutex_unlock(&board->mu);
	if (view->n < n) {
		/* Generation 0 never matches the board, so nothing caches this partial view. */
		view->generation = 0;
		log_error("out of memory reading the published metrics");
	}
}

void publish_board_view_free(publish_board_view *view)
{
	for (size_t i = 0; i < view->n; i++) {
		free(view->collectors[i]);
		instance_snapshot_unref(view->snapshots[i]);
	}
	free(view->collectors);
	free(view->snapshots);
	*view = (publish_board_view){0};
}

uint64_t publish_board_generation(publish_board *board)
{
	return atomic_load_explicit(&board->generation, memory_order_acquire);
}
