/*
 * libFuzzer target: an archive's plaintext as `get` and `verify` read it
 * back once its key opened it (store/archive.c, cv_archive_read_stream):
 * a tar stream, zstd-compressed or not, whose members are the records and
 * manifest.json.  A key opens only what the vault wrote, so this is the
 * defence in depth behind the signed filing receipt (docs/security.md):
 * a damaged or hostile stream must be refused, never crash the reader.
 * The manifest is kept as verify keeps it (64 MiB at most) and read the
 * way verify reads it (ops/verify.c, check_record).  Build with
 * -DBUILD_FUZZERS=ON and clang; run: scripts/fuzz.sh SECONDS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <jansson.h>

#include "crypto/seal.h"
#include "store/archive.h"

struct collect {
	char *manifest;
	size_t mlen;
	int in_manifest;
	cv_sha256 *md;
	size_t members;
};

static int on_entry(void *hook, const char *name, int64_t size)
{
	struct collect *c = hook;

	c->in_manifest = !strcmp(name, "manifest.json");
	if (c->in_manifest)
		return size > 64 * 1024 * 1024 ? 0 : 1;
	cv_sha256_free(c->md);
	return (c->md = cv_sha256_new()) ? 1 : -1;
}

static int on_data(void *hook, const void *buf, size_t len)
{
	struct collect *c = hook;
	char *m;

	if (!c->in_manifest) {
		cv_sha256_write(c->md, buf, len);
		return 0;
	}
	if (!(m = realloc(c->manifest, c->mlen + len + 1)))
		return -1;
	memcpy(m + c->mlen, buf, len);
	c->mlen += len;
	m[c->mlen] = '\0';
	c->manifest = m;
	return 0;
}

static int on_end(void *hook, const char *name)
{
	struct collect *c = hook;
	char sha[65];

	(void)name;
	if (c->in_manifest)
		return 0;
	cv_sha256_final(c->md, sha);
	cv_sha256_free(c->md);
	c->md = NULL;
	if (strlen(sha) != 64)
		abort();
	c->members++;
	return 0;
}

/* What verify takes from a manifest: the case and section, and per record its fields. */
static void read_manifest(const char *text)
{
	json_t *man = json_loads(text, 0, NULL), *e;
	size_t i;

	if (!man)
		return;
	(void)json_string_value(json_object_get(man, "case"));
	(void)json_string_value(json_object_get(man, "section"));
	json_array_foreach(json_object_get(man, "records"), i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *sha = json_string_value(json_object_get(e, "sha256"));
		json_t *sz = json_object_get(e, "size");

		if (id && sha && strlen(sha) == 64 && json_is_integer(sz) && json_integer_value(sz) < 0)
			(void)0;  /* verify compares it with the index's size; nothing to trust */
		(void)json_string_value(json_object_get(e, "class"));
		(void)json_string_value(json_object_get(e, "mime"));
	}
	json_decref(man);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collect c;
	cv_archive_reader rd = { on_entry, on_data, on_end, &c };
	char msg[256];
	int fd = memfd_create("cvfuzz", MFD_CLOEXEC), r;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	memset(&c, 0, sizeof(c));
	msg[0] = '\0';
	r = cv_archive_read_stream(fd, &rd, msg, sizeof(msg));
	if (r != 0 && !msg[0])
		abort();  /* every refusal says why */
	if (c.manifest)
		read_manifest(c.manifest);
	free(c.manifest);
	cv_sha256_free(c.md);
	close(fd);
	return 0;
}
