/* Internals of the family registry (see metric_store.h) and the string table it and the store
 * share. */
#ifndef EXPORTERD_FAMILY_REGISTRY_H
#define EXPORTERD_FAMILY_REGISTRY_H

#include "metric_store.h"

#include <stddef.h>
#include <stdint.h>

/* FNV-1a over n bytes, continuing from h (start with NAME_HASH_SEED). */
#define NAME_HASH_SEED 0xcbf29ce484222325ULL
static inline uint64_t name_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Spreads the bits of a hash so that its low bits can index a power-of-two table. */
static inline uint64_t name_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* A map from NUL-terminated names to pointers. Keys are not copied: each must stay valid
 * while it is in the table. Zero-initialise before use; name_table_free releases it. */
typedef struct name_table_node name_table_node;
typedef struct name_table {
	name_table_node **slots;
	size_t mask;
	size_t count;
} name_table;

void *name_table_get(const name_table *t, const char *key);
/* Adds or replaces key. Returns 0, or -1 when out of memory. */
int name_table_put(name_table *t, const char *key, void *value);
/* Removes key if present. */
void name_table_remove(name_table *t, const char *key);
void name_table_free(name_table *t);

/* A store's own reference: a store whose instance outlives its set (a hung
 * collect) may still create families, so it keeps the registry alive. */
void family_registry_ref(family_registry *reg);
void family_registry_unref(family_registry *reg);

/* The human name of a kind, as error messages use it ("counter", "enum"). */
const char *metric_kind_name(metric_kind kind);

/* One instance's declaration of a family name in a registry. */
typedef struct registry_claim registry_claim;

/*
 * Claims family `name` for `instance`. names[0..nnames) are every name the family
 * occupies in an exposition (its own name first, then its sample names). Fails, writing
 * why to err and naming the other instance, when another instance declared the same name
 * with a different shape, or a different family occupies one of these names. The claim
 * lasts until family_registry_release.
 */
registry_claim *family_registry_claim(family_registry *reg, const char *instance, metric_kind kind,
                                      const char *const *names, size_t nnames, const char *shape,
                                      char *err, size_t errlen);
/* Drops a claim and the series it published. NULL is fine. */
void family_registry_release(registry_claim *claim);

/* Non-zero while at least two instances claim the family. Lock-free: a hint for skipping
 * the publish check, which itself reads under the lock. */
int family_registry_shared(const registry_claim *claim);
/* Changes whenever an instance joins or leaves the family. */
unsigned family_registry_generation(const registry_claim *claim);

/* The series one family of one store is about to publish: hashes sorted ascending. */
typedef struct registry_publication {
	registry_claim *claim;
	const uint64_t *hashes;
	size_t nhashes;
} registry_publication;

/*
 * Checks the publications of one store against what the other instances of the same
 * families published. When no series is published twice, records all of them atomically and
 * returns 0. Otherwise records nothing, sets *bad (index into pubs) and *bad_hash, copies the
 * other instance's name into other, and returns -1; returns -2 when out of memory.
 */
int family_registry_publish(family_registry *reg, const registry_publication *pubs, size_t npubs,
                            size_t *bad, uint64_t *bad_hash, char *other, size_t otherlen);

#endif
