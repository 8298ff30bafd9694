/* Test-only plugin: init always fails with a message the tests look for. */
#include <exporterd/plugin.h>

#include <stdio.h>

static const exporterd_option init_fail_options[] = {
    {"reason", EXPORTERD_OPT_STRING, "database unreachable", "text of the failure", 0},
    {NULL, 0, NULL, NULL, 0},
};

static int init_fail_init(exporterd_instance *inst)
{
	return exporterd_error(inst, "cannot start: %s",
	                       exporterd_option_string(inst, "reason", 0));
}

static int init_fail_collect(exporterd_instance *inst)
{
	/* Visible on stderr so tests can prove the host never collects a failed instance. */
	fprintf(stderr, "init_fail: collect called after a failed init\n");
	return exporterd_error(inst, "collect after failed init");
}

EXPORTERD_PLUGIN_DEFINE(.name = "init_fail", .description = "Test plugin whose init fails",
                        .options = init_fail_options, .default_interval = "1s",
                        .init = init_fail_init, .collect = init_fail_collect);
