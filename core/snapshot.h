/* Rendered, immutable metric data: per-family chunks and per-instance snapshots. */
#ifndef EXPORTERD_SNAPSHOT_H
#define EXPORTERD_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Both formats of one family, rendered after a collect and never changed
 * afterwards; shared by reference between generations while the family is
 * unchanged. Meta lines and sample lines are kept apart so that a family
 * exported by several instances gets one HELP/TYPE and all samples together. */
typedef struct family_chunk {
	atomic_int refs;
	char *name;      /* family name: the merge key (OpenMetrics family name) */
	uint64_t shape;  /* hash of kind and label names; equal names need equal shapes */
	char *text_meta; /* "# HELP ...\n# TYPE ...\n" in text 0.0.4 */
	size_t text_meta_len;
	char *text_samples; /* sample lines, each ending in '\n' */
	size_t text_samples_len;
	char *om_meta; /* "# TYPE ...\n# UNIT ...\n# HELP ...\n" in OpenMetrics 1.0.0 */
	size_t om_meta_len;
	char *om_samples;
	size_t om_samples_len;
	size_t nseries; /* number of sample lines */
} family_chunk;

/* Takes a reference; returns c. */
family_chunk *family_chunk_ref(family_chunk *c);
/* Drops a reference; frees the chunk and its strings with the last one. NULL is fine. */
void family_chunk_unref(family_chunk *c);

/* What one instance published: its families sorted by name (strcmp). */
typedef struct instance_snapshot {
	atomic_int refs;
	size_t nfamilies;
	family_chunk **families; /* each holds one reference */
} instance_snapshot;

instance_snapshot *instance_snapshot_ref(instance_snapshot *s);
/* Drops a reference; the last one unrefs every chunk. NULL is fine. */
void instance_snapshot_unref(instance_snapshot *s);

#endif
