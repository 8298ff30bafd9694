/* Reference counting of rendered family chunks and instance snapshots. */
#include "snapshot.h"

#include <stdlib.h>

family_chunk *family_chunk_ref(family_chunk *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void family_chunk_unref(family_chunk *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* The store renders sample lines once for both formats and may share the buffer. */
	if (c->om_samples != c->text_samples)
		free(c->om_samples);
	free(c->text_samples);
	if (c->om_meta != c->text_meta)
		free(c->om_meta);
	free(c->text_meta);
	free(c->name);
	free(c);
}

instance_snapshot *instance_snapshot_ref(instance_snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void instance_snapshot_unref(instance_snapshot *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < s->nfamilies; i++)
		family_chunk_unref(s->families[i]);
	free(s->families);
	free(s);
}
