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
#include "ops/preview_doc.h"

int cv_preview_refuse_type(cv_vault *v, const char *what, const char *mime)
{
	if (cv_preview_type(mime))
		return 0;
	return cv_error(v, CV_EREFUSED, "%s is of type %s, which casevault shows no preview of; download it to read it",
			what, mime);
}

int cv_preview_doc(cv_vault *v, const char *what, const char *mime, const void *doc, size_t len, int max_width,
		   void **png, size_t *png_len)
{
	char why[240] = "";
	int r;

	if (!len)
		return cv_error(v, CV_EINVAL, "%s is empty: there is nothing to preview", what);
	r = cv_fmt_preview(mime, doc, len, max_width, png, png_len, why, sizeof(why));
	return r < 0 ? cv_error(v, r, "%s: %s", what, why) : 0;
}

/* The document in fd (a memfd cv_record_get wrote) drawn as a PNG. */
static int draw(cv_vault *v, const char *what, const char *mime, int fd, int max_width, void **png, size_t *len)
{
	struct stat st;
	void *map = NULL;
	size_t size = 0;
	int r;

	if (fstat(fd, &st) == 0 && st.st_size > 0)
		size = (size_t)st.st_size;
	if (size && (map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		return cv_error(v, CV_ERROR, "cannot hold %s in memory to preview it", what);
	r = cv_preview_doc(v, what, mime, map, size, max_width, png, len);
	if (map)
		munmap(map, size);
	return r;
}

int cv_record_preview(cv_vault *v, const char *record_id, int max_width, void **png, size_t *len)
{
	cv_record info;
	char mime[96], what[40];
	int fd, r;

	*png = NULL;
	*len = 0;
	/* who may read it first, without decrypting: a type with no preview is never read */
	if ((r = cv_record_mime(v, record_id, mime)) < 0)
		return r;
	snprintf(what, sizeof(what), "record %.20s", record_id);
	if ((r = cv_preview_refuse_type(v, what, mime)) < 0)
		return r;
	if ((fd = memfd_create("cv-preview", MFD_CLOEXEC)) < 0)
		return cv_error(v, CV_ERROR, "cannot hold %s in memory to preview it", what);
	memset(&info, 0, sizeof(info));
	if ((r = cv_record_get(v, record_id, fd, &info)) == 0)
		r = draw(v, what, info.mime, fd, max_width, png, len);
	cv_record_release(&info);
	close(fd);
	return r;
}

int cv_preview_type(const char *mime)
{
	return (cv_fmt_caps(mime) & CV_FMT_PREVIEW) != 0;
}
