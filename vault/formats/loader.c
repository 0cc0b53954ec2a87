/*
 * casevault - the document formats module, loaded on first use
 * (docs/architecture.md, "The document formats module"; module.h).
 *
 * Why: MuPDF, libxml2, GMime and gexiv2 bring some thirty libraries
 * (glib, gio, harfbuzz, ...); resolving them at every start cost
 * casevault-direct two thirds of a "--version".  Only a command that reads
 * a document needs them, so they live in casevault-formats.so, loaded by
 * the first call below.
 *
 * Every document a bundle or a filing reads passes through the module, so
 * it is trusted by identity like the encryption helper (docs/security.md,
 * The encryption helper program): its path and every directory above it
 * are checked through descriptors (base/trusted.c) and the module is
 * loaded through that same descriptor.  Its place is fixed when casevault
 * is built: beside the running program (a build tree's own, or the install
 * directory for casevault-direct), else the install directory.  Only a
 * test build also looks in its build tree, and lets a test name another
 * module (CASEVAULT_FORMATS_MODULE) to prove the refusals.  A module that
 * cannot be loaded fails closed: each call returns CV_ERROR with one line,
 * and the caller refuses the document it was asked to read.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/trusted.h"
#include "formats/formats.h"
#include "formats/module.h"

#define MODULE_NAME "casevault-formats.so"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct cv_fmt_table *table;
static char failure[4608];     /* when table is NULL: the one-line message */

/* Where the module was looked for, and what was found there. */
struct where {
	char path[4096];
	char why[320];
	int fd;
};

/* Open w->path by identity (w->fd); 0 when it is there (usable or refused), -1 when it is not. */
static int try_path(struct where *w)
{
	int missing;

	w->fd = cv_trusted_open(w->path, &missing, w->why, sizeof(w->why));
	return w->fd >= 0 || !missing ? 0 : -1;
}

/* The module to load, found as the header comment says: w->fd, or -1 with w->why. */
static void find_module(struct where *w)
{
	ssize_t n = readlink("/proc/self/exe", w->path, sizeof(w->path) - sizeof(MODULE_NAME) - 1);
	char *slash;

#ifdef CV_FMT_BUILD_MODULE
	const char *test = getenv("CASEVAULT_FORMATS_MODULE");

	if (test && *test) {
		snprintf(w->path, sizeof(w->path), "%s", test);
		try_path(w);
		return;
	}
#endif
	/* beside this executable first: a build tree's own, never an older installed one */
	if (n > 0 && (w->path[n] = '\0', slash = strrchr(w->path, '/'))) {
		strcpy(slash + 1, MODULE_NAME);
		if (try_path(w) == 0)
			return;  /* one refused there is not replaced by another */
	}
#ifdef CV_FMT_BUILD_MODULE
	snprintf(w->path, sizeof(w->path), "%s", CV_FMT_BUILD_MODULE);
	if (try_path(w) == 0)
		return;
#endif
	snprintf(w->path, sizeof(w->path), "%s", CV_FMT_MODULE);
	try_path(w);
}

/* dlopen the checked descriptor and take its table; NULL with w->why. */
static const struct cv_fmt_table *load_table(struct where *w)
{
	char fdpath[64];
	const struct cv_fmt_table *t;
	void *h;

	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", w->fd);
	if (!(h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL))) {
		const char *e = dlerror();
		size_t fl = strlen(fdpath);

		/* the message names the descriptor's path; the module's is already in the line */
		if (e && !strncmp(e, fdpath, fl) && !strncmp(e + fl, ": ", 2))
			e += fl + 2;
		snprintf(w->why, sizeof(w->why), "%s", e ? e : "dlopen failed");
		return NULL;
	}
	t = dlsym(h, CV_FMT_TABLE_NAME);
	if (!t || t->abi != CV_FMT_ABI || t->size < sizeof(*t)) {
		snprintf(w->why, sizeof(w->why), "%s", t ? "it is of another casevault version" :
			 "it has no " CV_FMT_TABLE_NAME);
		dlclose(h);
		return NULL;
	}
	return t;  /* kept loaded for the life of the process */
}

static void load_once(void)
{
	struct where w = { .fd = -1 };
	const char *d = getenv("CASEVAULT_DEBUG");

	find_module(&w);
	if (w.fd >= 0) {
		table = load_table(&w);
		close(w.fd);
	}
	if (!table)
		snprintf(failure, sizeof(failure), "cannot load the document formats module %s: %s; reinstall casevault",
			 w.path, w.why);
	if (d && strstr(d, "formats"))
		fprintf(stderr, "casevault: debug: document formats module: %s\n", table ? w.path : failure);
}

/* The module's table, loaded on the first call; NULL with the message in err. */
static const struct cv_fmt_table *module(char *err, size_t errlen)
{
	pthread_once(&once, load_once);
	if (!table && err && errlen)
		snprintf(err, errlen, "%s", failure);
	return table;
}

/* Each function of formats.h but cv_fmt_caps (types.c): load, then call the module's. */
#define CV_FMT_STUB(ret, name, params, args, reset) \
	ret cv_fmt_##name params \
	{ \
		const struct cv_fmt_table *t = module(err, errlen); \
		if (!t) { \
			reset; \
			return CV_ERROR; \
		} \
		return t->name args; \
	}
CV_FMT_FUNCTIONS(CV_FMT_STUB)
