/* Escaping of label values and HELP text for both exposition formats, with UTF-8 repair. */
#ifndef EXPORTERD_LABEL_ESCAPE_H
#define EXPORTERD_LABEL_ESCAPE_H

#include <stddef.h>

/* Longest output of label_escape and label_utf8_repair for len input bytes: a lone
 * invalid byte becomes the 3-byte U+FFFD. */
#define LABEL_ESCAPE_MAX(len) ((len)*3)

typedef enum label_escape_mode {
	/* Label values everywhere and OpenMetrics HELP: backslash, double quote, line feed. */
	LABEL_ESCAPE_QUOTED,
	/* Text 0.0.4 HELP: backslash and line feed only (promtool rejects \" there). */
	LABEL_ESCAPE_HELP_TEXT,
} label_escape_mode;

/* Writes src[0..len) escaped for mode into dst (at least LABEL_ESCAPE_MAX(len) bytes, not
 * NUL-terminated), every ill-formed UTF-8 sequence replaced by U+FFFD. Other bytes,
 * tabs included, are copied as they are. Returns the number of bytes written. */
size_t label_escape(char *dst, const char *src, size_t len, label_escape_mode mode);

/* Non-zero when src[0..len) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). */
int label_utf8_valid(const char *src, size_t len);

/* Copies src[0..len) into dst (at least LABEL_ESCAPE_MAX(len) bytes, not NUL-terminated)
 * replacing each maximal ill-formed subsequence by U+FFFD, as Unicode recommends
 * (one replacement per lone byte, one per truncated sequence). Returns the length. */
size_t label_utf8_repair(char *dst, const char *src, size_t len);

#endif
