/*
 * casevault - JPEG, PNG and TIFF metadata (EXIF, XMP, IPTC, comments)
 * with gexiv2 (docs/legal-rules.md §9; docs/architecture.md, Layers:
 * formats).
 *
 * gexiv2 writes an image only to a file, so the clean copy is made in an
 * anonymous memory file (memfd_create): it has no name in any directory,
 * never reaches a disk, and is gone when its descriptor is closed, on
 * every path (docs/security.md, No plaintext on disk inside the vault).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gexiv2/gexiv2.h>
#include <glib.h>

#include "casevault/common.h"
#include "base/util.h"
#include "formats/formats.h"
#include "formats/fmt.h"

static gpointer init_gexiv2(gpointer unused)
{
	(void)unused;
	/* Exiv2 prints its warnings on stderr otherwise; a library prints nothing */
	gexiv2_log_set_level(GEXIV2_LOG_LEVEL_MUTE);
	return GINT_TO_POINTER(gexiv2_initialize());
}

static GExiv2Metadata *open_image(const void *buf, size_t n, char *err, size_t errlen)
{
	static GOnce once = G_ONCE_INIT;
	GExiv2Metadata *md;
	GError *gerr = NULL;

	if (!g_once(&once, init_gexiv2, NULL)) {
		cv_fmt_fail(err, errlen, CV_ERROR, "cannot start the image metadata library (gexiv2)");
		return NULL;
	}
	if (n > (size_t)G_MAXLONG) {
		cv_fmt_fail(err, errlen, CV_EINVAL, "the image is too large to read");
		return NULL;
	}
	md = gexiv2_metadata_new();
	if (!gexiv2_metadata_open_buf(md, buf, (glong)n, &gerr)) {
		cv_fmt_fail(err, errlen, CV_EINVAL, "not a readable image (%s); ask for it again",
			    gerr && gerr->message ? gerr->message : "unknown format");
		g_clear_error(&gerr);
		g_object_unref(md);
		return NULL;
	}
	return md;
}

int cv_image_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	GExiv2Metadata *md = open_image(buf, n, err, errlen);

	if (!md)
		return CV_EINVAL;
	g_object_unref(md);
	/* an image's words are pixels: a person decides on them (docs/legal-rules.md §7) */
	*text = g_strdup("");
	*len = 0;
	return 0;
}

/* The whole content of fd, from its start, in memory the caller frees. */
static int read_back(int fd, void **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	char *p;
	ssize_t r;
	size_t got = 0;

	if (fstat(fd, &st) != 0 || st.st_size <= 0 || (size_t)st.st_size > CV_FMT_MAX)
		return cv_fmt_fail(err, errlen, CV_ERROR, "cannot read back the cleaned image");
	p = malloc((size_t)st.st_size);
	if (!p)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	while (got < (size_t)st.st_size) {
		r = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(p);
			return cv_fmt_fail(err, errlen, CV_ERROR, "cannot read back the cleaned image");
		}
		got += (size_t)r;
	}
	*out = p;
	*outlen = got;
	return 0;
}

int cv_image_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen)
{
	GExiv2Metadata *md = open_image(buf, n, err, errlen);
	GError *gerr = NULL;
	char path[64];
	int fd, rc = 0;

	if (!md)
		return CV_EINVAL;
	fd = memfd_create("casevault-image", MFD_CLOEXEC);
	if (fd < 0 || cv_write_all(fd, buf, n) != 0)
		rc = cv_fmt_fail(err, errlen, CV_ERROR, "cannot hold the image in memory: %s", strerror(errno));
	if (rc == 0) {
		/* Exiv2 rewrites the file by name: the memory file's name in /proc */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		gexiv2_metadata_clear(md);
		if (!gexiv2_metadata_save_file(md, path, &gerr))
			rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot write the image without its metadata (%s)",
					 gerr && gerr->message ? gerr->message : "unknown error");
	}
	if (rc == 0)
		rc = read_back(fd, out, outlen, err, errlen);
	g_clear_error(&gerr);
	if (fd >= 0)
		close(fd);
	g_object_unref(md);
	return rc;
}

/* The first tag of a list, named in what; frees the list. */
static void first_tag(gchar **tags, const char *kind, char *what, size_t wlen)
{
	if (!what[0] && tags && tags[0])
		snprintf(what, wlen, "%s tag %s", kind, tags[0]);
	g_strfreev(tags);
}

int cv_image_check(const void *buf, size_t n, char *err, size_t errlen)
{
	GExiv2Metadata *md = open_image(buf, n, err, errlen);
	char what[160] = "";
	gchar *comment;
	GError *gerr = NULL;

	if (!md)
		return CV_EINVAL;
	first_tag(gexiv2_metadata_get_exif_tags(md), "EXIF", what, sizeof(what));
	first_tag(gexiv2_metadata_get_xmp_tags(md), "XMP", what, sizeof(what));
	first_tag(gexiv2_metadata_get_iptc_tags(md), "IPTC", what, sizeof(what));
	comment = gexiv2_metadata_try_get_comment(md, &gerr);
	g_clear_error(&gerr);
	if (!what[0] && comment && comment[0])
		snprintf(what, sizeof(what), "an image comment");
	g_free(comment);
	g_object_unref(md);
	if (what[0])
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "metadata left in the document: %s", what);
	return 0;
}

/*
 * Nothing after the image's end: PNG's IEND chunk (with its CRC), JPEG's
 * EOI marker (zero padding some scanners write is allowed).  A reader
 * stops there, so anything appended is never seen.  TIFF has no end.
 */
static int ends_clean(int kind, const unsigned char *p, size_t n)
{
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };

	if (kind == CV_IMAGE_PNG)
		return n >= sizeof(iend) && memcmp(p + n - sizeof(iend), iend, sizeof(iend)) == 0;
	if (kind == CV_IMAGE_JPEG) {
		while (n > 2 && p[n - 1] == 0)
			n--;
		return n >= 4 && p[n - 2] == 0xff && p[n - 1] == 0xd9;
	}
	return 1;
}

int cv_image_structure(int kind, const void *buf, size_t n, char *err, size_t errlen)
{
	GExiv2Metadata *md;

	if (!ends_clean(kind, buf, n))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "it is not a %s image throughout: bytes follow its end "
				   "(an appended program?); save or scan the image again", kind == CV_IMAGE_PNG ? "PNG" : "JPEG");
	if (!(md = open_image(buf, n, err, errlen)))
		return CV_EREFUSED;
	g_object_unref(md);
	return 0;
}
