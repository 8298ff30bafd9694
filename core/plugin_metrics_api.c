/* The exporterd_*_new functions of the plugin ABI: family creation on the calling instance's store.
 */
#include "exporterd/plugin.h"
#include "instance.h"
#include "metric_store.h"

#include <stdio.h>

/* Creates the family in the instance's store; on failure records the reason with
 * exporterd_error (the host adds the section name) and returns NULL. */
static exporterd_family *api_family_new(exporterd_instance *inst, metric_kind kind,
                                        const char *name, const char *help, const char *labels,
                                        const family_options *opts)
{
	if (!inst)
		return NULL;
	char err[512];
	exporterd_family *fam = metric_store_family_new(instance_metric_store(inst), kind, name,
	                                                help, labels, opts, err, sizeof(err));
	if (!fam)
		exporterd_error(inst, "%s", err);
	return fam;
}

EXPORTERD_API exporterd_family *exporterd_counter_new(exporterd_instance *inst, const char *name,
                                                      const char *help, const char *labels)
{
	return api_family_new(inst, METRIC_COUNTER, name, help, labels, NULL);
}

EXPORTERD_API exporterd_family *exporterd_gauge_new(exporterd_instance *inst, const char *name,
                                                    const char *help, const char *labels)
{
	return api_family_new(inst, METRIC_GAUGE, name, help, labels, NULL);
}

EXPORTERD_API exporterd_family *exporterd_summary_new(exporterd_instance *inst, const char *name,
                                                      const char *help, const char *labels)
{
	return api_family_new(inst, METRIC_SUMMARY, name, help, labels, NULL);
}

EXPORTERD_API exporterd_family *exporterd_histogram_new(exporterd_instance *inst, const char *name,
                                                        const char *help, const char *labels,
                                                        const double *buckets, size_t nbuckets)
{
	family_options opts = {.buckets = buckets, .nbuckets = nbuckets};
	return api_family_new(inst, METRIC_HISTOGRAM, name, help, labels, &opts);
}

EXPORTERD_API exporterd_family *exporterd_info_new(exporterd_instance *inst, const char *name,
                                                   const char *help, const char *labels,
                                                   const char *info_labels)
{
	family_options opts = {.info_labels = info_labels};
	return api_family_new(inst, METRIC_INFO, name, help, labels, &opts);
}

EXPORTERD_API exporterd_family *exporterd_enum_new(exporterd_instance *inst, const char *name,
                                                   const char *help, const char *labels,
                                                   const char *states)
{
	family_options opts = {.states = states};
	return api_family_new(inst, METRIC_ENUM, name, help, labels, &opts);
}
