/*
 * casevault - verify's checks on keys (verify_keys.h): what a revocation,
 * a rotation or a lost file can leave wrong without any archive changing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/deposit.h"
#include "core/grants.h"
#include "crypto/gpgconf.h"
#include "crypto/keydelete.h"
#include "ops/verify_keys.h"
#include "store/sealed.h"
#include "store/db_receipts.h"
#include "store/db_intent.h"
#include "store/db_verify.h"
#include "store/sealed.h"
#include "casevault/staff.h"

void cv_verify_add_problem(cv_verify_report *rep, const char *what, const char *fmt, ...)
{
	cv_verify_problem *p;
	va_list ap;

	p = reallocarray(rep->problems, rep->nproblems + 1, sizeof(*p));
	if (!p)
		return;
	rep->problems = p;
	p = &rep->problems[rep->nproblems++];
	snprintf(p->what, sizeof(p->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

int cv_verify_signer_missing(cv_vault *v, long long receipt_id, char *msg, size_t msglen)
{
	char id[16], fpr[48];

	if (cv_db_receipt_signer(v, receipt_id, id, fpr) < 0 || cv_gpg_has_public(v, fpr) != 0)
		return 0;
	snprintf(msg, msglen, "filing receipt %lld: signer key missing (the public key of %s is gone from the "
		 "vault's keyring; restore gnupg/ from a backup, docs/recovery.md)", receipt_id, id);
	return 1;
}

struct key_walk {
	cv_vault *v;
	cv_verify_report *rep;
};

/* A revocation finishes by deleting the secret key (docs/architecture.md, Crash safety). */
static int revoked_secret(void *hook, const char *id, const char *fpr)
{
	struct key_walk *w = hook;

	if (cv_gpg_has_secret(w->v, fpr) > 0)
		cv_verify_add_problem(w->rep, id, "revoked staff member's secret key is still in the vault's keyring; "
				      "run 'casevault staff revoke %s' to finish the revocation", id);
	return 0;
}

static int keyslip_row(void *hook, const char *id, int gen, int outdated, int revoked)
{
	struct key_walk *w = hook;

	if (revoked)
		cv_verify_add_problem(w->rep, id, "keyslip (generation %d) of revoked %s is still in the index", gen, id);
	else if (outdated)
		cv_verify_add_problem(w->rep, id, "outdated keyslip for %s (generation %d, older than the section keys "
				      "it holds): it opens retired keys; revoke and add the person again", id, gen);
	return 0;
}

static void sealed_bad(void *hook, const char *table, const char *column, const char *id)
{
	cv_verify_add_problem(hook, id, "sealed %s.%s does not open (damaged or altered)", table, column);
}

/* The duplicate index: a wrong value hides a duplicate, or names the wrong record as one. */
struct blind_walk {
	cv_verify_report *rep;
	size_t missing;
};

static void blind_bad(void *hook, const char *id, int wrong)
{
	struct blind_walk *b = hook;

	if (wrong)
		cv_verify_add_problem(b->rep, id, "its duplicate index value (records.blind) is not the one its document "
				      "gives (altered): duplicates of it would go unnoticed; restore vault.db from a backup "
				      "(docs/recovery.md)");
	else
		b->missing++;
}

static void check_blind(cv_vault *v, cv_verify_report *rep, int mask)
{
	struct blind_walk b = { rep, 0 };

	if (cv_sealed_blind_each(v, mask, blind_bad, &b) < 0)
		cv_verify_add_problem(rep, "index", "cannot read the duplicate index: %s", cv_vault_errmsg(v));
	else if (b.missing)
		cv_notice(v, "%zu record%s filed before the duplicate index %s no value in it yet: the next command "
			  "that writes with the section key computes %s", b.missing, b.missing == 1 ? "" : "s",
			  b.missing == 1 ? "has" : "have", b.missing == 1 ? "it" : "them");
}

/*
 * The settings of the vault's gpg.conf (crypto/gpgconf.c, docs/security.md):
 * without them gpg falls back to iterated SHA-1 S2K and gpg-agent caches
 * archive keys.  One option and its value per line; # starts a comment.
 */
#define MAX_GPG_NEEDS 32
struct gpg_needs {
	char *text;                /* a copy of cv_gpg_conf_text, split in place */
	const char *opt[MAX_GPG_NEEDS], *val[MAX_GPG_NEEDS];
	size_t n;
};

/* Split one gpg.conf line in place: 1 with *opt and *val, 0 for a blank line or a comment. */
static int gpg_conf_split(char *line, const char **opt, const char **val)
{
	char *o = line + strspn(line, " \t"), *v;

	o[strcspn(o, "\r\n")] = '\0';
	if (!*o || *o == '#')
		return 0;
	v = o + strcspn(o, " \t");
	if (*v)
		*v++ = '\0';
	*opt = o;
	*val = v + strspn(v, " \t");
	return 1;
}

