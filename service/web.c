/*
 * casevaultd - the web process (web.h; docs/web.md).  It parses HTTP with
 * libmicrohttpd (on 127.0.0.1, or over TLS on the office's network), keeps the web sessions (web_auth.c),
 * checks every request's host, cookie, CSRF token and Origin, and hands
 * each page that touches the vault to a worker process (web_pages.c).  It
 * never opens the vault and holds no key.  No threads: requests are served
 * in turn, so that forking a worker is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <microhttpd.h>

#include "web.h"
#include "session_table.h"
#include "web_auth.h"

#define WEB_FIELD_MAX 65536               /* a form's text field */
#define WEB_UPLOAD_MAX (256L * 1024 * 1024) /* what one filing may carry (policy.h, CV_FMT_MAX) */

static cvd_web_config W;

/*
 * The fields a page's form may carry, by name, and where the page finds
 * each (web_req): a new field is one line here and its member in web_req.
 */
static const struct web_field {
	const char *name;
	size_t at;
} page_fields[] = {
	{ "class", offsetof(web_req, cls) }, { "title", offsetof(web_req, title) },
	{ "text", offsetof(web_req, text) }, { "decision", offsetof(web_req, decision) },
	{ "ground", offsetof(web_req, ground) }, { "reason", offsetof(web_req, reason) },
	{ "rec", offsetof(web_req, recs) }, { "query", offsetof(web_req, query) },
	{ "since", offsetof(web_req, since) }, { "actor", offsetof(web_req, actor) },
	{ "rid", offsetof(web_req, rid) }, { "case", offsetof(web_req, case_id) },
	{ "date", offsetof(web_req, date) }, { "to", offsetof(web_req, to) },
	{ "purpose", offsetof(web_req, purpose) }, { "by", offsetof(web_req, by) },
	{ "confirm", offsetof(web_req, confirm) }, { "basis", offsetof(web_req, basis) },
	{ "kind", offsetof(web_req, kind) }, { "requester", offsetof(web_req, requester) },
	{ "relationship", offsetof(web_req, relationship) }, { "request", offsetof(web_req, request) },
	{ "parent", offsetof(web_req, parent) }, { "child", offsetof(web_req, child) },
	{ "dob", offsetof(web_req, dob) }, { "how", offsetof(web_req, how) },
	{ "version", offsetof(web_req, version) }, { "member", offsetof(web_req, member) },
	{ "until", offsetof(web_req, until) }, { "event", offsetof(web_req, event) },
	{ "name", offsetof(web_req, name) }, { "role", offsetof(web_req, role_name) },
	{ "os_user", offsetof(web_req, os_user) }, { "new_pass", offsetof(web_req, new_pass) },
	{ "new_pass2", offsetof(web_req, new_pass2) }, { "old_pass", offsetof(web_req, old_pass) }
};
#define WEB_NFIELDS (sizeof(page_fields) / sizeof(page_fields[0]))

/* One request's form: its fields, and the uploaded documents in memory (memfd: never on disk). */
typedef struct {
	struct MHD_PostProcessor *pp;
	char *csrf, *staff, *passphrase;  /* every form's token; the sign-in's */
	char *val[WEB_NFIELDS];           /* page_fields' values */
	size_t len[WEB_NFIELDS];          /* ...and their lengths: a NUL is the library's to refuse in a note */
	int nfiles, fds[WEB_MAX_FILES];
	char *names[WEB_MAX_FILES];
	long total;
	int refused;              /* too many files, too large, or unreadable: nothing is filed */
	/* the page's worker, while the connection waits suspended (docs/web.md, Processes) */
	struct MHD_Connection *conn;
	pid_t pid;                /* 0: none started */
	int pipe, ended, signin;
	size_t got;               /* bytes of head received */
	web_head head;
	web_buf body;
	char token[WEB_TOKEN_HEX]; /* the session's cookie, to find it again when the page is made */
} web_form;

static web_form *pending[64];  /* connections waiting for their worker */

