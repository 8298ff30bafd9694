/* Loads a plugin shared object and checks its descriptor before anything of it runs. */
#ifndef EXPORTERD_LOADER_H
#define EXPORTERD_LOADER_H

#include "exporterd/plugin.h"

#include <stddef.h>

/* Name of the one symbol a plugin exports. */
#define LOADER_SYMBOL "exporterd_plugin"

/* The smallest descriptor the host accepts: one that reaches `shutdown`. */
#define LOADER_MIN_DESCRIPTOR_SIZE                                                                 \
	(offsetof(exporterd_plugin_descriptor, shutdown) +                                         \
	 sizeof(((exporterd_plugin_descriptor *)0)->shutdown))

typedef struct loaded_plugin {
	char *path;   /* <plugin_dir>/<name>.so, malloc'd */
	void *handle; /* from dlopen */
	const exporterd_plugin_descriptor *desc;
} loaded_plugin;

/* dlopen(RTLD_NOW | RTLD_LOCAL) of <plugin_dir>/<name>.so and checks: the
 * symbol exists, abi_major matches, size is large enough, the name equals the
 * file's, init and collect are set. On error returns -1 with a message naming
 * the path and the reason (dlerror() text included) and leaves *out empty. */
int loader_open(const char *plugin_dir, const char *name, loaded_plugin *out, char *err,
                size_t errlen);
/* dlclose and free; safe on an empty or already closed plugin. */
void loader_close(loaded_plugin *plugin);

#endif
