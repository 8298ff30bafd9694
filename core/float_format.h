/* Sample values as text: the shortest form that parses back to the same double. */
#ifndef EXPORTERD_FLOAT_FORMAT_H
#define EXPORTERD_FLOAT_FORMAT_H

#include <stddef.h>

/* Longest output of float_format, without the terminating NUL. */
#define FLOAT_FORMAT_MAX 32

/* Writes v into buf (at least FLOAT_FORMAT_MAX + 1 bytes) in Go float syntax as
 * Prometheus reads it: integers without exponent or point ("3"), otherwise the
 * shortest round-trip form ("0.1", "1e-07"), and "NaN", "+Inf", "-Inf".
 * Returns the length written (buf is NUL-terminated). */
size_t float_format(double v, char *buf);

/* Label-value form of a bucket bound or quantile, identical in both formats so
 * that series do not change with the format: "0.005", "1.0", "+Inf" (the
 * official clients' form: integral values keep a ".0"). */
size_t float_format_label(double v, char *buf);

#endif
