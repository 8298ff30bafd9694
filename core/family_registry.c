/* Family definitions shared by the instances of one running set, and the series they publish. */
#include "family_registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name_table ---- */

struct name_table_node {
	name_table_node *next;
	uint64_t hash;
	const char *key;
	void *value;
};

static uint64_t name_table_hash(const char *key)
{
	return name_hash_mix(name_hash_bytes(NAME_HASH_SEED, key, strlen(key)));
}

static name_table_node **name_table_find(const name_table *t, const char *key, uint64_t h)
{
	if (!t->slots)
		return NULL;
	name_table_node **pp = &t->slots[h & t->mask];
	while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0))
		pp = &(*pp)->next;
	return pp;
}

void *name_table_get(const name_table *t, const char *key)
{
	name_table_node **pp = name_table_find(t, key, name_table_hash(key));
	return pp && *pp ? (*pp)->value : NULL;
}

static int name_table_grow(name_table *t)
{
	size_t size = t->slots ? (t->mask + 1) * 2 : 16;
	name_table_node **slots = calloc(size, sizeof(*slots));
	if (!slots)
		return -1;
	if (t->slots) {
		for (size_t i = 0; i <= t->mask; i++) {
			name_table_node *n = t->slots[i];
			while (n) {
				name_table_node *next = n->next;
				n->next = slots[n->hash & (size - 1)];
				slots[n->hash & (size - 1)] = n;
				n = next;
			}
		}
		free(t->slots);
	}
	t->slots = slots;
	t->mask = size - 1;
	return 0;
}

int name_table_put(name_table *t, const char *key, void *value)
{
	uint64_t h = name_table_hash(key);
	name_table_node **pp = name_table_find(t, key, h);
	if (pp && *pp) {
		(*pp)->value = value;
		return 0;
	}
	if ((!t->slots || t->count >= t->mask + 1) && name_table_grow(t) != 0)
		return -1;
	name_table_node *n = malloc(sizeof(*n));
	if (!n)
		return -1;
	n->hash = h;
	n->key = key;
	n->value = value;
	n->next = t->slots[h & t->mask];
	t->slots[h & t->mask] = n;
	t->count++;
	return 0;
}

void name_table_remove(name_table *t, const char *key)
{
	name_table_node **pp = name_table_find(t, key, name_table_hash(key));
	if (!pp || !*pp)
		return;
	name_table_node *n = *pp;
	*pp = n->next;
	free(n);
	t->count--;
}

void name_table_free(name_table *t)
{
	if (t->slots) {
		for (size_t i = 0; i <= t->mask; i++) {
			name_table_node *n = t->slots[i];
			while (n) {
				name_table_node *next = n->next;
				free(n);
				n = next;
			}
		}
		free(t->slots);
	}
	memset(t, 0, sizeof(*t));
}

const char *metric_kind_name(metric_kind kind)
{
	switch (kind) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_SUMMARY:
		return "summary";
	case METRIC_HISTOGRAM:
		return "histogram";
	case METRIC_INFO:
		return "info";
	case METRIC_ENUM:
		return "enum";
	}
	return "metric";
}

/* ---- the registry ---- */

/* One family name with every instance that declared it. */
typedef struct registry_entry {
	metric_kind kind;
	char *shape;
	char **names; /* names[0] is the family name; all are keys of the registry's table */
	size_t nnames;
	registry_claim *claims;
	atomic_int nclaims;
	atomic_uint generation;
} registry_entry;

struct registry_claim {
	family_registry *reg;
	registry_entry *entry;
	registry_claim *next;
	char *instance;
	uint64_t *published; /* sorted series hashes of the last successful publish */
	size_t npublished;
};

struct family_registry {
	atomic_int refs; /* the creator's and one per claim */
	pthread_mutex_t mu;
	name_table names; /* every name an entry occupies → the entry */
};

family_registry *family_registry_new(void)
{
	family_registry *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return NULL;
	atomic_init(&reg->refs, 1);
	pthread_mutex_init(&reg->mu, NULL);
	return reg;
}