static int gpg_needs_load(struct gpg_needs *g)
{
	char *line, *save = NULL;

	g->n = 0;
	if (!(g->text = strdup(cv_gpg_conf_text)))
		return -1;
	for (line = strtok_r(g->text, "\n", &save); line && g->n < MAX_GPG_NEEDS; line = strtok_r(NULL, "\n", &save))
		if (gpg_conf_split(line, &g->opt[g->n], &g->val[g->n]))
			g->n++;
	return 0;
}

/* One line of gpg.conf: bit i of *ok when it sets need i as casevault does, of *bad when otherwise. */
static void gpg_conf_line(const struct gpg_needs *g, char *line, unsigned *ok, unsigned *bad)
{
	const char *opt, *val;
	size_t i;

	if (!gpg_conf_split(line, &opt, &val))
		return;
	for (i = 0; i < g->n; i++)
		if (!strcmp(opt, g->opt[i]))
			*(strcmp(val, g->val[i]) ? bad : ok) |= 1u << i;
}

static void check_gpg_conf(cv_vault *v, cv_verify_report *rep)
{
	struct gpg_needs g;
	char *path = NULL, line[512];
	unsigned ok = 0, bad = 0;
	size_t i;
	FILE *f;

	if (asprintf(&path, "%s/gpg.conf", v->gnupghome) < 0)
		return;
	f = fopen(path, "re");
	free(path);
	if (!f) {
		cv_verify_add_problem(rep, "gnupg/gpg.conf", "the vault's gpg.conf is missing: new archives get gpg's "
				      "defaults (iterated SHA-1 S2K, keys cached by gpg-agent); restore it from a backup");
		return;
	}
	if (gpg_needs_load(&g) < 0) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f))
		gpg_conf_line(&g, line, &ok, &bad);
	fclose(f);
	for (i = 0; i < g.n; i++)
		if (!(ok & (1u << i)) || (bad & (1u << i)))
			cv_verify_add_problem(rep, "gnupg/gpg.conf", "the vault's gpg.conf %s '%s%s%s' (changed?); "
					      "restore it from a backup", (bad & (1u << i)) ? "changes the setting" : "lacks",
					      g.opt[i], g.val[i][0] ? " " : "", g.val[i]);
	free(g.text);
}

/* What the caller's role kept verify from checking, said once (docs/commands/verify.md). */
static void say_skipped(cv_vault *v, int mask, int manager)
{
	int s;

	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (!(mask & (1 << s)))
			cv_notice(v, "you hold no %s key: the sealed fields of its rows were not opened", cv_section_name(s));
	if (!manager)
		cv_notice(v, "only your own keyslip was checked; a manager's verify checks everyone's");
}

static void grant_problem(void *hook, const char *what, const char *msg)
{
	cv_verify_add_problem(hook, what, "%s", msg);
}

/*
 * The exact retention dates are sealed under the schedule key, not a
 * section's (docs/architecture.md, Sealed columns): checked when that key
 * opens (it is kept under the case key), said when it does not.
 */
static int schedule_mask(cv_vault *v, cv_verify_report *rep)
{
	int r = cv_sealed_schedule_load(v);

	if (r > 0)
		return 1 << CV_SEAL_SCHEDULE;
	if (r < 0)
		cv_verify_add_problem(rep, "vault_keys", "%s", cv_vault_errmsg(v));
	else
		cv_notice(v, "the retention dates sealed under the schedule key were not checked: %s",
			  v->mkey[CV_SECTION_CASE] ? "this vault holds no schedule key" : "you hold no case key to open it");
	return 0;
}

/* Each section's published deposit key: signed by a key holder whose grant holds (core/deposit.c). */
static void check_deposit_keys(cv_vault *v, cv_verify_report *rep)
{
	char what[32], why[sizeof(v->errmsg) + 64];
	int s;

	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (cv_deposit_check_key(v, (cv_section)s, why, sizeof(why)) != 0) {
			snprintf(what, sizeof(what), "deposit.%s", cv_section_name(s));
			cv_verify_add_problem(rep, what, "%s", why[0] ? why : cv_vault_errmsg(v));
		}
}

void cv_verify_keys(cv_vault *v, cv_verify_report *rep)
{
	struct key_walk w = { v, rep };
	int mask = 0, s, manager = v->role == CV_ROLE_MANAGER;
	size_t n = 0;

	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey[s])
			mask |= 1 << s;
	if (cv_db_verify_sealed(v, mask | schedule_mask(v, rep), sealed_bad, rep, &n) < 0)
		cv_verify_add_problem(rep, "index", "cannot read the sealed columns: %s", cv_vault_errmsg(v));
	check_blind(v, rep, mask);
	cv_db_verify_keyslips(v, manager ? NULL : v->actor, keyslip_row, &w);
	cv_db_intent_revoked_each(v, revoked_secret, &w);
	/* every grant costs a signature check: a manager's verify checks them all (unlock checked the actor's) */
	if (manager || !v->anchor_fpr[0])
		cv_grants_verify(v, grant_problem, rep);
	check_deposit_keys(v, rep);
	check_gpg_conf(v, rep);
	say_skipped(v, mask, manager);
}
