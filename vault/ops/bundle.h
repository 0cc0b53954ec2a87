/*
 * casevault - the disclosure bundle's shared state, between its steps
 * (bundle.c), the ZIP writer (bundle_write.c), its documents
 * (bundle_docs.c) and the fail-closed check (bundle_check.c).
 * See bundle.c for the whole sequence (docs/legal-rules.md §7-§11;
 * docs/architecture.md, Properties, 5).
 */
#ifndef CV_OPS_BUNDLE_H
#define CV_OPS_BUNDLE_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include "base/handle.h"
#include "crypto/seal.h"
#include "ops/disclose.h"

struct archive;
struct cv_bundle_kind;

typedef struct {
	cv_vault *v;
	const struct cv_bundle_kind *kind;  /* a request's bundle, or a share's (ops/share.c) */
	void *kind_ctx;
	const cv_rpolicy *pol;
	cv_req_row req;
	cv_sitem *s;
	size_t ns;
	cv_sitem **rel;         /* released, in number order */
	size_t nrel;
	int width;              /* digits of the member numbers */
	cv_redactor *red;       /* names + patterns: what the records go through */
	cv_redactor *cred;      /* the same terms, for the check (its own: it may run in another thread) */
	cv_redactor *names;     /* names only: the letter is searched with this */
	int phase;              /* 1: fingerprints of withheld text; 2: the ZIP */
	cv_redactor *withheld;  /* titles and short texts of withheld records */
	cv_fprint *fp;          /* longer withheld texts */
	struct cv_hints *hints; /* child-protection hints (bundle_hints.c); NULL without cp records */
	char *requester;
	char *letter;           /* the filled template */
	char *index_json, *index_html;
	time_t mtime;
	char date[11];
	const char *passphrase; /* ZIP form */
	/* writing */
	struct archive *zw;
	int outfd;              /* where the ZIP bytes go */
	int teefd;              /* a copy of them for the check (bundle_check.c) */
	cv_sha256 *md;          /* of the file (ZIP form) */
	int64_t written;
	/* the member being streamed */
	cv_sitem *cur;
	int cur_mode;           /* 0 skip, 1 into the ZIP, 2 into the fingerprints */
	cv_sha256 *cur_md;
	int64_t cur_bytes;
	int err;
	char msg[256];
	/* a member that is not plain text, read whole (bundle_member.c) */
	int people;             /* people other than the requester are recorded on the case */
	int cur_whole;
	unsigned char *cur_buf;
	size_t cur_len, cur_cap;
	/* withheld records whose words cannot be read (bundle_unread.c) */
	int damaged;            /* the archive being read failed as a file (missing, altered) */
	char damaged_file[64];
	const char *unread_ok;  /* --unreadable-withheld: the records the bundle may go without */
	unsigned char *unread;  /* per item: 0, or what is wrong ('d', 'f', 'l') */
	const cv_sitem *unread_first;
	char unread_why[200];
} cv_bundle;

/*
 * What differs between a subject access bundle (bundle.c) and a share
 * (ops/share.c, docs/legal-rules.md §15): the records and their decisions,
 * the cover letter, and what logs it (inside the transaction that commits
 * before the file is named).  Everything else (neutral names, the index,
 * the redactor, the fail-closed check, never overwriting) is the same code.
 */
typedef struct cv_bundle_kind {
	int (*scope)(cv_bundle *b, const char *ids);
	int (*letter)(cv_bundle *b);
	int (*log)(cv_bundle *b, const char *form, const char *sha, int64_t size, long *id_out);
	const char *refused_action;   /* the audit event of a refusal after the checks started */
} cv_bundle_kind;

/*
 * bundle.c: build b (v, kind and req set: req.case_id names the case, req.id
 * the request or "" for a share) to o->out_path, checked, logged, named;
 * ids for authorisation and the audit trail.
 */
int cv_bundle_run(cv_bundle *b, const cv_bundle_opts *o, cv_bundle_result *res, const char *ids);

