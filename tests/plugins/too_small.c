/* Test-only plugin: a descriptor that ends before the callbacks the host needs. */
#include <exporterd/plugin.h>

#include <stdint.h>

/* What a plugin built against a truncated descriptor would export: the
 * exported object really is this small, so a host that reads past `size`
 * reads past the object. */
typedef struct too_small_descriptor {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t size;
	uint32_t flags;
	const char *name;
	const char *description;
} too_small_descriptor;

EXPORTERD_EXPORT const too_small_descriptor exporterd_plugin = {
    .abi_major = EXPORTERD_ABI_MAJOR,
    .abi_minor = EXPORTERD_ABI_MINOR,
    .size = sizeof(too_small_descriptor),
    .name = "too_small",
    .description = "Test plugin with a truncated descriptor",
};
