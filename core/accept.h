/* Content negotiation for the metrics endpoint: Accept and Accept-Encoding. */
#ifndef EXPORTERD_ACCEPT_H
#define EXPORTERD_ACCEPT_H

#include "exposition.h"

#include <stdbool.h>

/* The format to serve for an Accept header value (NULL or "" when absent).
 * OpenMetrics 1.0.0 when the header prefers application/openmetrics-text
 * (version 1.0.0, 0.0.1 or none) over text/plain by q-value, then by
 * specificity, then by order; text 0.0.4 in every other case, including a
 * header that accepts neither. */
exposition_format accept_format(const char *accept);

/* True when an Accept-Encoding value (NULL when absent) lets the response be
 * gzip-coded: gzip, x-gzip or * with q > 0, and not below an explicit identity q. */
bool accept_gzip(const char *accept_encoding);

#endif
