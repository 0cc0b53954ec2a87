/*
 * casevault - document types from their content (libmagic), in two stages.
 *
 * libmagic's full database costs about a millisecond of CPU for every plain
 * text file (it tries every text rule in turn), which dominated a bulk import
 * of notes.  So a small rule set of our own goes first, in libmagic's own
 * magic(5) language: it recognises the admitted binary types by their
 * signatures, common e-mail headers, and every marker of active or
 * executable text (a #! line, HTML, SVG, XML, PHP, PostScript, RTF).  Only
 * when it recognises an admitted type, or finds plain text with none of
 * those markers, is its answer final; anything else (zip containers such as
 * ODT/DOCX, unknown binaries, text with a marker) goes to the full database,
 * whose answer then decides.  Consequence (docs/policy-filetypes.md): text
 * with no marker at all is plain text, even where the full database would
 * have guessed a programming language from keywords.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <magic.h>

#include "casevault/common.h"
#include "base/typecheck.h"

static const char fast_rules[] =
	"# casevault first-stage rules (see typecheck.c)\n"
	"0\tstring\t%PDF-\tPDF document\n!:mime\tapplication/pdf\n"
	"0\tstring\t\\x89PNG\\r\\n\\x1a\\n\tPNG image\n!:mime\timage/png\n"
	"0\tbeshort\t0xffd8\tJPEG image\n!:mime\timage/jpeg\n"
	"0\tstring\tMM\\x00\\x2a\tTIFF image\n!:mime\timage/tiff\n"
	"0\tstring\tII\\x2a\\x00\tTIFF image\n!:mime\timage/tiff\n"
	/* markers of active or executable text: always to the full database */
	"0\tstring\t#!\tscript\n!:mime\tapplication/x-casevault-check\n"
	"0\tregex/4096c\t[<](!doctype|html|head|body|script|iframe|svg|[?]xml|[?]php)\tmarkup\n!:mime\tapplication/x-casevault-check\n"
	"0\tsearch/4096\t%!PS\tPostScript\n!:mime\tapplication/x-casevault-check\n"
	"0\tsearch/4096\t{\\\\rtf\tRTF\n!:mime\tapplication/x-casevault-check\n"
	/* e-mail, as the full database knows it (mail.news) */
	"0\tstring/t\tFrom:\\x20\tmail\n!:mime\tmessage/rfc822\n"
	"0\tstring/t\tReceived:\tmail\n!:mime\tmessage/rfc822\n"
	"0\tstring/tc\treturn-path:\tmail\n!:mime\tmessage/rfc822\n"
	"0\tstring/tc\tdelivered-to:\tmail\n!:mime\tmessage/rfc822\n";

struct cv_typer {
	magic_t fast;
	magic_t full;          /* loaded on first need */
	char err[256];
};

static const char *final_types[] = {
	"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "message/rfc822", NULL
};

int cv_typer_new(cv_typer **out, char *err, size_t errlen)
{
	cv_typer *t = calloc(1, sizeof(*t));
	char path[64];
	int fd = -1, r = CV_ERROR;

	*out = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return CV_ERROR;
	}
	/* the rules live in the binary: no file to lose or tamper with */
	fd = memfd_create("casevault-magic", MFD_CLOEXEC);
	if (fd < 0 || write(fd, fast_rules, sizeof(fast_rules) - 1) != (ssize_t)(sizeof(fast_rules) - 1)) {
		snprintf(err, errlen, "cannot hold the type rules in memory: %s", strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t->fast = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_TOKENS |
			     MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV);
	if (!t->fast || magic_load(t->fast, path) < 0) {
		snprintf(err, errlen, "cannot load casevault's type rules: %s",
			 t->fast && magic_error(t->fast) ? magic_error(t->fast) : "out of memory");
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		cv_typer_free(t);
	else
		*out = t;
	return r;
}

void cv_typer_free(cv_typer *t)
{
	if (!t)
		return;
	if (t->fast)
		magic_close(t->fast);
	if (t->full)
		magic_close(t->full);
	free(t);
}

const char *cv_typer_error(const cv_typer *t)
{
	return t->err;
}

/* The MIME type of the open file fd (read from its start; the offset moves). */
const char *cv_typer_mime(cv_typer *t, int fd)
{
	const char *m;
	int i;

	if (lseek(fd, 0, SEEK_SET) < 0 || !(m = magic_descriptor(t->fast, fd))) {
		snprintf(t->err, sizeof(t->err), "%s", t->fast && magic_error(t->fast) ? magic_error(t->fast) : strerror(errno));
		return NULL;
	}
	for (i = 0; final_types[i]; i++)
		if (!strcmp(m, final_types[i]))
			return m;
	if (!t->full) {
		size_t bytes = 1024 * 1024;  /* enough for every container directory we admit */

		t->full = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
		if (!t->full || magic_load(t->full, NULL) < 0) {
			snprintf(t->err, sizeof(t->err), "cannot load libmagic's type database: %s",
				 t->full && magic_error(t->full) ? magic_error(t->full) : "out of memory");
			return NULL;
		}
		magic_setparam(t->full, MAGIC_PARAM_BYTES_MAX, &bytes);
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || !(m = magic_descriptor(t->full, fd))) {
		snprintf(t->err, sizeof(t->err), "%s", magic_error(t->full) ? magic_error(t->full) : strerror(errno));
		return NULL;
	}
	return m;
}
