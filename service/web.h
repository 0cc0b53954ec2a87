/*
 * casevaultd - the web interface (docs/web.md).  The web process parses
 * HTTP and keeps the web sessions; it holds no vault and no key.  Every page
 * that touches the vault is made by a worker forked for it, which opens the
 * vault as the signed-in staff member with their session from the keeper
 * and calls the library's public API, as a CLI command does.
 */
#ifndef CVD_WEB_H
#define CVD_WEB_H

#include <sys/types.h>
#include "casevault/request.h"
#include "web_html.h"

#define WEB_MAX_FILES 32
#define WEB_IDLE_DEFAULT 600

/* How the web process listens (docs/web.md, TLS). */
typedef struct {
	const char *vault_dir;
	int keeper_fd, port, idle;
	const char *listen;        /* the address: 127.0.0.1 unless --web-listen */
	const char *name;          /* the host name browsers use besides the loopback names (--web-name), or NULL */
	char *cert_pem, *key_pem;  /* --tls-cert, --tls-key as read by cvd_web_check; NULL: plain HTTP */
	int v6, loopback;          /* set by cvd_web_check */
} cvd_web_config;

/*
 * Check cfg's address and read and check the TLS pair (cert and key are
 * file names, or both NULL): an address off the machine needs TLS.  0, or
 * -1 with one line in err saying what is wrong and what to do.
 */
int cvd_web_check(cvd_web_config *cfg, const char *cert, const char *key, char *err, size_t errsize);

/*
 * Fork the web process listening as cfg says (other_fd, the daemon's
 * socket, is closed in it).  0 and *pid, or -1 with errno.
 */
int cvd_web_start(const cvd_web_config *cfg, int other_fd, pid_t *pid);

/*
 * Make a self-signed certificate for name in dir/web.crt and its key in
 * dir/web.key (0600), never over existing files; its SHA-256 fingerprint
 * (AB:CD:...) in fpr (at least 96 bytes).  0, or -1 with one line in err.
 */
int cvd_web_make_cert(const char *dir, const char *name, char *fpr, size_t fprsize, char *err, size_t errsize);
/* The SHA-256 fingerprint of a PEM certificate, as above; 0 or -1. */
int cvd_web_cert_fingerprint(const char *pem, char *out, size_t size);

/* What a worker is asked to make (docs/web.md, Pages). */
typedef struct {
	const char *vault_dir;
	int keeper_fd;
	const char *method;        /* "GET", "POST" */
	const char *url;
	const char *staff;         /* the signed-in staff member, or the id given at sign-in */
	long uid;                  /* the OS user their grant names */
	int role;                  /* cv_role */
	const char *csrf;          /* the session's token, for the page's forms */
	const char *passphrase;    /* sign-in only */
	const char *cls, *title, *text;  /* form fields */
	size_t text_len;           /* the text's bytes, a NUL among them (a note's, refused by the library) */
	const char *decision, *ground, *reason;  /* a request's decision (docs/web.md, Subject access) */
	const char *recs;          /* the records chosen in a table, comma-separated */
	const char *query;         /* a name to find (POSTed: never in a URL or a log) */
	const char *since, *actor, *rid;  /* the audit trail's filters */
	const char *until, *event;        /* ...the last day, and an action (audit.show, record.*) */
	const char *case_id, *date;       /* an intake item's filing (docs/web.md, Intake tray) */
	/* consent, share, referral, enquiry, rights requests, corrections (docs/web.md, Rights and sharing) */
	const char *to, *purpose, *by, *confirm, *basis, *kind, *requester, *relationship, *request;
	const char *parent, *child, *dob;  /* opening a case (docs/web.md, Opening a case) */
	const char *how, *version;         /* a confidentiality notice, a contact preference */
	const char *member;                /* a staff id assigned to a case, or taken off it */
	/* a new member of staff (docs/web.md, Staff and grants): the passphrase typed twice by them */
	const char *name, *role_name, *os_user, *new_pass, *new_pass2, *old_pass;
	int nfiles;
	int fds[WEB_MAX_FILES];    /* uploaded documents, in memory (memfd) */
	const char *names[WEB_MAX_FILES];
} web_req;

/* WEB_PREVIEW: a PNG drawn by the vault, sent inline under its own sandboxing policy (docs/web.md, Previews) */
enum { WEB_HTML = 0, WEB_DOWNLOAD, WEB_REDIRECT, WEB_ENDED, WEB_SIGNED_IN, WEB_BUNDLE, WEB_PREVIEW };

/* What a worker made: the head, then the body follows on the pipe. */
typedef struct {
	int status;                /* HTTP status */
	int kind;
	char staff[32];            /* WEB_SIGNED_IN: who, their OS user and role */
	long uid;
	int role;
	char location[96];         /* WEB_REDIRECT */
	char filename[200];        /* WEB_DOWNLOAD, WEB_BUNDLE: safe for the header */
	long attach;               /* WEB_BUNDLE: the bundle's bytes, after the page's */
	char message[400];         /* sign-in refused: why, in one line */
	long long total;           /* the bytes after the head (the body, then the document): a page cut short is refused */
} web_head;

/*
 * In the worker: make the page (web_pages.c).  The vault it was made from,
 * still open, or NULL: the worker closes it once the page is sent, since
 * what the library leaves for a command's end (cv_vault_finish) is not the
 * person's to wait for (docs/web.md, Processes).
 */
cv_vault *web_make(const web_req *rq, web_head *h, web_buf *body, int *doc_fd);

