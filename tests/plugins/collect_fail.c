/* Test-only plugin: collect fails always or every other time, with a message. */
#include <exporterd/plugin.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* mode = always: every collect fails; mode = alternate: collects 2, 4, 6, ... fail.
 * The attempts counter is updated before failing, so what the host does with
 * a failed collect's data stays observable. */
typedef struct collect_fail {
	int alternate;
	uint64_t attempts;
	exporterd_family *attempts_total;
} collect_fail;

static const exporterd_option collect_fail_options[] = {
    {"mode", EXPORTERD_OPT_STRING, "always", "always or alternate", 0},
    {"message", EXPORTERD_OPT_STRING, "upstream said no", "text of the failure", 0},
    {NULL, 0, NULL, NULL, 0},
};

static int collect_fail_init(exporterd_instance *inst)
{
	const char *mode = exporterd_option_string(inst, "mode", 0);
	if (!mode || (strcmp(mode, "always") != 0 && strcmp(mode, "alternate") != 0))
		return exporterd_error(inst, "mode must be always or alternate, not \"%s\"",
		                       mode ? mode : "");
	collect_fail *cf = calloc(1, sizeof(*cf));
	if (!cf)
		return exporterd_error(inst, "out of memory");
	cf->alternate = strcmp(mode, "alternate") == 0;
	cf->attempts_total = exporterd_counter_new(inst, "collect_fail_attempts",
	                                           "Collects attempted, failed or not.", NULL);
	if (!cf->attempts_total) {
		free(cf);
		return -1;
	}
	exporterd_set_data(inst, cf);
	return 0;
}

static int collect_fail_collect(exporterd_instance *inst)
{
	collect_fail *cf = exporterd_data(inst);
	cf->attempts++;
	exporterd_child *c = exporterd_child_with(cf->attempts_total);
	if (!c)
		return exporterd_error(inst, "out of memory");
	exporterd_counter_inc(c, 1);
	if (!cf->alternate || cf->attempts % 2 == 0)
		return exporterd_error(inst, "%s", exporterd_option_string(inst, "message", 0));
	return 0;
}

static void collect_fail_shutdown(exporterd_instance *inst)
{
	free(exporterd_data(inst));
}

EXPORTERD_PLUGIN_DEFINE(.name = "collect_fail", .description = "Test plugin whose collect fails",
                        .options = collect_fail_options, .default_interval = "1s",
                        .init = collect_fail_init, .collect = collect_fail_collect,
                        .shutdown = collect_fail_shutdown);