static void registry_entry_free(registry_entry *e)
{
	for (size_t i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	free(e->shape);
	free(e);
}

static void registry_claim_free(registry_claim *c)
{
	free(c->instance);
	free(c->published);
	free(c);
}

static void registry_unref(family_registry *reg)
{
	if (atomic_fetch_sub(&reg->refs, 1) != 1)
		return;
	name_table_free(&reg->names);
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

void family_registry_ref(family_registry *reg)
{
	atomic_fetch_add(&reg->refs, 1);
}

void family_registry_unref(family_registry *reg)
{
	if (reg)
		registry_unref(reg);
}

/* Drops the creator's reference. Every claim holds one too, so a store that outlives the set
 * (an instance whose hung worker could not be joined) still finds its registry. */
void family_registry_free(family_registry *reg)
{
	if (reg)
		registry_unref(reg);
}

static registry_entry *registry_entry_new(metric_kind kind, const char *const *names, size_t nnames,
                                          const char *shape)
{
	registry_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->kind = kind;
	e->shape = strdup(shape);
	e->names = calloc(nnames, sizeof(*e->names));
	if (!e->shape || !e->names)
		goto fail;
	for (e->nnames = 0; e->nnames < nnames; e->nnames++) {
		e->names[e->nnames] = strdup(names[e->nnames]);
		if (!e->names[e->nnames])
			goto fail;
	}
	atomic_init(&e->nclaims, 0);
	atomic_init(&e->generation, 0);
	return e;
fail:
	registry_entry_free(e);
	return NULL;
}

registry_claim *family_registry_claim(family_registry *reg, const char *instance, metric_kind kind,
                                      const char *const *names, size_t nnames, const char *shape,
                                      char *err, size_t errlen)
{
	registry_claim *claim = calloc(1, sizeof(*claim));
	if (!claim || !(claim->instance = strdup(instance))) {
		free(claim);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	claim->reg = reg;

	pthread_mutex_lock(&reg->mu);
	registry_entry *same = NULL;
	for (size_t i = 0; i < nnames; i++) {
		registry_entry *e = name_table_get(&reg->names, names[i]);
		if (!e)
			continue;
		const char *other = e->claims ? e->claims->instance : "?";
		if (strcmp(e->names[0], names[0]) == 0) {
			if (strcmp(e->shape, shape) != 0) {
				snprintf(
				    err, errlen,
				    "metric \"%s\" is declared differently by instance \"%s\": "
				    "there a %s, here a %s",
				    names[0], other, e->shape, shape);
				goto fail;
			}
			same = e;
			continue;
		}
		snprintf(err, errlen,
		         "%s \"%s\" clashes with %s \"%s\" of instance \"%s\": both would use the "
		         "name \"%s\"",
		         metric_kind_name(kind), names[0], metric_kind_name(e->kind), e->names[0],
		         other, names[i]);
		goto fail;
	}
	if (!same) {
		same = registry_entry_new(kind, names, nnames, shape);
		if (!same)
			goto oom;
		size_t put = 0;
		for (; put < same->nnames; put++)
			if (name_table_put(&reg->names, same->names[put], same) != 0)
				break;
		if (put < same->nnames) {
			while (put--)
				name_table_remove(&reg->names, same->names[put]);
			registry_entry_free(same);
			goto oom;
		}
	}
	claim->entry = same;
	/* Appended, so that errors name the instance that declared the family first. */
	registry_claim **tail = &same->claims;
	while (*tail)
		tail = &(*tail)->next;
	*tail = claim;
	atomic_fetch_add(&same->nclaims, 1);
	atomic_fetch_add(&same->generation, 1);
	atomic_fetch_add(&reg->refs, 1);
	pthread_mutex_unlock(&reg->mu);
	return claim;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	pthread_mutex_unlock(&reg->mu);
	registry_claim_free(claim);
	return NULL;
}

void family_registry_release(registry_claim *claim)
{
	if (!claim)
		return;
	family_registry *reg = claim->reg;
	pthread_mutex_lock(&reg->mu);
	registry_entry *e = claim->entry;
	registry_claim **pp = &e->claims;
	while (*pp && *pp != claim)
		pp = &(*pp)->next;
	if (*pp)
		*pp = claim->next;
	atomic_fetch_sub(&e->nclaims, 1);
	atomic_fetch_add(&e->generation, 1);
	if (!e->claims) {
		for (size_t i = 0; i < e->nnames; i++)
			name_table_remove(&reg->names, e->names[i]);
		registry_entry_free(e);
	}
	pthread_mutex_unlock(&reg->mu);
	registry_claim_free(claim);
	registry_unref(reg);
}

int family_registry_shared(const registry_claim *claim)
{
	return atomic_load_explicit(&claim->entry->nclaims, memory_order_relaxed) >= 2;
}

unsigned family_registry_generation(const registry_claim *claim)
{
	return atomic_load_explicit(&claim->entry->generation, memory_order_relaxed);
}

/* Returns non-zero and the common value when two ascending arrays share an element. */
static int registry_intersect(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
                              uint64_t *common)
{
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j]) {
			i++;
		} else if (a[i] > b[j]) {
			j++;
		} else {
			*common = a[i];
			return 1;
		}
	}
	return 0;
}

int family_registry_publish(family_registry *reg, const registry_publication *pubs, size_t npubs,
                            size_t *bad, uint64_t *bad_hash, char *other, size_t otherlen)
{
	/* Copies are made before taking the lock so that a failure leaves nothing half recorded. */
	uint64_t **copies = calloc(npubs ? npubs : 1, sizeof(*copies));
	if (!copies)
		return -2;
	for (size_t i = 0; i < npubs; i++) {
		size_t n = pubs[i].nhashes;
		copies[i] = malloc((n ? n : 1) * sizeof(uint64_t));
		if (!copies[i]) {
			while (i--)
				free(copies[i]);
			free(copies);
			return -2;
		}
		if (n)
			memcpy(copies[i], pubs[i].hashes, n * sizeof(uint64_t));
	}

	int rc = 0;
	pthread_mutex_lock(&reg->mu);
	for (size_t i = 0; i < npubs && rc == 0; i++) {
		const registry_claim *mine = pubs[i].claim;
		for (const registry_claim *c = mine->entry->claims; c; c = c->next) {
			if (c == mine)
				continue;
			if (registry_intersect(pubs[i].hashes, pubs[i].nhashes, c->published,
			                       c->npublished, bad_hash)) {
				*bad = i;
				snprintf(other, otherlen, "%s", c->instance);
				rc = -1;
				break;
			}
		}
	}
	if (rc == 0) {
		for (size_t i = 0; i < npubs; i++) {
			registry_claim *c = pubs[i].claim;
			free(c->published);
			c->published = copies[i];
			c->npublished = pubs[i].nhashes;
			copies[i] = NULL;
		}
	}
	pthread_mutex_unlock(&reg->mu);
	for (size_t i = 0; i < npubs; i++)
		free(copies[i]);
	free(copies);
	return rc;
}