/* What pages share (web_pages.c): a page saying what went wrong, the library's error as one. */
struct cv_vault;
void web_error_page(const web_req *rq, web_head *h, web_buf *b, int status, const char *why);
void web_lib_error(const web_req *rq, web_head *h, web_buf *b, struct cv_vault *v, int r);
void web_redirect(web_head *h, const char *prefix, const char *id);
/* The HTTP status of a library error (403 refused, 404 not found, 400 bad input, else 500). */
int web_status_of(int r);
/* 1 when role holds a keyslip (reads the case file); a volunteer and an auditor hold none. */
int web_holds_slip(int role);
/* 1 when role files notes without holding a key (a volunteer): their session reaches /deposit only. */
int web_deposits_only(int role);
/* The page a person of role starts from: the cases, a volunteer's note form, an auditor's audit trail. */
const char *web_home(int role);
/* That page in words, after "Back to": "the cases", "the note form", "the audit trail". */
const char *web_home_name(int role);
/* The purge runs and their certificates (CV_ACT_AUDIT: managers and auditors); 0 or the library's error. */
int web_certificates_section(web_buf *b, struct cv_vault *v);
/* The top bar's links for role (WEB_NAV_*): the pages the library lets that role use (cv_role_allows). */
unsigned web_nav(int role);
/* web_page_start for the signed-in person of rq, with their top bar. */
void web_page_begin(const web_req *rq, web_buf *b, const char *title);
/* A title or name as a download's file name (out, size bytes): printable ASCII, no quotes or separators. */
void web_safe_filename(const char *title, char *out, size_t size);
/* The classes of the case file from the schedule, as a labelled choice named "class" (id: the field's id). */
void web_class_select(web_buf *b, struct cv_vault *v, const char *id);
/* The same with the class named chosen (or NULL) selected, as a form sent back with its refusal. */
void web_class_select_chosen(web_buf *b, struct cv_vault *v, const char *id, const char *chosen);
/* "/case/C-2026-0001/note" -> "C-2026-0001" and "note" (or ""); 0, or -1 when it is no id. */
int web_split_url(const char *url, const char *prefix, char *id, size_t idsize, const char **rest);

/* The subject access pages (web_requests.c); 1 when url is one of theirs. */
int web_requests_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int *doc_fd);
/* The records manager's pages (web_records.c); 1 when url is one of theirs. */
int web_records_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* The intake tray (web_intake.c); 1 when url is one of its. */
int web_intake_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int *doc_fd);
/* A volunteer's note form, filed as a deposit (web_deposit.c); 1 when url is one of its. */
int web_deposit_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* 1 when url is one of the deposit pages (what a volunteer's session reaches, with /signout). */
int web_deposit_page(const char *url);
/* The auditor's page (web_audit.c); 1 when url is its. */
int web_audit_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* A page with the library's refusal (or NULL) above it: 0, or the library's error when it cannot be made. */
typedef int (*web_page_fn)(const web_req *rq, struct cv_vault *v, web_buf *b, const char *id, const char *alert);
/* page(id) shown, or the library's error alone when it cannot be made. */
void web_show(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, web_page_fn page, const char *id);
/*
 * After an action whose result is r: to the page at to (303) when done, or
 * page(id) with the library's line above it and the refusal's status.
 */
void web_after(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int r, web_page_fn page,
	       const char *id, const char *to);
/* A search form POSTing its words as "query" (never in a URL): label and button are HTML (web_pages.c). */
void web_query_form(const web_req *rq, web_buf *b, const char *action, const char *label, const char *button);
/* A request's time left as a table cell (web_requests.c). */
void web_due_cell(web_buf *b, const cv_request *q);
/* A case's notice and contact preference, said plainly (web_notice.c); its page and forms: */
void web_case_notice_summary(struct cv_vault *v, web_buf *b, const char *id);
int web_notice_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* A case's caseworkers, and a manager's forms to change them (web_team.c). */
void web_case_team(const web_req *rq, struct cv_vault *v, web_buf *b, const char *id);
int web_team_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* /search (web_search.c); 1 when it answered. */
int web_search_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* Consent, enquiries, referrals (web_rights.c); 1 when url is one of theirs. */
int web_rights_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int *doc_fd);
/* Sharing under consent (web_share.c): the form on a case's consent page, and its route. */
void web_rights_share_form(const web_req *rq, web_buf *b, const char *case_id);
int web_rights_share_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int *doc_fd);
/* Rights requests beside subject access, and corrections of records (web_fix.c); 1 when url is one of theirs. */
int web_rights_fix_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);

/* A record's preview (web_preview.c): GET /record/R/preview; 1 when url is its. */
int web_preview_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/*
 * The PNG a preview call made (r its result: < 0 shows the library's line
 * as an error page) as the response, WEB_PREVIEW; png is wiped and freed.
 */
void web_preview_send(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b, int r, void *png, size_t len);
/* The preview's <img> for a record's page, when its type has one and it may be read. */
void web_preview_figure(struct cv_vault *v, web_buf *b, const char *id);
/* The manager's staff page and grants (web_staff.c); 1 when url is one of theirs. */
int web_staff_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* 1 when rq's page talks to gpg-agent itself (a revocation), so its worker starts with gpgconf. */
int web_staff_needs_gpgconf(const web_req *rq);
/* A passphrase callback giving hook, a passphrase typed into a form (NULL: none given). */
int web_typed_passphrase(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize);
/* "Change your passphrase" for anyone signed in (web_passphrase.c); 1 when url is its. */
int web_passphrase_route(const web_req *rq, struct cv_vault *v, web_head *h, web_buf *b);
/* The pages' one script, served as /static/app.js (web_js.c; no inline script: docs/web.md). */
extern const char web_js[];

#endif
