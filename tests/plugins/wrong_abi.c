/* Test-only plugin: a descriptor claiming ABI major 99, which the host must refuse unopened. */
#include <exporterd/plugin.h>

#include <stdio.h>

static int wrong_abi_init(exporterd_instance *inst)
{
	fprintf(stderr, "wrong_abi: init called despite the ABI mismatch\n");
	return exporterd_error(inst, "init must not run");
}

static int wrong_abi_collect(exporterd_instance *inst)
{
	fprintf(stderr, "wrong_abi: collect called despite the ABI mismatch\n");
	return exporterd_error(inst, "collect must not run");
}

/* Built by hand: the macro would stamp the current ABI version. */
EXPORTERD_EXPORT const exporterd_plugin_descriptor exporterd_plugin = {
    .abi_major = 99,
    .abi_minor = 0,
    .size = sizeof(exporterd_plugin_descriptor),
    .name = "wrong_abi",
    .description = "Test plugin from an incompatible future",
    .init = wrong_abi_init,
    .collect = wrong_abi_collect,
};
