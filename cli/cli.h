/*
 * casevault CLI - shared declarations.  The CLI parses arguments, calls
 * libcasevault and prints; it holds no vault logic of its own.
 */
#ifndef CV_CLI_H
#define CV_CLI_H

#include <stdio.h>
#include <jansson.h>
#include "casevault/record.h"
#include "casevault/vault.h"
#include "casevault/session.h"

/* Exit codes (docs/commands/README.md, Exit status). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/*
 * An option whose value is personal data (a name, a date of birth, a title,
 * a reason about a person) names the field in `personal` ("Parent's name").
 * Its value may then be given as "-": the parser reads it from standard
 * input (one line per such value, in command-line order) or prompts for it
 * on a terminal, so it stays out of shell history and /proc/PID/cmdline.
 */
typedef struct {
	const char *name;      /* long option name */
	int shortopt;          /* 0 for none */
	const char *arg;       /* argument name, NULL for a flag */
	const char *help;
	const char *personal;  /* the prompt's field name if the value is personal data, else NULL */
} cli_opt;

#define CLI_OPT_END { NULL, 0, NULL, NULL, NULL }

enum {
	NEEDS_VAULT = 1 << 0,    /* open the vault (-C / CASEVAULT_DIR) before running */
	NEEDS_GPGCONF = 1 << 1,  /* talks to gpg-agent directly: cv_global_init_ex(CV_INIT_GPGCONF) */
	/*
	 * writes record content out of the vault: it must leave an audit event
	 * each time it runs (docs/legal-rules.md §17); tests/cli/t_exports.sh runs
	 * every command so flagged, from 'casevault help --commands'
	 */
	EXPORTS_CONTENT = 1 << 2,
};

#define CLI_PERSONAL_ARGS 2

struct cli_ctx;
typedef int (*cli_fn)(struct cli_ctx *c);

typedef struct {
	const char *name;        /* "file", "case open" */
	cli_fn fn;
	int flags;
	const char *args;        /* positional arguments, e.g. "CASE PATH..." */
	int min_args, max_args;  /* -1 = unlimited */
	const char *summary;
	const cli_opt *opts;
	/* Positional arguments that are personal data, as `personal` above, by position. */
	const char *personal_args[CLI_PERSONAL_ARGS];
} cli_cmd;

#define CLI_MAX_OPTS 32

/*
 * A command run by casevaultd for a client (docs/service.md): the client's
 * OS user (from the kernel, SO_PEERCRED), the service's vault, and the
 * passphrase the client read from its own passphrase file (or NULL: asked
 * at the client's terminal, its standard input).
 */
typedef struct {
	const char *word;   /* the request's word that names it */
	const char *name;   /* the name as given: the end of that word */
	int fd;
	int write;          /* a new, empty file the client made for the command's output */
} cli_passed_file;

typedef struct {
	long uid;
	const char *vault_dir;
	const char *passphrase;
	const cli_passed_file *files;  /* the files the client opened and passed (docs/service.md, "Named files") */
	int nfiles;
	/* the daemon's sessions (docs/service.md, Sessions): the library's slip cache */
	const cv_slip_cache *sessions;
	void *sessions_ctx;
	int session_alive;        /* the client's OS user held a live session when the request came */
	int conn;                 /* the client's connection: import asks it for each document (docs/protocol.md) */
	int open_many;            /* documents the client opens for one ask (docs/protocol.md); 0: one */
	/* the client answered with the exit status once the output is out, before the command's end (cli_end) */
	void (*answer)(void *ctx, int code);
	void *answer_ctx;
	/*
	 * The vault as the worker opened it before the request came, or NULL:
	 * the command takes it (and closes it) when it is still current, else
	 * closes it and opens the vault afresh (docs/service.md, Speed).
	 */
	cv_vault *spare;
} cli_service;

/* The oldest vault opened ahead that a command takes (cv_vault_current's max_age), seconds. */
#define CLI_SPARE_MAX_AGE 300

/* Where casevault looks for the daemon when a vault is not its own to open. */
#define CLI_DEFAULT_SOCKET "/run/casevault/casevault.sock"

