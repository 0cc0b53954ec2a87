/*
 * casevault - the casevaultd protocol's frames and messages (docs/protocol.md).
 * The parser takes bytes from any local account: it refuses, with one line
 * saying what is wrong, anything but the one shape version 1 allows.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>

#include "proto.h"

static void wipe_free(void *p)
{
	if (p) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

void cv_proto_wipe_json_memory(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}

int cv_proto_frame_len(const unsigned char hdr[4], size_t *len)
{
	unsigned long n = (unsigned long)hdr[0] << 24 | (unsigned long)hdr[1] << 16 |
			  (unsigned long)hdr[2] << 8 | hdr[3];

	*len = n;
	return n == 0 || n > CV_PROTO_MAX_MSG ? -1 : 0;
}

static void put_len(unsigned char *p, size_t n)
{
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
}

/* A frame around the JSON of j (which is freed), or NULL. */
static char *frame(json_t *j, size_t *len)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL, *out = NULL;
	size_t n = s ? strlen(s) : 0;

	json_decref(j);
	if (s && n <= CV_PROTO_MAX_MSG && (out = malloc(n + 4))) {
		put_len((unsigned char *)out, n);
		memcpy(out + 4, s, n);
		*len = n + 4;
	}
	wipe_free(s);
	return out;
}

void cv_proto_request_free(cv_proto_request *rq)
{
	int i;

	for (i = 0; rq->argv && i < rq->argc; i++)
		free(rq->argv[i]);
	free(rq->argv);
	if (rq->passphrase)
		explicit_bzero(rq->passphrase, strlen(rq->passphrase));
	free(rq->passphrase);
	free(rq->vault);
	for (i = 0; rq->files && i < rq->nfiles; i++)
		free(rq->files[i].name);
	free(rq->files);
	memset(rq, 0, sizeof(*rq));
}

/*
 * A word that is not UTF-8 (a file named in Windows-1252, say) crosses as
 * {"bytes": [99, 97, 102, 233]}: the worker gets the client's exact bytes,
 * as the direct mode's argv holds them (docs/protocol.md, Requests).
 */
