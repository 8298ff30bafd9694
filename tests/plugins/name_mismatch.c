/* Test-only plugin: its descriptor names another plugin than its file does. */
#include <exporterd/plugin.h>

#include <stdio.h>

static int name_mismatch_init(exporterd_instance *inst)
{
	fprintf(stderr, "name_mismatch: init called despite the wrong name\n");
	return exporterd_error(inst, "init must not run");
}

static int name_mismatch_collect(exporterd_instance *inst)
{
	return exporterd_error(inst, "collect must not run");
}

EXPORTERD_PLUGIN_DEFINE(.name = "someone_else", .description = "Test plugin with a wrong name",
                        .default_interval = "1s", .init = name_mismatch_init,
                        .collect = name_mismatch_collect);
