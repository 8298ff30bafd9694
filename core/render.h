/* Internal interface between the metric store and the renderers: family and child layout, output
 * buffer. */
#ifndef EXPORTERD_RENDER_H
#define EXPORTERD_RENDER_H

#include "exporterd/plugin.h"
#include "family_registry.h"
#include "metric_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * A family as the store keeps it. Everything that does not change after creation (names,
 * escaped help, metadata lines, bucket and state label pieces) is rendered once here, so a
 * render only formats values.
 */
struct exporterd_family {
	metric_store *store;
	metric_kind kind;
	char *name; /* the OpenMetrics family name: counter "x" (samples x_total), info "x" (x_info)
	             */
	char *shape; /* "gauge with labels [a,b]": equal for equal definitions, used in errors */
	uint64_t shape_hash;
	char *help; /* as given (the family name when none was given); escaped when rendered */
	char *
	    *occupied; /* every name the family uses in an exposition: its own, then its samples' */
	size_t noccupied;

	char *text_meta; /* "# HELP ...\n# TYPE ...\n" of text 0.0.4 */
	size_t text_meta_len;
	char *om_meta; /* "# TYPE ...\n[# UNIT ...\n]# HELP ...\n" of OpenMetrics */
	size_t om_meta_len;

	char *sample_name; /* x_total (counter), x_info (info), x_bucket (histogram), else x */
	size_t sample_name_len;
	char *count_name; /* x_count, summary and histogram */
	size_t count_name_len;
	char *sum_name; /* x_sum, summary and histogram */
	size_t sum_name_len;

	size_t nlabels; /* the labels that select a child */
	char **label_names;
	size_t ninfo; /* info: the label names a child carries */
	char **info_names;

	size_t nbounds; /* histogram: finite upper bounds, strictly ascending */
	double *bounds;
	char **bound_labels; /* le="0.005" */
	size_t *bound_label_lens;

	size_t nstates; /* enum */
	char **states;
	char **state_labels; /* <family>="<escaped state>" */
	size_t *state_label_lens;

	/* Children: hash table on the label values, plus a list in creation order for output. */
	exporterd_child **table;
	size_t table_mask;
	size_t nchildren;
	size_t labels_bytes; /* sum of the children's labels_len, to size a render up front */
	exporterd_child *first;
	exporterd_child *last;

	int dirty;           /* changed since the last snapshot: its chunk must be rendered again */
	family_chunk *chunk; /* the last rendered chunk (one reference), NULL before the first */

	/* Cross-instance checks (NULL claim when the store has no registry). */
	registry_claim *claim;
	unsigned claim_generation; /* of the claim set when the published series were recorded */
	int claim_recorded;        /* the registry holds this family's current series */
};

struct exporterd_child {
	exporterd_family *fam;
	exporterd_child *hash_next;
	exporterd_child *prev; /* creation order */
	exporterd_child *next;
	uint64_t hash;        /* of key */
	uint64_t series_hash; /* identity of the series across instances (info: with its values) */
	char *key;            /* label values, each followed by '\0', invalid UTF-8 repaired */
	size_t key_len;
	char *labels; /* `a="x",b="y"`, escaped; empty without labels */
	size_t labels_len;
	union {
		double value;  /* counter, gauge */
		size_t active; /* enum: index of the active state */
		struct {
			uint64_t count;
			double sum;
			size_t nquantiles;
			double *quantiles; /* nquantiles q's, then nquantiles values; malloc'd */
		} summary;
		struct {
			uint64_t count;
			double sum;
			uint64_t *buckets; /* observations per bound (not cumulative); the rest are
			                      above the last */
		} histogram;
		struct {
			char *labels; /* `version="1.2",rev="abc"`, escaped; malloc'd */
			size_t len;
		} info;
	} u;
};

/* A growing output buffer. Once an allocation fails, `failed` is set and appends are dropped,
 * so a render checks once at the end. data is always NUL-terminated when not failed. */
typedef struct render_buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
} render_buf;

/* Makes room for extra more bytes plus a NUL. Returns 0, or -1 (and sets failed). */
static inline int render_buf_reserve(render_buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	/* Doubling, but never rounding a first large reservation up to a power of two. */
	size_t need = b->len + extra + 1;
	size_t cap = b->cap * 2 > need ? b->cap * 2 : need < 256 ? 256 : need;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

static inline void render_buf_append(render_buf *b, const char *s, size_t n)
{
	if (render_buf_reserve(b, n) != 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Returns the NUL-terminated text (caller frees) or NULL after a failed allocation. */
static inline char *render_buf_finish(render_buf *b, size_t *len)
{
	if (render_buf_reserve(b, 0) != 0) {
		free(b->data);
		b->data = NULL;
		return NULL;
	}
	b->data[b->len] = '\0';
	*len = b->len;
	/* Chunks live until the next change: give back what the estimate over-reserved. */
	char *out = b->cap > b->len + 1 ? realloc(b->data, b->len + 1) : b->data;
	if (!out)
		out = b->data;
	b->data = NULL;
	b->cap = b->len = 0;
	return out;
}

/* Text 0.0.4 HELP and TYPE lines of a family (names and help already set). Appends to out. */
void render_text_meta(const exporterd_family *fam, render_buf *out);

/*
 * The sample lines of a family, appended to out; adds the number of lines to *nseries.
 * The same bytes serve both formats: sample names, label and value forms are common to
 * text 0.0.4 and OpenMetrics, and counts are written as integers in both.
 */
void render_samples(const exporterd_family *fam, render_buf *out, size_t *nseries);

/* OpenMetrics TYPE, UNIT (when the name ends in a unit) and HELP lines. Appends to out. */
void render_openmetrics_meta(const exporterd_family *fam, render_buf *out);

/* The unit OpenMetrics announces for a family name ("seconds" for x_seconds), or NULL. */
const char *render_openmetrics_unit(const char *name);

#endif
