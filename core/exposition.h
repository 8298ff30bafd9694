/* Assembles the scrape body from published snapshots, cached per generation, plain and gzip. */
#ifndef EXPORTERD_EXPOSITION_H
#define EXPORTERD_EXPOSITION_H

#include "publish_board.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum exposition_format {
	EXPOSITION_TEXT,        /* text/plain; version=0.0.4 */
	EXPOSITION_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
} exposition_format;

/* Exact Content-Type header value for a format. */
const char *exposition_content_type(exposition_format format);

/* collect[] and name[] query filters; an empty list means "all". */
typedef struct scrape_filter {
	const char *const *collectors;
	size_t ncollectors;
	const char *const *names;
	size_t nnames;
} scrape_filter;

/* True when filter has no name[] list or the list names the family `name`
 * (its OpenMetrics family name) or one of its sample names: name with _total,
 * _count, _sum, _bucket, _info or _created appended. filter may be NULL. */
bool exposition_filter_selects_name(const scrape_filter *filter, const char *name);

/* True when filter has no collect[] list, names collector, or collector is the
 * host's own ("exporterd"), which every page keeps. filter may be NULL. */
bool exposition_filter_selects_collector(const scrape_filter *filter, const char *collector);

/* ---- Assembled bodies ---- */

/* The merged families of every collector in one format: immutable and
 * refcounted, so responses send it without copying. */
typedef struct exposition_body exposition_body;

exposition_body *exposition_body_ref(exposition_body *body);
/* Drops a reference; the last one frees the body. NULL is fine. */
void exposition_body_unref(exposition_body *body);
/* The text; valid while a reference is held. */
const char *exposition_body_text(const exposition_body *body, size_t *len);
/* Raw DEFLATE of the text and its CRC-32, computed by the first caller (others
 * wait for it) and kept with the body. Valid while a reference is held. 0 or -1
 * (out of memory). */
int exposition_body_deflate(exposition_body *body, const unsigned char **data, size_t *len,
                            uint32_t *crc);

/* Merges the families of the view's selected collectors: one HELP/TYPE per
 * family name, then the samples of every collector that has it, in board
 * order. OpenMetrics bodies end with "# EOF\n". Returns a body holding one
 * reference for the caller, or NULL when out of memory. */
exposition_body *exposition_assemble(const publish_board_view *view, exposition_format format,
                                     const scrape_filter *filter);

/* The last assembled body of each format for one board, reused while the
 * board's generation is unchanged. Thread-safe. */
typedef struct exposition_cache exposition_cache;

/* The board must outlive the cache. NULL when out of memory. */
exposition_cache *exposition_cache_new(publish_board *board);
void exposition_cache_free(exposition_cache *cache);

/* The body for one scrape, with a reference for the caller: the cached one
 * while the generation is unchanged; a new, uncached one when filter selects
 * anything less than everything. NULL when out of memory. */
exposition_body *exposition_cache_body(exposition_cache *cache, exposition_format format,
                                       const scrape_filter *filter);

/* ---- Responses ---- */

/* A response body in parts, to be written one after the other. */
typedef struct exposition_part {
	const void *data;
	size_t len;
} exposition_part;

/* What one scrape sends: the per-scrape process metrics first, then the
 * (cached) body; gzip-coded by splicing the body's cached DEFLATE stream. */
typedef struct exposition_response {
	exposition_part parts[3];
	size_t nparts;
	size_t len;            /* sum of the parts */
	bool gzip;             /* parts form one gzip member */
	exposition_body *body; /* one reference */
} exposition_response;

struct process_stats;

/* Builds the response of one scrape from the cache. stats are the process
 * metrics to put first (NULL: read them now). Returns a response that the
 * caller frees with exposition_response_free (the parts stay valid until
 * then), or NULL when out of memory. */
exposition_response *exposition_response_build(exposition_cache *cache, exposition_format format,
                                               const scrape_filter *filter, bool gzip,
                                               const struct process_stats *stats);
void exposition_response_free(exposition_response *response);

/* The whole page as a scrape would return it, uncompressed and uncached (for
 * --once). Returns a malloc'd string (caller frees) and its length, or NULL. */
char *exposition_render_page(publish_board *board, exposition_format format,
                             const scrape_filter *filter, size_t *len);

#endif
