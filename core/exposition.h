/* Assembles the scrape body from published snapshots, cached per generation, plain and gzip. */
#ifndef EXPORTERD_EXPOSITION_H
#define EXPORTERD_EXPOSITION_H

#include "publish_board.h"

#include <stdbool.h>
#include <stddef.h>

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

#endif