static const char css[] =
	"body{font-family:sans-serif;font-size:1rem;line-height:1.5;margin:0;color:#111;background:#fff}"
	"header{background:#1d3557;color:#fff;padding:.5rem 1rem}header a,header .who{color:#fff;margin-right:1rem}"
	"main{padding:1rem;max-width:60rem}table{border-collapse:collapse;margin:1rem 0}"
	"th,td{border:1px solid #666;padding:.3rem .6rem;text-align:left}caption{text-align:left;font-weight:bold}"
	"label{display:block;margin-top:.8rem;font-weight:bold}input,select,textarea,button{font-size:1rem}"
	"button{display:block;margin-top:.8rem;padding:.3rem .8rem}header button{display:inline}.inline{display:inline}.inline button{display:inline;margin:0 .5rem}.error{color:#a00000;font-weight:bold}"
	".marked{border:3px solid #a00000;padding:.5rem;font-weight:bold}"
	".overdue{color:#a00000}fieldset{margin:1rem 0;padding:.5rem 1rem}code{word-break:break-all}"
	".chart{list-style:none;padding:0}.chart li{margin:.3rem 0}.bar-label{display:inline-block;min-width:22rem}"
	".bar{display:inline-block;height:1rem;background:#1d3557;vertical-align:middle}"
	".w0{width:0em}.w1{width:1.5em}.w2{width:3em}.w3{width:4.5em}.w4{width:6em}.w5{width:7.5em}.w6{width:9em}.w7{width:10.5em}.w8{width:12em}.w9{width:13.5em}.w10{width:15em}.w11{width:16.5em}.w12{width:18em}.w13{width:19.5em}.w14{width:21em}.w15{width:22.5em}.w16{width:24em}.w17{width:25.5em}.w18{width:27em}.w19{width:28.5em}.w20{width:30em}"
	"@media print{header,form,.chart{display:none}main{max-width:none}pre{white-space:pre-wrap}}"
	".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
	".drop{border:2px dashed #1d3557;padding:1rem;margin:.5rem 0}.drop.over{background:#dde6f2}"
	".preview img{max-width:100%;height:auto;border:1px solid #666}"
	"a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #e76f51}\n";

#define WEB_CSP "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; " \
	"base-uri 'none'; form-action 'self'"
/* A preview's own policy: opened as a page of its own, the picture runs and loads nothing (docs/web.md, Previews). */
#define WEB_PREVIEW_CSP "sandbox; default-src 'none'"

/* docs/web.md, Every response (csp: WEB_CSP, or a preview's) */
static void secure_headers(struct MHD_Response *r, const char *csp)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (W.cert_pem)  /* docs/web.md, TLS: the browser never tries plain HTTP for this name again */
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

/* A body sent, wiped when libmicrohttpd is done with it: a document, a bundle's passphrase. */
typedef struct {
	char *body;
	size_t len;
} web_sent;

static void wipe_sent(void *cls)
{
	web_sent *w = cls;

	explicit_bzero(w->body, w->len);
	free(w->body);
	free(w);
}

