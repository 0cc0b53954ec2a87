/*
 * A test driver for the formats layer, so that tests/cli/t_formats.sh can
 * check its output with tools casevault did not write (pdfinfo,
 * pdftotext, exiftool, unzip):
 *   formats_tool text|clean|check|redact|ocr|preview MIME IN OUT [TERM...]
 * writes the text (ocr: the words OCR reads, docs/ocr.md; preview: the PNG of docs/web.md, Previews, 1200 pixels
 * wide) or the document to OUT; prints the one-line reason and exits 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)len + 1)) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

int main(int argc, char **argv)
{
	char err[256] = "", *buf;
	void *out = NULL;
	size_t n, len = 0, hits = 0;
	FILE *f;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: formats_tool text|clean|check|redact|ocr|preview MIME IN OUT [TERM...]\n");
		return 2;
	}
	buf = slurp(argv[3], &n);
	if (strcmp(argv[1], "text") == 0)
		rc = cv_fmt_text(argv[2], buf, n, (char **)&out, &len, err, sizeof(err));
	else if (strcmp(argv[1], "clean") == 0)
		rc = cv_fmt_clean(argv[2], buf, n, &out, &len, err, sizeof(err));
	else if (strcmp(argv[1], "ocr") == 0)
		rc = cv_fmt_ocr(argv[2], buf, n, (char **)&out, &len, err, sizeof(err));
	else if (strcmp(argv[1], "preview") == 0)
		rc = cv_fmt_preview(argv[2], buf, n, 1200, &out, &len, err, sizeof(err));
	else if (strcmp(argv[1], "check") == 0)
		rc = cv_fmt_metadata_check(argv[2], buf, n, err, sizeof(err));
	else
		rc = cv_fmt_redact(argv[2], buf, n, (const char *const *)argv + 5, (size_t)(argc - 5), &out, &len,
				   &hits, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (out) {
		if (!(f = fopen(argv[4], "wb")) || fwrite(out, 1, len, f) != len || fclose(f)) {
			perror(argv[4]);
			return 2;
		}
		free(out);
	}
	if (strcmp(argv[1], "redact") == 0)
		printf("%zu\n", hits);
	return 0;
}
