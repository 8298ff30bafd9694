/* Prometheus-style durations: "500ms", "1m30s", "2h"; a bare number is seconds. */
#ifndef EXPORTERD_DURATION_H
#define EXPORTERD_DURATION_H

#include <stddef.h>

/* Units y w d h m s ms, largest first, each at most once; or a bare
 * non-negative decimal number of seconds. 0 on success, -1 on bad syntax. */
int duration_parse(const char *text, double *seconds);

/* Shortest form that duration_parse reads back: 90 -> "1m30s", 0.5 -> "500ms", 0 -> "0s". */
void duration_format(double seconds, char *buf, size_t len);

#endif