/* Send len bytes of body (taken: wiped and freed after), with type, status, csp and one optional extra header. */
static enum MHD_Result send_body_csp(struct MHD_Connection *c, int status, char *body, size_t len, const char *type,
				     const char *csp, const char *hname, const char *hvalue)
{
	web_sent *w = body ? malloc(sizeof(*w)) : NULL;
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;

	if (w) {
		w->body = body;
		w->len = len;
		r = MHD_create_response_from_buffer_with_free_callback_cls(len, body, wipe_sent, w);
	}
	if (!r) {
		if (body)
			explicit_bzero(body, len);
		free(body);
		free(w);
		return MHD_NO;
	}
	secure_headers(r, csp);
	MHD_add_response_header(r, "Content-Type", type);
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_body(struct MHD_Connection *c, int status, char *body, size_t len, const char *type,
				 const char *hname, const char *hvalue)
{
	return send_body_csp(c, status, body, len, type, WEB_CSP, hname, hvalue);
}

static enum MHD_Result send_page(struct MHD_Connection *c, int status, web_buf *b, const char *hname,
				 const char *hvalue)
{
	if (b->failed) {
		web_free(b);
		return MHD_NO;
	}
	return send_body(c, status, b->s ? b->s : strdup(""), b->len, "text/html; charset=utf-8", hname, hvalue);
}

/* 303 to location, with a cookie to set (or NULL). */
static enum MHD_Result redirect(struct MHD_Connection *c, const char *location, const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	secure_headers(r, WEB_CSP);
	MHD_add_response_header(r, "Location", location);
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

/* A plain refusal: the reason in one line, nothing changed. */
static enum MHD_Result refuse(struct MHD_Connection *c, int status, const char *why, const web_session *s)
{
	web_buf b = { 0 };

	web_page_start_nav(&b, status == 403 ? "Not allowed" : "That did not work", s ? s->staff : NULL,
			   s ? s->csrf : NULL, s ? web_nav(s->role) : 0);
	web_puts(&b, "<p role=\"alert\" class=\"error\">");
	web_esc(&b, why);
	web_printf(&b, "</p><p><a href=\"%s\">Back to %s</a></p>", s ? web_home(s->role) : "/cases",
		   s ? web_home_name(s->role) : "the cases");
	web_page_end(&b);
	return send_page(c, status, &b, NULL, NULL);
}

/* ---- forms */

/* len: the field's length so far, or NULL to count up to its first NUL */
static void append(char **field, size_t *len, const char *data, size_t size, web_form *f)
{
	size_t had = len ? *len : *field ? strlen(*field) : 0;
	char *p;

	if (had + size > WEB_FIELD_MAX || !(p = realloc(*field, had + size + 1))) {
		f->refused = 1;
		return;
	}
	memcpy(p + had, data, size);
	p[had + size] = '\0';
	*field = p;
	if (len)
		*len = had + size;
}

static char **field_of(web_form *f, const char *key, size_t **len)
{
	size_t i;

	*len = NULL;
	if (!strcmp(key, "csrf"))
		return &f->csrf;
	if (!strcmp(key, "staff"))
		return &f->staff;
	if (!strcmp(key, "passphrase"))
		return &f->passphrase;
	for (i = 0; i < WEB_NFIELDS; i++)
		if (!strcmp(key, page_fields[i].name)) {
			*len = &f->len[i];
			return &f->val[i];
		}
	return NULL;
}

/* One uploaded document's bytes, into a memfd of its own. */
static void upload(web_form *f, const char *filename, const char *data, uint64_t off, size_t size)
{
	int n = f->nfiles;

	if (off == 0) {
		if (n >= WEB_MAX_FILES || !*filename) {
			f->refused |= n >= WEB_MAX_FILES;
			return;
		}
		if ((f->fds[n] = memfd_create("cv-upload", MFD_CLOEXEC)) < 0 || !(f->names[n] = strdup(filename))) {
			f->refused = 1;
			return;
		}
		f->nfiles = ++n;
	}
	f->total += (long)size;
	if (n == 0 || f->total > WEB_UPLOAD_MAX || (size && write(f->fds[n - 1], data, size) != (ssize_t)size))
		f->refused = 1;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				  const char *ctype, const char *enc, const char *data, uint64_t off, size_t size)
{
	web_form *f = cls;
	size_t *len;
	char **field;

	(void)kind, (void)ctype, (void)enc;
	if (!strcmp(key, "doc") && filename)
		upload(f, filename, data, off, size);
	else if ((field = field_of(f, key, &len))) {
		if (!strcmp(key, "rec") && off == 0 && *field)  /* every record ticked, comma-separated */
			append(field, len, ",", 1, f);
		append(field, len, data, size, f);
	}
	return MHD_YES;
}

static void wipe(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static void form_done(void *cls, struct MHD_Connection *c, void **ptr, enum MHD_RequestTerminationCode toe)
{
	web_form *f = *ptr;
	int i;

	(void)cls, (void)c, (void)toe;
	if (!f)
		return;
	if (f->pp)
		MHD_destroy_post_processor(f->pp);
	web_free(&f->body);
	for (i = 0; i < f->nfiles; i++) {
		close(f->fds[i]);
		free(f->names[i]);
	}
	wipe(f->csrf), wipe(f->staff), wipe(f->passphrase);
	for (i = 0; i < (int)WEB_NFIELDS; i++) {  /* by length: a note's text may hold a NUL */
		if (f->val[i])
			explicit_bzero(f->val[i], f->len[i]);
		free(f->val[i]);
	}
	free(f);
	*ptr = NULL;
}

/* ---- workers */

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n) {
		if ((w = write(fd, s, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * In the worker: the page made, sent on fd as the head and the body (or the
 * document), then fd closed: the web process sends the page while this
 * process closes the vault, which may sign a reader's audit checkpoint
 * (docs/web.md, Processes).
 */
static void __attribute__((noreturn)) run_worker(const web_req *rq, int fd)
{
	web_head h;
	web_buf b = { 0 };
	int doc = -1, ok;
	char chunk[65536];
	struct stat sb;
	ssize_t n;
	cv_vault *v;

	prctl(PR_SET_NAME, "casevaultd-work", 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&h, 0, sizeof(h));
	h.status = 200;
	v = web_make(rq, &h, &b, &doc);
	sb.st_size = 0;
	if (doc >= 0 && (fstat(doc, &sb) < 0 || lseek(doc, 0, SEEK_SET) != 0))
		b.failed = 1;
	h.total = (long long)b.len + (long long)sb.st_size;
	ok = !b.failed && write_all(fd, &h, sizeof(h)) == 0 && write_all(fd, b.s ? b.s : "", b.len) == 0;
	if (ok && doc >= 0)
		while (ok && (n = read(doc, chunk, sizeof(chunk))) > 0)
			ok = write_all(fd, chunk, (size_t)n) == 0;
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	cv_vault_close(v);
	_exit(ok ? 0 : 1);
}

/* Start rq's worker for f's connection, which waits suspended until it ends; 0 or -1. */
static int worker_start(web_form *f, const web_req *rq)
{
	int p[2];
	size_t i;

	for (i = 0; i < sizeof(pending) / sizeof(pending[0]) && pending[i]; i++)
		;
	if (i == sizeof(pending) / sizeof(pending[0]) || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	if ((f->pid = fork()) == 0) {
		close(p[0]);
		run_worker(rq, p[1]);
	}
	close(p[1]);
	if (f->pid < 0) {
		close(p[0]);
		return -1;
	}
	f->pipe = p[0];
	memset(&f->head, 0, sizeof(f->head));
	pending[i] = f;
	MHD_suspend_connection(f->conn);
	return 0;
}

/* What the worker sent since: the head first, then the body.  1 at its end. */
static int worker_feed(web_form *f)
{
	char chunk[65536];
	ssize_t n = read(f->pipe, chunk, sizeof(chunk));
	size_t take = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n > 0 && f->got < sizeof(f->head)) {
		take = (size_t)n < sizeof(f->head) - f->got ? (size_t)n : sizeof(f->head) - f->got;
		memcpy((char *)&f->head + f->got, chunk, take);
		f->got += take;
	}
	if (n > 0)
		web_add(&f->body, chunk + take, (size_t)n - take);
	explicit_bzero(chunk, sizeof(chunk));
	return n <= 0;
}

/*
 * The worker closed its pipe: the page is whole when every byte its head
 * announced came, and the connection resumes to send it.  The worker may
 * still be closing the vault; it is reaped later (workers_reap).
 */
static void worker_end(web_form *f)
{
	close(f->pipe);
	f->ended = f->got == sizeof(f->head) && (long long)f->body.len == f->head.total ? 1 : -1;
	MHD_resume_connection(f->conn);
}

/* Workers that ended, each after its page was sent (the web process forks nothing else). */
static void workers_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Every waiting worker's pipe in rs; the highest descriptor. */
static int workers_fdset(fd_set *rs, int max)
{
	size_t i;

	for (i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (pending[i]) {
			FD_SET(pending[i]->pipe, rs);
			max = pending[i]->pipe > max ? pending[i]->pipe : max;
		}
	return max;
}

static void workers_run(fd_set *rs)
{
	size_t i;

	for (i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (pending[i] && FD_ISSET(pending[i]->pipe, rs) && worker_feed(pending[i])) {
			worker_end(pending[i]);
			pending[i] = NULL;
		}
}

/* ---- sign-in */

/* Secure under TLS: the browser never sends the cookie over plain HTTP (docs/web.md, Web sessions). */
static void cookie(char *out, size_t size, const char *name, const char *value, int max_age)
{
	const char *secure = W.cert_pem ? "; Secure" : "";

	snprintf(out, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value, secure,
		 max_age ? "; Max-Age=900" : "");
	if (max_age < 0)
		snprintf(out, size, "%s=; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=0", name, secure);
}

/* The form, with a token that the cv_pre cookie repeats (double submit: there is no session yet). */
static enum MHD_Result signin_page(struct MHD_Connection *c, int status, const char *message)
{
	const char *pre = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cv_pre");
	char token[WEB_TOKEN_HEX], set[160];
	web_buf b = { 0 };

	/* the token of a sign-in page open in another tab stays good */
	if (pre && strlen(pre) == WEB_TOKEN_HEX - 1 && strspn(pre, "0123456789abcdef") == WEB_TOKEN_HEX - 1)
		memcpy(token, pre, WEB_TOKEN_HEX);
	else if (web_token(token) < 0)
		return MHD_NO;
	web_page_start(&b, "Sign in", NULL, NULL);
	if (message) {
		web_puts(&b, "<p role=\"alert\" class=\"error\">");
		web_esc(&b, message);
		web_puts(&b, "</p>");
	}
	web_puts(&b, "<form method=\"post\" action=\"/signin\">");
	web_csrf_field(&b, token);
	web_puts(&b, "<label for=\"staff\">Staff id</label><input type=\"text\" id=\"staff\" name=\"staff\" "
		    "autocomplete=\"username\" required><label for=\"passphrase\">Passphrase</label>"
		    "<input type=\"password\" id=\"passphrase\" name=\"passphrase\" autocomplete=\"current-password\" "
		    "required><button type=\"submit\">Sign in</button></form>");
	web_page_end(&b);
	cookie(set, sizeof(set), "cv_pre", token, 1);
	return send_page(c, status, &b, "Set-Cookie", set);
}

static enum MHD_Result sign_in(struct MHD_Connection *c, web_form *f)
{
	const char *pre = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cv_pre");
	web_req rq = { .vault_dir = W.vault_dir, .keeper_fd = W.keeper_fd, .method = "POST", .url = "/signin",
		       .staff = f->staff, .passphrase = f->passphrase ? f->passphrase : "", .uid = -1 };

	if (!web_token_equal(pre, f->csrf))
		return refuse(c, 403, "the sign-in form has expired or came from elsewhere; open the sign-in page "
			      "again", NULL);
	if (!f->staff || !*f->staff)  /* an empty passphrase is tried: it opens only a key without one */
		return signin_page(c, 400, "give your staff id and your passphrase");
	f->signin = 1;
	if (worker_start(f, &rq) < 0)
		return refuse(c, 503, "the web interface is busy; try again in a moment", NULL);
	return MHD_YES;
}

/* The sign-in worker ended: a new session and its cookie, or the form again with why. */
static enum MHD_Result signed_in_now(struct MHD_Connection *c, web_form *f)
{
	web_head *h = &f->head;
	char token[WEB_TOKEN_HEX], set[160];

	if (f->ended < 0 || h->kind != WEB_SIGNED_IN)
		return signin_page(c, 403, f->ended > 0 && h->message[0] ? h->message : "signing in failed; try again");
	if (!web_session_new(h->staff, h->uid, h->role, token, time(NULL)))
		return refuse(c, 500, "the web interface cannot keep another session now; try again", NULL);
	cookie(set, sizeof(set), "cv_session", token, 0);
	explicit_bzero(token, sizeof(token));
	return redirect(c, web_home(h->role), set);
}

/* ---- pages */

/*
 * A bundle made: the page (with its passphrase) is sent now; the bundle,
 * encrypted, which followed it, is kept for this session's one download
 * (docs/web.md, Subject access).
 */
static enum MHD_Result bundle_made(struct MHD_Connection *c, web_session *s, web_head *h, web_buf *b)
{
	size_t page = b->len;

	if (h->attach < 0 || (size_t)h->attach > b->len || b->failed)
		return web_free(b), refuse(c, 500, "the bundle did not reach the web interface; make it again",
					   s);
	page -= (size_t)h->attach;
	if (s->bundle)
		explicit_bzero(s->bundle, s->bundle_len);
	free(s->bundle);
	if (!(s->bundle = malloc((size_t)h->attach + 1)))
		return web_free(b), MHD_NO;
	memcpy(s->bundle, b->s + page, (size_t)h->attach);
	s->bundle_len = (size_t)h->attach;
	snprintf(s->bundle_name, sizeof(s->bundle_name), "%.63s", h->filename);
	b->len = page;
	b->s[page] = '\0';
	return send_page(c, 200, b, NULL, NULL);
}

/* The bundle kept for this session, once; it is gone after. */
static enum MHD_Result bundle_download(struct MHD_Connection *c, web_session *s)
{
	char disp[120];
	char *body = s->bundle;

	if (!body)
		return refuse(c, 404, "there is no bundle to download: it is downloaded once, after it is made; "
			      "make it again from the request's page", s);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", s->bundle_name);
	s->bundle = NULL;
	return send_body(c, 200, body, s->bundle_len, "application/zip", "Content-Disposition", disp);
}

/* A worker's answer as an HTTP response. */
static enum MHD_Result answer(struct MHD_Connection *c, web_session *s, web_head *h, web_buf *b)
{
	char set[160], disp[260];

	if (h->kind == WEB_ENDED) {  /* signed out, or the keeper's session is over (docs/web.md, Web sessions) */
		web_session_end(s);
		web_free(b);
		cookie(set, sizeof(set), "cv_session", "", -1);
		return redirect(c, h->location[0] ? h->location : "/signin", set);  /* a passphrase change: its word */
	}
	if (h->kind == WEB_BUNDLE)
		return bundle_made(c, s, h, b);
	if (h->kind == WEB_REDIRECT) {
		web_free(b);
		return redirect(c, h->location, NULL);
	}
	if (h->kind == WEB_DOWNLOAD) {  /* never rendered as a page of this origin (docs/web.md) */
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", h->filename);
		if (b->failed)
			return web_free(b), MHD_NO;
		return send_body(c, 200, b->s ? b->s : strdup(""), b->len, "application/octet-stream",
				 "Content-Disposition", disp);
	}
	if (h->kind == WEB_PREVIEW)  /* a PNG the vault drew, never the document's bytes */
		return b->failed || !b->s ? (web_free(b), MHD_NO) :
			send_body_csp(c, 200, b->s, b->len, "image/png", WEB_PREVIEW_CSP, "Content-Disposition", "inline");
	return send_page(c, h->status, b, NULL, NULL);
}

static enum MHD_Result signed_in(struct MHD_Connection *c, const char *url, const char *method, web_form *f,
				 web_session *s, const char *token)
{
	int post = !strcmp(method, "POST");
	web_req rq = { .vault_dir = W.vault_dir, .keeper_fd = W.keeper_fd, .method = method, .url = url,
		       .staff = s->staff, .uid = s->uid, .role = s->role, .csrf = s->csrf };
	size_t k;
	int i, nul = 0;

	for (k = 0; post && k < WEB_NFIELDS; k++) {  /* a GET carries no form */
		*(const char **)((char *)&rq + page_fields[k].at) = f->val[k];
		if (page_fields[k].at == offsetof(web_req, text))
			rq.text_len = f->len[k];  /* a note's NUL is refused by the library, in the CLI's words */
		else
			nul |= f->val[k] && strlen(f->val[k]) != f->len[k];
	}

	if (f->refused)
		return refuse(c, 400, "the form was too large (at most 32 documents, 256 MiB together, 64 KiB of "
			      "text); nothing was filed", s);
	if (nul)
		return refuse(c, 400, "a field of the form holds a NUL character, which none takes; nothing was "
			      "changed", s);
	for (i = 0; post && i < f->nfiles; i++) {
		rq.fds[i] = f->fds[i];
		rq.names[i] = f->names[i];
	}
	rq.nfiles = post ? f->nfiles : 0;
	snprintf(f->token, sizeof(f->token), "%s", token);
	if (worker_start(f, &rq) < 0)
		return refuse(c, 503, "the web interface is busy; try again in a moment", s);
	return MHD_YES;
}

/* A page's worker ended: its answer, for the session as it is now. */
static enum MHD_Result page_made(struct MHD_Connection *c, web_form *f)
{
	/* alive when the request came: the time the page took does not count as idle */
	web_session *s = web_session_find(f->token, CVD_IDLE_MAX, time(NULL));
	web_buf b = f->body;

	memset(&f->body, 0, sizeof(f->body));
	if (!s) {
		web_free(&b);
		return redirect(c, "/signin", NULL);
	}
	if (f->ended < 0) {
		web_free(&b);
		return refuse(c, 500, "the page stopped before it was made; what it changed is kept only if it "
			      "committed (docs/architecture.md, Crash safety)", s);
	}
	s->used = time(NULL);  /* idle from the end of the last page, however long it took */
	return answer(c, s, &f->head, &b);
}

/* host is name:PORT (an IPv6 address in brackets), or name alone on the scheme's own port. */
static int names(const char *host, const char *name)
{
	char want[300];

	if (!name)
		return 0;
	snprintf(want, sizeof(want), strchr(name, ':') ? "[%s]:%d" : "%s:%d", name, W.port);
	if (!strcmp(host, want))
		return 1;
	*strrchr(want, ':') = '\0';
	return W.port == (W.cert_pem ? 443 : 80) && !strcmp(host, want);
}

/*
 * The Host this server answers to (no DNS rebinding): the loopback names
 * when it listens there, its address, and the name the office's browsers
 * use (--web-name; docs/web.md, TLS).
 */
static int host_ok(struct MHD_Connection *c, char *origin, size_t size)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (!host || !(names(host, W.listen) || names(host, W.name) ||
		       (W.loopback && (names(host, "127.0.0.1") || names(host, "localhost")))))
		return 0;
	snprintf(origin, size, "%s://%s", W.cert_pem ? "https" : "http", host);
	return 1;
}

/*
 * A POST from this server's own pages.  Under Referrer-Policy: no-referrer
 * Chromium sends "Origin: null" for a form, so then the browser's
 * Sec-Fetch-Site (which no page can set) must say same-origin; a named
 * Origin must be this server's.  A request with neither is refused.
 */
static int same_origin(struct MHD_Connection *c, const char *self)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");

	if (origin && strcmp(origin, "null"))
		return !strcmp(origin, self) && (!site || !strcmp(site, "same-origin"));
	return site && !strcmp(site, "same-origin");
}

static enum MHD_Result dispatch(struct MHD_Connection *c, const char *url, const char *method, web_form *f)
{
	int post = !strcmp(method, "POST");
	const char *token;
	char self[320];
	web_session *s;

	if (!host_ok(c, self, sizeof(self)))
		return refuse(c, 400, "open the vault's pages at the address the office was given (the "
			      "service's --web-name), not another name", NULL);
	if (!post && !strcmp(url, "/static/app.css"))
		return send_body(c, 200, strdup(css), strlen(css), "text/css; charset=utf-8", NULL, NULL);
	if (!post && !strcmp(url, "/static/app.js"))
		return send_body(c, 200, strdup(web_js), strlen(web_js), "text/javascript; charset=utf-8", NULL, NULL);
	if (!post && !strcmp(url, "/favicon.ico"))
		return send_body(c, 404, strdup(""), 0, "text/plain", NULL, NULL);
	if (strcmp(method, "GET") && !post)
		return refuse(c, 405, "this page takes GET and POST only", NULL);
	if (post && !same_origin(c, self))  /* docs/web.md, Web sessions: CSRF */
		return refuse(c, 403, "a form from another site was refused; nothing was changed", NULL);
	if (!strcmp(url, "/signin"))
		return post ? sign_in(c, f) : signin_page(c, 200, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					  "changed") ? "Your passphrase is changed: sign in with the new one." : NULL);
	token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cv_session");
	s = web_session_find(token, W.idle, time(NULL));
	if (!s && post)
		return refuse(c, 403, "you are signed out, so nothing was changed; sign in again", NULL);
	if (!s)
		return redirect(c, "/signin", NULL);
	if (post && !web_token_equal(f->csrf, s->csrf))
		return refuse(c, 403, "the form's security token is missing or wrong; nothing was changed. Open "
			      "the page again and resend", s);
	if (!strcmp(url, "/"))
		return redirect(c, web_home(s->role), NULL);
	if (!post && !strcmp(url, "/bundle"))
		return bundle_download(c, s);
	return signed_in(c, url, method, f, s, token);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **ptr)
{
	web_form *f = *ptr;

	(void)cls, (void)version;
	if (!f) {
		if (!(f = calloc(1, sizeof(*f))))
			return MHD_NO;
		*ptr = f;
		if (!strcmp(method, "POST") && !(f->pp = MHD_create_post_processor(c, 65536, post_field, f)))
			f->refused = 1;  /* neither a form nor an upload */
		return MHD_YES;
	}
	if (*size) {
		if (f->pp && !f->refused && MHD_post_process(f->pp, data, *size) != MHD_YES)
			f->refused = 1;
		*size = 0;
		return MHD_YES;
	}
	if (f->ended)  /* resumed: the worker has made the page */
		return f->signin ? signed_in_now(c, f) : page_made(c, f);
	f->conn = c;
	return dispatch(c, url, method, f);
}

static volatile sig_atomic_t web_stopping;

static void web_term(int sig)
{
	(void)sig;
	web_stopping = 1;
}

/* One turn: wait for a connection or a worker, then serve what is ready. */
static void web_turn(struct MHD_Daemon *d)
{
	fd_set rs, ws, es;
	MHD_socket max = 0;
	MHD_UNSIGNED_LONG_LONG ms = 1000;
	struct timeval tv;
	int n;

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	if (MHD_get_fdset(d, &rs, &ws, &es, &max) != MHD_YES)
		return;
	n = workers_fdset(&rs, (int)max);
	if (MHD_get_timeout(d, &ms) != MHD_YES || ms > 1000)
		ms = 1000;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (select(n + 1, &rs, &ws, &es, &tv) < 0) {
		FD_ZERO(&rs);
		FD_ZERO(&ws);
		FD_ZERO(&es);
		if (errno != EINTR)
			return;
	}
	workers_run(&rs);
	workers_reap();
	MHD_run_from_select(d, &rs, &ws, &es);
	MHD_run(d);  /* the connections resumed just now */
}

/* The listening address (docs/web.md, TLS: off the loopback only over TLS, which cvd_web_check made sure of). */
static socklen_t listen_addr(struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (W.v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)W.port);
		inet_pton(AF_INET6, W.listen, &s6->sin6_addr);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)W.port);
	inet_pton(AF_INET, W.listen, &s4->sin_addr);
	return sizeof(*s4);
}

static struct MHD_Daemon *web_listen(void)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (W.v6 ? MHD_USE_IPv6 : 0);

	listen_addr(&ss);
	if (!W.cert_pem)
		return MHD_start_daemon(flags, (uint16_t)W.port, NULL, NULL, handle, NULL,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED,
					form_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	/* TLS 1.2 and 1.3 only (docs/security.md) */
	return MHD_start_daemon(flags | MHD_USE_TLS, (uint16_t)W.port, NULL, NULL, handle, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, form_done,
				NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)64, MHD_OPTION_HTTPS_MEM_CERT, W.cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
				W.key_pem, MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
				MHD_OPTION_END);
}

/*
 * Workers run side by side: a connection waits suspended while its page is
 * made, and the loop watches the workers' pipes with libmicrohttpd's sockets.
 */
static void __attribute__((noreturn)) web_run(void)
{
	struct MHD_Daemon *d = web_listen();
	char fpr[100] = "";
	const char *host = W.name ? W.name : W.listen, *v6 = strchr(host, ':') ? "]" : "";

	if (!d) {
		fprintf(stderr, "casevaultd: the web interface cannot listen on %s port %d: %s\n", W.listen, W.port,
			strerror(errno));
		_exit(1);
	}
	if (W.cert_pem && cvd_web_cert_fingerprint(W.cert_pem, fpr, sizeof(fpr)) == 0)
		fprintf(stderr, "casevaultd: the web certificate's SHA-256 fingerprint is %s\n", fpr);
	fprintf(stderr, "casevaultd: web interface at %s://%s%s%s:%d/\n", W.cert_pem ? "https" : "http",
		*v6 ? "[" : "", host, v6, W.port);
	while (!web_stopping)
		web_turn(d);
	_exit(0);  /* connections still waiting for a worker close with the process; the workers finish */
}

int cvd_web_start(const cvd_web_config *cfg, int other_fd, pid_t *pid)
{
	struct sigaction sa;

	W = *cfg;
	fflush(NULL);
	if ((*pid = fork()) != 0)
		return *pid < 0 ? -1 : 0;
	if (other_fd >= 0)
		close(other_fd);
	prctl(PR_SET_NAME, "casevaultd-web", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = web_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (getppid() == 1)
		_exit(1);
	web_run();
}
