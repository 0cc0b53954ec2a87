/*
 * libFuzzer target: the casevaultd protocol (docs/protocol.md), which any
 * local account may send the daemon.  The input is one frame as it arrives
 * on the socket: the 4-byte length is checked, then the JSON parsed as a
 * request; a parsed request is made into a frame again and must parse to
 * the same words and named files (the client's encoder and the daemon's
 * parser agree), and every named file must point inside its word.  The
 * same bytes are also parsed as a reply, a document asked for and the
 * answer to that ask (the client and the worker read those).  Build
 * with -DBUILD_FUZZERS=ON and clang; run: build-fuzz/fuzz_protocol -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* What the daemon relies on in a parsed request's "files" (docs/protocol.md, Named files). */
static void check_files(const cv_proto_request *rq)
{
	int i, k;

	if (rq->nfiles < 0 || rq->nfiles > CV_PROTO_MAX_FILES)
		abort();
	for (i = 0; i < rq->nfiles; i++) {
		const cv_proto_file *f = &rq->files[i];
		size_t wl, nl;

		if (f->arg < 0 || f->arg >= rq->argc || !f->name)
			abort();
		wl = strlen(rq->argv[f->arg]);
		nl = strlen(f->name);
		if (nl == 0 || nl > wl || strcmp(rq->argv[f->arg] + wl - nl, f->name))
			abort();
		for (k = 0; k < i; k++)
			if (rq->files[k].arg == f->arg)
				abort();
	}
}

static void same_files(const cv_proto_request *a, const cv_proto_request *b)
{
	int i;

	if (a->nfiles != b->nfiles)
		abort();
	for (i = 0; i < a->nfiles; i++)
		if (a->files[i].arg != b->files[i].arg || a->files[i].write != b->files[i].write ||
		    strcmp(a->files[i].name, b->files[i].name))
			abort();
}

static void round_trip(const cv_proto_request *rq)
{
	cv_proto_request again;
	char err[256], *msg;
	size_t len = 0, n;
	int i;

	if (!(msg = cv_proto_make_request(rq, &len, err, sizeof(err))))
		return;  /* too long once escaped: refused to the client, not sent */
	if (len < 4 || cv_proto_frame_len((const unsigned char *)msg, &n) < 0 || n != len - 4 ||
	    cv_proto_parse_request(msg + 4, n, &again, err, sizeof(err)) < 0 || again.argc != rq->argc)
		abort();
	for (i = 0; i < rq->argc; i++)
		if (strcmp(again.argv[i], rq->argv[i]))
			abort();
	if (!rq->passphrase != !again.passphrase || (rq->passphrase && strcmp(rq->passphrase, again.passphrase)))
		abort();
	same_files(rq, &again);
	if (again.open_many != rq->open_many)
		abort();
	cv_proto_request_free(&again);
	free(msg);
}

/* An ask for documents: 1 to CV_PROTO_OPEN_MANY paths, each a string; its answer: a count within that. */
static void asked(const char *buf, size_t len)
{
	char **paths;
	size_t n, i, count;
	int err;

	if (cv_proto_parse_open(buf, len, &paths, &n) == 1) {
		if (n < 1 || n > CV_PROTO_OPEN_MANY)
			abort();
		for (i = 0; i < n; i++)
			if (!paths[i])
				abort();
		cv_proto_paths_free(paths, n);
	}
	if (cv_proto_parse_opened(buf, len, &err, &count) == 0 && (count > CV_PROTO_OPEN_MANY || err < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_proto_request rq;
	char err[256];
	size_t len;
	int code;

	if (size < 4 || cv_proto_frame_len(data, &len) < 0)
		return 0;
	if (len > size - 4)
		len = size - 4;  /* the daemon reads exactly len bytes; fewer is a truncated request */
	if (cv_proto_parse_request((const char *)data + 4, len, &rq, err, sizeof(err)) == 0) {
		check_files(&rq);
		round_trip(&rq);
		cv_proto_request_free(&rq);
	}
	cv_proto_parse_reply((const char *)data + 4, len, &code, err, sizeof(err));
	asked((const char *)data + 4, len);
	return 0;
}
