/* The HTML landing page at "/": version, links, and the status of every instance. */
#ifndef EXPORTERD_LANDING_PAGE_H
#define EXPORTERD_LANDING_PAGE_H

#include "host.h"

#include <stddef.h>

/* Renders the page: metrics_path is linked, statuses[0..n) become one table row
 * each; every text is HTML-escaped. Returns a malloc'd page (caller frees) and
 * its length in *len, or NULL when out of memory. */
char *landing_page_render(const char *metrics_path, const instance_status *statuses, size_t n,
                          size_t *len);

#endif
