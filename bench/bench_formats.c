/*
 * Times the formats layer on one document (bench/bench_formats.sh):
 *   bench_formats text|clean|check|redact|preview MIME FILE RUNS [TERM...]
 * prints "best_ms median_ms bytes_out" for RUNS runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/formats.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int once(const char *mode, const char *mime, const char *buf, size_t n, char **terms, size_t nterms,
		size_t *outlen)
{
	char err[256] = "";
	void *out = NULL;
	size_t hits = 0;
	int rc;

	if (strcmp(mode, "text") == 0)
		rc = cv_fmt_text(mime, buf, n, (char **)&out, outlen, err, sizeof(err));
	else if (strcmp(mode, "clean") == 0)
		rc = cv_fmt_clean(mime, buf, n, &out, outlen, err, sizeof(err));
	else if (strcmp(mode, "check") == 0)
		rc = cv_fmt_metadata_check(mime, buf, n, err, sizeof(err));
	else if (strcmp(mode, "preview") == 0)  /* the web's preview: docs/web.md, Previews */
		rc = cv_fmt_preview(mime, buf, n, 1200, &out, outlen, err, sizeof(err));
	else
		rc = cv_fmt_redact(mime, buf, n, (const char *const *)terms, nterms, &out, outlen, &hits,
				   err, sizeof(err));
	free(out);
	if (rc && !(strcmp(mode, "check") == 0 && rc == CV_EREFUSED))
		fprintf(stderr, "bench_formats: %s: %s\n", mode, err);
	return rc && strcmp(mode, "check") != 0;
}

int main(int argc, char **argv)
{
	FILE *f;
	char *buf;
	long n;
	int runs, i;
	double *t;
	size_t outlen = 0;

	if (argc < 5 || (runs = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: bench_formats text|clean|check|redact|preview MIME FILE RUNS [TERM...]\n");
		return 2;
	}
	if (!(f = fopen(argv[3], "rb")) || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
		perror(argv[3]);
		return 2;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	t = calloc((size_t)runs, sizeof(*t));
	if (!buf || !t || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return 2;
	fclose(f);
	for (i = 0; i < runs; i++) {
		t[i] = now_ms();
		if (once(argv[1], argv[2], buf, (size_t)n, argv + 5, (size_t)(argc - 5), &outlen))
			return 1;
		t[i] = now_ms() - t[i];
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("%.1f %.1f %zu\n", t[0], t[runs / 2], outlen);
	free(t);
	free(buf);
	return 0;
}
