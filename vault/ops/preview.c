/*
 * casevault - a record's preview (casevault/preview.h; docs/web.md,
 * Previews).  The record is read exactly as 'casevault get' reads it, into
 * an anonymous memory file (never a name on disk: docs/security.md), and
 * the document formats module draws the picture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/handle.h"
#include "formats/formats.h"
#include "casevault/preview.h"
#include "casevault/record.h"

/* The document in fd drawn as a PNG; the formats module's reason as the vault's message. */
static int draw(cv_vault *v, const char *record_id, const char *mime, int fd, int max_width, void **png,
		size_t *len)
{
	struct stat st;
	char why[240] = "";
	void *map;
	int r;

	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return cv_error(v, CV_EINVAL, "record %s is empty: there is nothing to preview", record_id);
	if ((map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		return cv_error(v, CV_ERROR, "cannot hold record %s in memory to preview it", record_id);
	r = cv_fmt_preview(mime, map, (size_t)st.st_size, max_width, png, len, why, sizeof(why));
	munmap(map, (size_t)st.st_size);
	return r < 0 ? cv_error(v, r, "record %s: %s", record_id, why) : 0;
}

int cv_record_preview(cv_vault *v, const char *record_id, int max_width, void **png, size_t *len)
{
	cv_record info;
	char mime[96];
	int fd, r;

	*png = NULL;
	*len = 0;
	/* who may read it first, without decrypting: a type with no preview is never read */
	if ((r = cv_record_mime(v, record_id, mime)) < 0)
		return r;
	if (!cv_preview_type(mime))
		return cv_error(v, CV_EREFUSED, "record %s is of type %s, which casevault shows no preview of; "
				"download it to read it", record_id, mime);
	if ((fd = memfd_create("cv-preview", MFD_CLOEXEC)) < 0)
		return cv_error(v, CV_ERROR, "cannot hold record %s in memory to preview it", record_id);
	memset(&info, 0, sizeof(info));
	if ((r = cv_record_get(v, record_id, fd, &info)) == 0)
		r = draw(v, record_id, info.mime, fd, max_width, png, len);
	cv_record_release(&info);
	close(fd);
	return r;
}

int cv_preview_type(const char *mime)
{
	return (cv_fmt_caps(mime) & CV_FMT_PREVIEW) != 0;
}
