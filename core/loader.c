/* Loads a plugin shared object and checks its descriptor before anything of it runs. */
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int loader_fail(loaded_plugin *out, char *err, size_t errlen, const char *fmt,
                       const char *path, const char *detail)
{
	snprintf(err, errlen, fmt, path, detail);
	loader_close(out);
	return -1;
}

int loader_open(const char *plugin_dir, const char *name, loaded_plugin *out, char *err,
                size_t errlen)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(plugin_dir) + strlen(name) + 5;
	out->path = malloc(len);
	if (!out->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(out->path, len, "%s/%s.so", plugin_dir, name);

	/* dlopen's message for a missing file is vague about which file; say it plainly. */
	struct stat st;
	if (stat(out->path, &st) != 0)
		return loader_fail(out, err, errlen, "plugin %s: %s", out->path, strerror(errno));

	dlerror();
	out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!out->handle) {
		const char *why = dlerror();
		return loader_fail(out, err, errlen, "plugin %s: cannot load: %s", out->path,
		                   why ? why : "unknown dlopen error");
	}

	dlerror();
	out->desc = dlsym(out->handle, LOADER_SYMBOL);
	if (!out->desc)
		return loader_fail(
		    out, err, errlen,
		    "plugin %s: %s (not an exporterd plugin: no symbol " LOADER_SYMBOL ")",
		    out->path, dlerror() ? "symbol not found" : "symbol is NULL");

	const exporterd_plugin_descriptor *d = out->desc;
	char detail[320];
	if (d->abi_major != EXPORTERD_ABI_MAJOR) {
		snprintf(
		    detail, sizeof(detail),
		    "built for plugin ABI %u.%u, this exporterd speaks %d.%d; rebuild it against "
		    "this include/exporterd/plugin.h",
		    d->abi_major, d->abi_minor, EXPORTERD_ABI_MAJOR, EXPORTERD_ABI_MINOR);
		return loader_fail(out, err, errlen, "plugin %s: %s", out->path, detail);
	}
	if (d->size < LOADER_MIN_DESCRIPTOR_SIZE) {
		snprintf(detail, sizeof(detail),
		         "descriptor is %u bytes, smaller than the %zu bytes ABI %d needs", d->size,
		         (size_t)LOADER_MIN_DESCRIPTOR_SIZE, EXPORTERD_ABI_MAJOR);
		return loader_fail(out, err, errlen, "plugin %s: %s", out->path, detail);
	}
	if (!d->name || strcmp(d->name, name) != 0) {
		snprintf(detail, sizeof(detail),
		         "descriptor names the plugin \"%.64s\", the file is \"%.64s\"",
		         d->name ? d->name : "(null)", name);
		return loader_fail(out, err, errlen, "plugin %s: %s", out->path, detail);
	}
	if (!d->init || !d->collect)
		return loader_fail(out, err, errlen, "plugin %s: %s", out->path,
		                   "descriptor lacks an init or collect callback");
	return 0;
}

void loader_close(loaded_plugin *plugin)
{
	if (plugin->handle)
		dlclose(plugin->handle);
	free(plugin->path);
	memset(plugin, 0, sizeof(*plugin));
}