/* bundle_write.c: open the ZIP writer on b->outfd (encrypt: AES-256 under b->passphrase). */
int cv_bundle_zip_open(cv_bundle *b, int encrypt);
/* bundle_write.c: the withheld texts into the fingerprints, then everything into the ZIP. */
int cv_bundle_produce(cv_bundle *b);
/*
 * bundle_zip.c: every member of the finished ZIP file fd made AE-2 (no CRC);
 * sha the file's SHA-256 after.  The file with those bytes put back must be
 * the checked_size bytes whose SHA-256 is checked_sha (what the check read).
 */
int cv_bundle_zip_ae2(cv_vault *v, int fd, const char *checked_sha, int64_t checked_size, char sha[65]);

/* bundle_member.c: b->msg and b->err, once (the first failure is the one reported). */
int cv_bundle_fail(cv_bundle *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A restricted record is neither disclosed nor shared until its restriction
 * is lifted (docs/legal-rules.md LR-18); one not going out may stay.
 */
int cv_bundle_refuse_restricted(cv_bundle *b);
/* bundle_member.c: 1 unless mime is text/plain (streamed through the redactor). */
int cv_bundle_whole(const char *mime);
/* bundle_member.c: a released member read whole, checked and cleaned; *out NULL: write it as it is. */
int cv_bundle_member(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n, void **out, size_t *outlen);
/* bundle_member.c: a withheld member read whole: its words into the fingerprints. */
int cv_bundle_member_fingerprint(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n);

/* bundle_unread.c: withheld records that cannot be read (see there). */
int cv_bundle_unread_opts(cv_bundle *b, const char *list);
void cv_bundle_unread_mark(cv_bundle *b, const cv_sitem *s, int kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cv_bundle_unread_archive(cv_bundle *b, long long aid, const char *why);
int cv_bundle_unread_check(cv_bundle *b);
int cv_bundle_unread_audit(cv_bundle *b);

/* bundle_docs.c: the cover letter, the index (JSON and HTML), the withheld-record terms. */
int cv_bundle_letter(cv_bundle *b);
int cv_bundle_index(cv_bundle *b);
int cv_bundle_withheld_terms(cv_bundle *b);

/*
 * bundle_check.c: the fail-closed check, in its own thread, of a pipe
 * carrying the ZIP bytes as they are written (both forms); sha and bytes:
 * of everything that came through it, once the thread is joined.
 */
typedef struct {
	cv_bundle *b;
	int fd;
	int err;
	char msg[256];
	int index_seen;
	unsigned char bidi[2];  /* the last bytes of the member's text so far */
	cv_sha256 *md;
	char sha[65];
	int64_t bytes;
	char buf[65536];
} cv_bundle_checker;
void *cv_bundle_check_thread(void *arg);

/* bundle_tmp.c: the bundle's file until it is named: unnamed (O_TMPFILE) where the file system allows. */
typedef struct {
	int fd;
	int named;              /* a named temporary: removed on SIGTERM, SIGINT, SIGHUP */
	int given;              /* the caller's new file (cv_bundle_opts.out_fd): named already */
	char path[PATH_MAX];    /* where it can be read: /proc/self/fd/N, or the named temporary */
} cv_btmp;
int cv_btmp_open(cv_vault *v, const char *dir, const char *out_path, cv_btmp *t);
/* The caller's new, empty file, open to read and write, as the bundle's file (a descriptor of its own). */
int cv_btmp_given(cv_vault *v, int fd, const char *out_path, cv_btmp *t);
/* Give it the name out_path (never overwriting); the folder is synced. */
int cv_btmp_place(cv_vault *v, cv_btmp *t, const char *dir, const char *out_path);
/* failed: a given file is emptied. */
void cv_btmp_close(cv_btmp *t, const char *dir, int failed);
/* Hold SIGTERM, SIGINT and SIGHUP back in this thread (old: the mask to restore). */
void cv_btmp_hold_signals(sigset_t *old);

/* disclog.c: the disclosure log of a bundle just written, and its audit event (inside the caller's transaction). */
int cv_disclog_add(cv_bundle *b, const char *form, const char *sha, int64_t size, long *id_out);

#endif
