/* Test-only plugin: needs a function the host does not provide, so dlopen(RTLD_NOW) fails. */
#include <exporterd/plugin.h>

/* Deliberately defined nowhere. */
EXPORTERD_API int exporterd_missing_host_function(exporterd_instance *inst);

static int undefined_symbol_init(exporterd_instance *inst)
{
	return exporterd_missing_host_function(inst);
}

static int undefined_symbol_collect(exporterd_instance *inst)
{
	return exporterd_missing_host_function(inst);
}

EXPORTERD_PLUGIN_DEFINE(.name = "undefined_symbol",
                        .description = "Test plugin with an unresolved reference",
                        .default_interval = "1s", .init = undefined_symbol_init,
                        .collect = undefined_symbol_collect);
