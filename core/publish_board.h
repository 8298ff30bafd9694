/* The current snapshot of every collector, with a generation that changes on every publish. */
#ifndef EXPORTERD_PUBLISH_BOARD_H
#define EXPORTERD_PUBLISH_BOARD_H

#include "snapshot.h"

#include <stddef.h>
#include <stdint.h>

typedef struct publish_board publish_board;

publish_board *publish_board_new(void);
void publish_board_free(publish_board *board);

/* Replaces the snapshot of one collector (added at the end when new). Takes
 * its own reference on snap (snap may be NULL: nothing published yet).
 * Bumps the generation. Thread-safe. */
void publish_board_set(publish_board *board, const char *collector, instance_snapshot *snap);
/* Forgets a collector (after reload). Bumps the generation. */
void publish_board_remove(publish_board *board, const char *collector);

/* A consistent copy of the board for one scrape: names and snapshot references,
 * in the order collectors were first set. Free with publish_board_view_free. */
typedef struct publish_board_view {
	uint64_t generation;
	size_t n;
	char **collectors;
	instance_snapshot **snapshots; /* entries may be NULL */
} publish_board_view;

void publish_board_view_take(publish_board *board, publish_board_view *view);
void publish_board_view_free(publish_board_view *view);
uint64_t publish_board_generation(publish_board *board);

#endif