static json_t *word_json(const char *w)
{
	json_t *j = json_string(w), *arr;
	const unsigned char *p;

	if (j)
		return j;
	if (!(arr = json_array()))
		return NULL;
	for (p = (const unsigned char *)w; *p; p++)
		if (json_array_append_new(arr, json_integer(*p)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return json_pack("{s:o}", "bytes", arr);
}

/* {"bytes": [...]}: 1 to 255 each, at most max of them, into *out; 0, or -1 with err. */
static int take_bytes(json_t *val, const char *key, size_t max, char **out, char *err, size_t errlen)
{
	json_t *arr = json_object_get(val, "bytes");
	size_t i, n = json_array_size(arr);

	if (json_object_size(val) != 1 || !json_is_array(arr) || n > max) {
		snprintf(err, errlen, "\"%s\" must be a string, or {\"bytes\": [...]} of at most %zu bytes", key, max);
		return -1;
	}
	if (!(*out = malloc(n + 1))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_int_t b = json_integer_value(json_array_get(arr, i));

		if (!json_is_integer(json_array_get(arr, i)) || b < 1 || b > 255) {
			snprintf(err, errlen, "\"%s\": each byte must be a number from 1 to 255", key);
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = (char)b;
	}
	(*out)[n] = '\0';
	return 0;
}

/* A string member no longer than max, copied into *out; 0, or -1 with err. */
static int take_string(json_t *val, const char *key, size_t max, char **out, char *err, size_t errlen)
{
	if (!json_is_string(val)) {
		snprintf(err, errlen, "\"%s\" must be a string", key);
		return -1;
	}
	if (json_string_length(val) > max) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key, max);
		return -1;
	}
	if (!(*out = strdup(json_string_value(val)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A word of argv or a file's name: a string, or {"bytes": [...]} when it is not UTF-8. */
static int take_word(json_t *val, const char *key, size_t max, char **out, char *err, size_t errlen)
{
	return json_is_object(val) ? take_bytes(val, key, max, out, err, errlen)
				   : take_string(val, key, max, out, err, errlen);
}

static int take_argv(json_t *arr, cv_proto_request *rq, char *err, size_t errlen)
{
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr)) {
		snprintf(err, errlen, "\"argv\" must be an array of strings");
		return -1;
	}
	if (n > CV_PROTO_MAX_ARGS) {
		snprintf(err, errlen, "\"argv\" has %zu words; at most %d are taken", n, CV_PROTO_MAX_ARGS);
		return -1;
	}
	if (!(rq->argv = calloc(n + 1, sizeof(char *)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (take_word(json_array_get(arr, i), "argv", CV_PROTO_MAX_MSG, &rq->argv[i], err, errlen) < 0)
			return -1;
		rq->argc = (int)i + 1;
	}
	return 0;
}

/* One entry of "files": {"arg": N, "mode": "r"|"w", "name": "..."}. */
static int take_file(json_t *o, cv_proto_file *f, char *err, size_t errlen)
{
	json_t *arg = json_object_get(o, "arg"), *mode = json_object_get(o, "mode");
	const char *m = json_string_value(mode);

	if (!json_is_object(o) || json_object_size(o) != 3 || !json_is_integer(arg) || !m || !json_object_get(o, "name")) {
		snprintf(err, errlen, "each of \"files\" must be an object with exactly \"arg\", \"mode\" and \"name\"");
		return -1;
	}
	if (strcmp(m, "r") && strcmp(m, "w")) {
		snprintf(err, errlen, "a file's \"mode\" must be \"r\" or \"w\"");
		return -1;
	}
	f->write = m[0] == 'w';
	f->arg = json_integer_value(arg) < 0 || json_integer_value(arg) >= CV_PROTO_MAX_ARGS ? -1 : (int)json_integer_value(arg);
	return take_word(json_object_get(o, "name"), "name", 4096, &f->name, err, errlen);
}

static int take_files(json_t *arr, cv_proto_request *rq, char *err, size_t errlen)
{
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr)) {
		snprintf(err, errlen, "\"files\" must be an array of objects");
		return -1;
	}
	if (n > CV_PROTO_MAX_FILES) {
		snprintf(err, errlen, "\"files\" lists %zu files; at most %d are taken", n, CV_PROTO_MAX_FILES);
		return -1;
	}
	if (!(rq->files = calloc(n + 1, sizeof(*rq->files)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		rq->nfiles = (int)i + 1;
		if (take_file(json_array_get(arr, i), &rq->files[i], err, errlen) < 0)
			return -1;
	}
	return 0;
}

/*
 * Each file names a word of argv, once, whose value ends with its name
 * (the whole word, or the value of "--output=NAME" or "-oNAME").
 */
static int check_files(const cv_proto_request *rq, char *err, size_t errlen)
{
	int i, k;

	for (i = 0; i < rq->nfiles; i++) {
		const cv_proto_file *f = &rq->files[i];
		size_t wl, nl = strlen(f->name);

		if (f->arg < 0 || f->arg >= rq->argc || !nl || (wl = strlen(rq->argv[f->arg])) < nl ||
		    strcmp(rq->argv[f->arg] + wl - nl, f->name)) {
			snprintf(err, errlen, "file %d of \"files\" does not name the end of a word of \"argv\"", i);
			return -1;
		}
		for (k = 0; k < i; k++)
			if (rq->files[k].arg == f->arg) {
				snprintf(err, errlen, "\"files\" names word %d of \"argv\" twice", f->arg);
				return -1;
			}
	}
	return 0;
}

/* One member of the request object. */
static int take_member(const char *key, json_t *val, cv_proto_request *rq, int *have_argv, char *err, size_t errlen)
{
	if (!strcmp(key, "v")) {
		if (json_is_integer(val) && json_integer_value(val) == CV_PROTO_VERSION)
			return 0;
		snprintf(err, errlen, "protocol version \"v\" must be %d; upgrade casevault to match casevaultd", CV_PROTO_VERSION);
		return -1;
	}
	if (!strcmp(key, "argv")) {
		*have_argv = 1;
		return take_argv(val, rq, err, errlen);
	}
	if (!strcmp(key, "passphrase"))
		return take_string(val, key, CV_PROTO_MAX_PASSPHRASE, &rq->passphrase, err, errlen);
	if (!strcmp(key, "vault"))
		return take_string(val, key, 4096, &rq->vault, err, errlen);
	if (!strcmp(key, "files"))
		return take_files(val, rq, err, errlen);
	if (!strcmp(key, "open_many")) {
		if (json_is_integer(val) && json_integer_value(val) >= 1 && json_integer_value(val) <= CV_PROTO_OPEN_MANY) {
			rq->open_many = (int)json_integer_value(val);
			return 0;
		}
		snprintf(err, errlen, "\"open_many\" must be a number from 1 to %d", CV_PROTO_OPEN_MANY);
		return -1;
	}
	snprintf(err, errlen, "unknown member \"%.40s\" in the request", key);
	return -1;
}

int cv_proto_parse_request(const char *buf, size_t len, cv_proto_request *rq, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j, *val;
	const char *key;
	int have_argv = 0, r = 0;

	memset(rq, 0, sizeof(*rq));
	/* no duplicate keys; strings with NUL bytes are refused by default */
	if (!(j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(err, errlen, "the request is not valid JSON (%s at byte %d)", je.text, je.position);
		return -1;
	}
	if (!json_is_object(j) || !json_object_get(j, "v")) {
		snprintf(err, errlen, "the request must be a JSON object with \"v\": %d", CV_PROTO_VERSION);
		r = -1;
	}
	json_object_foreach(j, key, val) {
		if (r < 0 || (r = take_member(key, val, rq, &have_argv, err, errlen)) < 0)
			break;
	}
	if (r == 0 && !have_argv) {
		snprintf(err, errlen, "the request has no \"argv\"");
		r = -1;
	}
	if (r == 0)
		r = check_files(rq, err, errlen);
	json_decref(j);
	if (r < 0)
		cv_proto_request_free(rq);
	return r;
}

static json_t *files_json(const cv_proto_request *rq)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; arr && i < rq->nfiles; i++)
		if (json_array_append_new(arr, json_pack("{s:i, s:s, s:o}", "arg", rq->files[i].arg, "mode",
							 rq->files[i].write ? "w" : "r", "name", word_json(rq->files[i].name))) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

char *cv_proto_make_request(const cv_proto_request *rq, size_t *len, char *err, size_t errlen)
{
	json_t *j = json_pack("{s:i}", "v", CV_PROTO_VERSION), *arr = json_array();
	char *out;
	int i, bad = !j || !arr || json_object_set(j, "argv", arr) < 0;

	for (i = 0; !bad && i < rq->argc; i++)
		bad = json_array_append_new(arr, word_json(rq->argv[i])) < 0;
	json_decref(arr);
	if (!bad && rq->passphrase)
		bad = json_object_set_new(j, "passphrase", json_string(rq->passphrase)) < 0;
	if (!bad && rq->vault)
		bad = json_object_set_new(j, "vault", json_string(rq->vault)) < 0;
	if (!bad && rq->nfiles)
		bad = json_object_set_new(j, "files", files_json(rq)) < 0;
	if (!bad && rq->open_many)
		bad = json_object_set_new(j, "open_many", json_integer(rq->open_many)) < 0;
	if (bad) {
		json_decref(j);
		snprintf(err, errlen, "cannot put the request into JSON (out of memory, or a value that is not UTF-8)");
		return NULL;
	}
	if (!(out = frame(j, len)))
		snprintf(err, errlen, "the request is longer than %d bytes; give fewer or shorter arguments", CV_PROTO_MAX_MSG);
	return out;
}

char *cv_proto_make_reply(int exit_code, const char *error, size_t *len)
{
	json_t *j = json_pack("{s:i, s:i}", "v", CV_PROTO_VERSION, "exit", exit_code);

	if (j && error && json_object_set_new(j, "error", json_string(error)) < 0) {
		json_decref(j);
		j = NULL;
	}
	return frame(j, len);
}

int cv_proto_parse_reply(const char *buf, size_t len, int *exit_code, char *error, size_t errlen)
{
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *e = json_object_get(j, "error");
	int r = -1;

	error[0] = '\0';
	if (json_is_object(j) && json_integer_value(json_object_get(j, "v")) == CV_PROTO_VERSION &&
	    json_is_integer(json_object_get(j, "exit"))) {
		*exit_code = (int)json_integer_value(json_object_get(j, "exit"));
		if (json_is_string(e))
			snprintf(error, errlen, "%s", json_string_value(e));
		r = 0;
	}
	json_decref(j);
	return r;
}

/* an answer's descriptors ride on one message, as a request's do */
_Static_assert(CV_PROTO_OPEN_MANY <= CV_PROTO_MAX_PASS, "an answer carries more descriptors than one message may");

char *cv_proto_make_open(char *const *paths, size_t n, size_t *len)
{
	json_t *arr;
	size_t i;

	if (n == 1)
		return frame(json_pack("{s:i, s:s}", "v", CV_PROTO_VERSION, "open", paths[0]), len);
	if (n == 0 || n > CV_PROTO_OPEN_MANY || !(arr = json_array()))
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(paths[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return frame(json_pack("{s:i, s:o}", "v", CV_PROTO_VERSION, "open", arr), len);
}

void cv_proto_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

/* "open" as a string or an array of 1 to CV_PROTO_OPEN_MANY strings, copied; -1 otherwise. */
static int take_paths(json_t *p, char ***paths, size_t *n)
{
	size_t i, k = json_is_string(p) ? 1 : json_array_size(p);

	if (k == 0 || k > CV_PROTO_OPEN_MANY || !(*paths = calloc(k, sizeof(char *))))
		return -1;
	for (i = 0; i < k; i++) {
		json_t *s = json_is_string(p) ? p : json_array_get(p, i);

		if (!json_is_string(s) || !((*paths)[i] = strdup(json_string_value(s)))) {
			cv_proto_paths_free(*paths, i);
			*paths = NULL;
			return -1;
		}
	}
	*n = k;
	return 1;
}

int cv_proto_parse_open(const char *buf, size_t len, char ***paths, size_t *n)
{
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *p = json_object_get(j, "open");
	int r = -1;

	*paths = NULL;
	*n = 0;
	if (json_is_object(j) && json_integer_value(json_object_get(j, "v")) == CV_PROTO_VERSION)
		r = !p ? 0 : take_paths(p, paths, n);
	json_decref(j);
	return r;
}

char *cv_proto_make_opened(int err, size_t count, size_t *len)
{
	return frame(json_pack("{s:i, s:i, s:I}", "v", CV_PROTO_VERSION, "errno", err, "count", (json_int_t)count), len);
}

int cv_proto_parse_opened(const char *buf, size_t len, int *err, size_t *count)
{
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *e = json_object_get(j, "errno"), *c = json_object_get(j, "count");
	int r = -1;

	if (json_is_object(j) && json_integer_value(json_object_get(j, "v")) == CV_PROTO_VERSION &&
	    json_is_integer(e) && json_integer_value(e) >= 0 && json_integer_value(e) < 4096 &&
	    (!c || (json_is_integer(c) && json_integer_value(c) >= 0 && json_integer_value(c) <= CV_PROTO_OPEN_MANY))) {
		*err = (int)json_integer_value(e);
		*count = c ? (size_t)json_integer_value(c) : *err == 0;
		r = 0;
	}
	json_decref(j);
	return r;
}

ssize_t cv_proto_send_fds(int sock, struct iovec *iov, int niov, const int *fds, int nfds, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int) * CV_PROTO_MAX_PASS)];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
	struct cmsghdr *cm;
	ssize_t sent;

	if (nfds < 0 || nfds > CV_PROTO_MAX_PASS) {
		errno = EINVAL;
		return -1;
	}
	memset(cbuf, 0, sizeof(cbuf));
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	while ((sent = sendmsg(sock, &mh, flags | MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return sent;
}