typedef struct cli_ctx {
	const cli_cmd *cmd;
	const char *vault_dir;
	const char *as;
	const char *passphrase_file;
	int json;
	cv_vault *v;
	int argc;                 /* positional arguments */
	char **argv;
	const char *val[CLI_MAX_OPTS];  /* option values, by index in cmd->opts */
	const cli_service *svc;   /* NULL in direct mode */
	size_t notices_shown;     /* how much of the handle's notices is on stderr already */
} cli_ctx;

/*
 * The whole command line: casevault's main() (svc NULL: direct mode, or the
 * client when the vault is a service's) and casevaultd's workers (svc set).
 * Returns the exit status.
 */
int cli_main(int argc, char **argv, const cli_service *svc);
/* Every command (cli/commands.c; the thin client's generated copy has no fn), NULL-terminated. */
extern const cli_cmd *const cli_commands[];
/*
 * Around a parsed command (cli/run.c): the library initialised and the vault
 * opened (0, or the exit status of a one-line refusal); once the output is
 * flushed (r: the exit status), the client answered (through casevaultd),
 * the work the library left for the end (cv_vault_finish), and closed.  The
 * thin client's cli_begin hands the command line to the direct program
 * instead (cli/thin.c; docs/service.md, Speed).
 */
int cli_begin(cli_ctx *c);
void cli_end(cli_ctx *c, int r);
/*
 * The client (cli/client.c): CASEVAULT_SOCKET, or NULL; run the command
 * line argv, parsed in c, through the daemon at sock.
 */
const char *cli_client_socket(void);
int cli_client_run(const char *sock, int argc, char **argv, cli_ctx *c);
/*
 * Service mode (cli/svcmode.c): refuse what names a file with no descriptor
 * passed for it; the client's identity and passphrase.
 */
int cli_service_refuse(cli_ctx *c);
/* A value that names a file the service may take, opened by the client (cli/svcmode.c). */
typedef struct {
	const char *cmd;     /* the command's name */
	const char *opt;     /* the option, or NULL for its positional words */
	int write;           /* a new file for the command's output; else read */
	const char *exists;  /* a new file's refusal when it exists: the direct mode's words (%s: the name) */
} cli_file_word;
const cli_file_word *cli_file_word_of(const cli_cmd *cmd, const char *opt);
/* fn on each value of the command line that names a file (fw NULL: the service takes none there). */
typedef int (*cli_path_fn)(cli_ctx *c, const cli_file_word *fw, const char *what, const char *word,
			   const char *val, void *hook);
int cli_each_path(cli_ctx *c, cli_path_fn fn, void *hook);
int cli_service_refuse_path(cli_ctx *c, const char *what, const char *word);
/* The descriptor a client passed for a value that names a file, or -1 (always in direct mode). */
int cli_passed_fd(const cli_ctx *c, const char *val);
/* cli_passphrase_cb for a passed passphrase file: hook is its descriptor, (void *)(intptr_t)fd. */
int cli_passed_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize);
/*
 * A new staff passphrase, read with cb(hook) from what (its file's name), is
 * strong enough (cli/passq.c; docs/security.md, Passphrases): 0, else the exit
 * status of a one-line refusal (EXIT_USAGE).
 */
int cli_new_passphrase_ok(cli_ctx *c, cv_passphrase_cb cb, void *hook, const char *what);
/* The rule cli_new_passphrase_ok applies (also the web's staff form): 0 when pass is good enough, else 1 and why (pwquality's words). */
#define CLI_PASS_MIN 12
int cli_pass_weak(const char *pass, char *why, size_t len);
int cli_service_actor(cli_ctx *c);
/*
 * import through the service: documents a manifest names, asked of the
 * client, which opens them itself (cli/svcmode.c).  At most
 * cli_service_open_many(c) at once; how many it opened, their descriptors
 * in fds (in order), and *err the errno of the client's open of the next
 * one (or of the exchange) when that is fewer than n.
 */
size_t cli_service_open_many(const cli_ctx *c);
size_t cli_service_open_docs(const cli_ctx *c, char *const *paths, size_t n, int *fds, int *err);
/*
 * The documents of an import's batch through the service (cli/dockeep.c):
 * cli_doc_keep_open is each row's cv_file_item.open_doc, asking the client
 * for it and those after it, and keeping what a filing reads twice.
 */
