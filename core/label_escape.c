/* Escaping of label values and HELP text for both exposition formats, with UTF-8 repair. */
#include "label_escape.h"

#include <string.h>

static const char label_replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD}; /* U+FFFD */

/*
 * Length of the UTF-8 sequence starting at s (len > 0 bytes available): positive when it
 * is well-formed, else minus the length of its maximal ill-formed subpart (at least 1),
 * following Table 3-7 of the Unicode standard.
 */
static int label_utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	int need;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong below U+0800 */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates U+D800..U+DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		return -1; /* continuation byte, C0, C1 or F5..FF: never a lead byte */
	}
	for (int i = 1; i < need; i++) {
		if ((size_t)i >= len)
			return -i;
		unsigned char b = s[i];
		unsigned char blo = i == 1 ? lo : 0x80, bhi = i == 1 ? hi : 0xBF;
		if (b < blo || b > bhi)
			return -i;
	}
	return need;
}

int label_utf8_valid(const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int n = label_utf8_sequence(s + i, len - i);
		if (n < 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

/* Copies the multi-byte sequence at s[*i] to dst, or U+FFFD in place of the
 * invalid bytes there; advances *i past what it read and returns the bytes written. */
static size_t label_copy_sequence(char *dst, const unsigned char *s, size_t len, size_t *i)
{
	int n = label_utf8_sequence(s + *i, len - *i);
	if (n > 0) {
		memcpy(dst, s + *i, (size_t)n);
		*i += (size_t)n;
		return (size_t)n;
	}
	memcpy(dst, label_replacement, sizeof(label_replacement));
	*i += (size_t)-n;
	return sizeof(label_replacement);
}

size_t label_utf8_repair(char *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			dst[o++] = (char)s[i++];
			continue;
		}
		o += label_copy_sequence(dst + o, s, len, &i);
	}
	return o;
}

size_t label_escape(char *dst, const char *src, size_t len, label_escape_mode mode)
{
	const unsigned char *s = (const unsigned char *)src;
	int quote = mode == LABEL_ESCAPE_QUOTED;
	size_t i = 0, o = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			o += label_copy_sequence(dst + o, s, len, &i);
			continue;
		}
		i++;
		if (c == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (c == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else if (c == '"' && quote) {
			dst[o++] = '\\';
			dst[o++] = '"';
		} else {
			dst[o++] = (char)c;
		}
	}
	return o;
}