typedef struct cli_doc_keep cli_doc_keep;
cli_doc_keep *cli_doc_keep_new(const cli_ctx *c);
void cli_doc_keep_batch(cli_doc_keep *k, const cv_file_item *items, size_t n);
int cli_doc_keep_open(void *hook, const char *path);
void cli_doc_keep_free(cli_doc_keep *k);
/* The path of each row of a manifest, as import files it (cli/cmd_file.c): the client's list of what it may pass. */
typedef int (*cli_import_path_fn)(void *hook, const char *path);
int cli_import_each_path(cli_ctx *c, int fd, cli_import_path_fn fn, void *hook);
/* Whether an argument word of a table ("FILE", "PATH...", "DIR") names a file. */
int cli_is_path_word(const char *w);
/* Word number i (from 0) of a command's argument synopsis ("CASE NAME"). */
void cli_arg_word(const cli_cmd *cmd, int i, char *buf, size_t len);

/* Value of option name ("1" for a given flag), or NULL. */
const char *cli_opt_value(const cli_ctx *c, const char *name);
int cli_flag(const cli_ctx *c, const char *name);

/* Report an error: one line on stderr (and a JSON object with --json). Returns code. */
int cli_fail(cli_ctx *c, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* cli_fail for a failure the library reported with lib_code (CV_E*): its JSON "code" says which. */
int cli_fail_lib(cli_ctx *c, int exit_code, int lib_code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The stable JSON "code" of an error (docs/json.md, Errors): from CV_E* lib_code if one, else the exit status. */
const char *cli_error_code(int lib_code, int exit_code);
/* Map a library return code to an exit code and report the vault's message. */
int cli_lib_fail(cli_ctx *c, int r);
/*
 * Print a JSON value to stdout (steals the reference).  NULL, or any failed
 * cli_jset/cli_jpush/cli_json_array item before, prints an error instead and
 * makes the exit status 1: --json never drops an item silently.
 */
void cli_json_out(json_t *j);
/* json_object_set_new / json_array_append_new whose failure (or a NULL val) is recorded. */
void cli_jset(json_t *obj, const char *key, json_t *val);
void cli_jpush(json_t *arr, json_t *val);
/* Whether a JSON call of this command has failed (for output written in parts). */
int cli_json_failed(void);
/* A number that names something (a hold, a certificate) as a JSON id: a string, null for 0 (docs/json.md, Ids). */
json_t *cli_jid(long id);
/* A space-separated list of words as a JSON array of strings (empty for NULL or ""). */
json_t *cli_jwords(const char *s);
/* Text from the vault as JSON (null for NULL), bytes that are not UTF-8 shown as U+FFFD. */
json_t *cli_jtext(const char *s);
/* Text from the vault for the terminal: U+FFFD for bytes that are not UTF-8 and for control characters. */
const char *cli_show(const char *s);
/* One list item as JSON; arg is the command's choice (e.g. --names). */
typedef json_t *(*cli_item_json)(const void *item, int arg);
/* A JSON array of fn(item, arg) over the n items, size bytes each, at items. */
json_t *cli_json_array(const void *items, size_t n, size_t size, cli_item_json fn, int arg);
/*
 * A command's success, said once: with --json, j (which starts with
 * "ok": true) on stdout, else fmt as text; j is freed either way, so that
 * the two forms of one result stay side by side.  Returns EXIT_OK.
 */
int cli_done(cli_ctx *c, json_t *j, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Print the non-empty notice of the vault (crash recovery etc.) to stderr. */
void cli_notices(cli_ctx *c);
/* Print the notices the command added after the first 'from' bytes (those printed at open). */
void cli_notices_from(cli_ctx *c, size_t from);
/* Open the vault for a command that needs one (used by init's demo too). */
int cli_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize);
/* cli_passphrase_cb asking at the terminal on standard input, not echoed (-1 when it is no terminal). */
int cli_tty_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize);
/* Show prompt on standard error and read one line from the terminal on standard input, not echoed. */
int cli_prompt_hidden(const char *prompt, char *buf, size_t bufsize);

/*
 * Where a ZIP bundle's passphrase goes (cli/cmd_request.c; request bundle and
 * share): the terminal by default, standard output (--show-passphrase) or a
 * new 0600 file (--passphrase-file); settled before anything is built.
 */
typedef struct {
	int tty, file;       /* descriptors, or -1 */
	int show;            /* --show-passphrase */
	const char *path;    /* --passphrase-file */
	int passed;          /* file is the one casevaultd's client made: it removes it on failure */
} cli_pass_dest;
int cli_pass_dest_open(cli_ctx *c, cli_pass_dest *d);
void cli_pass_dest_close(cli_pass_dest *d, int failed);
int cli_pass_deliver(cli_ctx *c, cli_pass_dest *d, const char *pass, const char *out);

/* Command tables, one per file. */
extern const cli_cmd cmd_init_spec, cmd_lock_spec;
extern const cli_cmd cmd_case_open_spec, cmd_case_list_spec, cmd_case_show_spec, cmd_case_close_spec;
extern const cli_cmd cmd_file_spec, cmd_note_spec, cmd_import_spec;
extern const cli_cmd cmd_ls_spec, cmd_get_spec, cmd_verify_spec, cmd_search_spec;
extern const cli_cmd cmd_backup_spec, cmd_restore_spec, cmd_doctor_spec;
extern const cli_cmd cmd_policy_check_spec;
extern const cli_cmd cmd_policy_adopt_spec, cmd_classes_spec;
extern const cli_cmd cmd_staff_add_spec, cmd_staff_list_spec, cmd_staff_attest_spec, cmd_staff_revoke_spec,
	cmd_staff_passphrase_spec;
extern const cli_cmd cmd_audit_show_spec, cmd_audit_verify_spec;
extern const cli_cmd cmd_case_reopen_spec, cmd_case_set_dob_spec;
extern const cli_cmd cmd_hold_add_spec, cmd_hold_release_spec, cmd_hold_list_spec;
extern const cli_cmd cmd_retention_due_spec, cmd_retention_recompute_spec;
extern const cli_cmd cmd_review_spec, cmd_review_approve_spec, cmd_review_defer_spec;
extern const cli_cmd cmd_purge_spec, cmd_certificates_list_spec, cmd_certificates_show_spec, cmd_purge_key_init_spec;
extern const cli_cmd cmd_case_person_add_spec, cmd_case_person_list_spec, cmd_case_link_spec;
extern const cli_cmd cmd_request_open_spec, cmd_request_list_spec, cmd_request_show_spec, cmd_request_decide_spec,
	cmd_request_attach_spec, cmd_request_extend_spec, cmd_request_bundle_spec, cmd_request_log_spec,
	cmd_request_close_spec;
extern const cli_cmd cmd_request_pause_spec, cmd_request_resume_spec, cmd_request_verify_id_spec;
extern const cli_cmd cmd_record_move_spec, cmd_record_set_spec, cmd_record_erase_spec, cmd_request_lift_spec;
extern const cli_cmd cmd_refer_list_spec, cmd_refer_spec;
extern const cli_cmd cmd_enquiry_add_spec, cmd_enquiry_list_spec;
extern const cli_cmd cmd_intake_add_spec, cmd_intake_list_spec, cmd_intake_show_spec, cmd_intake_assign_spec,
	cmd_intake_reject_spec;
extern const cli_cmd cmd_case_notice_spec, cmd_case_contact_spec;
/* case show's confidentiality notices and contact preference (cli/cmd_notice.c): into j, or as text when j is NULL. */
int cli_case_show_notices(cli_ctx *c, const char *case_id, json_t *j);
extern const cli_cmd cmd_case_assign_spec, cmd_case_unassign_spec;
extern const cli_cmd cmd_consent_add_spec, cmd_consent_list_spec, cmd_consent_due_spec, cmd_consent_withdraw_spec;
extern const cli_cmd cmd_share_spec;

/* A command with no options of its own (the global ones still apply). */
extern const cli_opt cli_no_opts[];

#endif
