/*
 * casevault - the adopted policy: the text of every policy the vault has
 * used, kept in the index by hash (policy_versions), so that a record's
 * retention can be worked out under the policy it was filed under, an
 * edited policy file takes effect only once a manager adopts it, and a
 * damaged policy file falls back to the last good one
 * (docs/policy-retention.md).
 */
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/adopted.h"
#include "core/audit.h"
#include "store/db_meta.h"
#include "store/index.h"
#include "casevault/staff.h"

static int read_all(const char *path, char **out, size_t *len)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > 1024 * 1024) {
		close(fd);
		return -1;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size && (n = read(fd, buf + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* The meta value of key into out: 1 when there is one; 0 when not or unreadable. */
static int meta_get(cv_vault *v, const char *key, char *out, size_t outlen)
{
	return cv_db_meta_get(v, key, out, outlen) > 0;
}

/*
 * Keep the text of the policy in the files (v->policy, just loaded), by
 * hash, and make it the current one: the vault's first policy, or a change
 * a manager adopts (cv_policy_adopt).  Writes only when something changed.
 */
int cv_retention_remember_policy(cv_vault *v)
{
	const char *hash = cv_policy_hash(v->policy);
	char cur[80], *rp = NULL, *fp = NULL, *rt = NULL, *ft = NULL, now[32];
	size_t rl = 0, fl = 0;
	cv_policy *check = NULL;
	int known = 0, r = 0;

	if (!v->db || !hash)
		return 0;
	if ((known = cv_db_meta_policy_known(v, hash)) < 0)
		return 0;  /* an index older than migration 2 cannot happen here; do not fail open */
	if (known && meta_get(v, "policy.current", cur, sizeof(cur)) && !strcmp(cur, hash))
		return 0;
	cv_now_iso(now);
	if (!known) {
		if (asprintf(&rp, "%s/policies/retention.ini", v->path) < 0 ||
		    asprintf(&fp, "%s/policies/filetypes.ini", v->path) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			goto out;
		}
		if (read_all(rp, &rt, &rl) < 0 || read_all(fp, &ft, &fl) < 0)
			goto out;  /* changed under us: try next time */
		/* Store it only if these bytes are the policy loaded (not edited since). */
		if (cv_policy_load_mem(&check, rt, rl, ft, fl, NULL) < 0 || strcmp(cv_policy_hash(check), hash))
			goto out;
		if ((r = cv_db_meta_policy_insert(v, hash, rt, rl, ft, fl, now)) < 0)
			goto out;
	}
	r = cv_db_meta_set(v, "policy.current", hash, 1, "record the current policy");
out:
	cv_policy_free(check);
	free(rp);
	free(fp);
	free(rt);
	free(ft);
	return r;
}

/*
 * The schedule decides what is destroyed, so a change to the policy files is
 * a manager's decision (docs/legal-rules.md §14), recorded: until a manager runs 'policy
 * adopt', every command keeps to the policy adopted last (as it does when the
 * files are invalid), and the scheduled purge says so and exits 1.  The
 * first policy a vault sees (the one init copied in) is adopted by opening.
 */
int cv_retention_check_adopted(cv_vault *v)
{
	char cur[80], why[256];
	cv_policy *files;

	if (!v->db || !cv_policy_hash(v->policy))
		return 0;
	if (!meta_get(v, "policy.current", cur, sizeof(cur)))
		return cv_retention_remember_policy(v);
	if (!strcmp(cur, cv_policy_hash(v->policy)))
		return 0;
	snprintf(why, sizeof(why), "the policy files were changed (%.12s) and no manager has adopted the change "
		 "('casevault policy adopt')", cv_policy_hash(v->policy));
	files = v->policy;
	v->policy = NULL;
	v->policy_unadopted = 1;
	if (cv_retention_policy_fallback(v, why) == 0) {
		cv_policy_free(files);
		return 0;
	}
	v->policy_unadopted = 0;
	/* the adopted text is gone from the index (damaged): run on the files, and say so */
	v->policy = files;
	cv_notice(v, "%s, and the adopted policy %.12s is not in the index; running on the files", why, cur);
	return 0;
}

int cv_policy_adopt(cv_vault *v, char old_hash[80], char new_hash[80])
{
	cv_problems probs = CV_PROBLEMS_INIT;
	cv_policy *files = NULL, *keep;
	char *dir = NULL;
	int r;

	old_hash[0] = new_hash[0] = '\0';
	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return r;
	if (asprintf(&dir, "%s/policies", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_policy_load(&files, dir, &probs);
	free(dir);
	if (r < 0) {
		if (probs.n)
			r = cv_error(v, CV_EPOLICY, "the policy files are invalid: %s:%d: %s; nothing adopted (casevault policy check FILE)",
				     probs.items[0].file ? probs.items[0].file : "policies", probs.items[0].line, probs.items[0].msg);
		else
			r = cv_error(v, CV_EPOLICY, "cannot load the policy files; nothing adopted");
		cv_problems_release(&probs);
		return r;
	}
	cv_problems_release(&probs);
	meta_get(v, "policy.current", old_hash, 80);
	snprintf(new_hash, 80, "%s", cv_policy_hash(files));
	if (!strcmp(old_hash, new_hash)) {
		cv_policy_free(files);
		return 0;
	}
	keep = v->policy;
	v->policy = files;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_retention_remember_policy(v)) < 0 || (r = cv_audit(v, "policy.adopt", 0, new_hash)) < 0) {
		cv_index_rollback(v);
		goto out;
	}
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	v->policy_fallback = v->policy_unadopted = 0;
	cv_policy_free(keep);
	return 0;
out:
	v->policy = keep;
	cv_policy_free(files);
	return r;
}

int cv_retention_policy_fallback(cv_vault *v, const char *why)
{
	cv_db_meta_policy kept;
	char cur[80];
	int r = CV_ENOTFOUND;

	if (!v->db || !meta_get(v, "policy.current", cur, sizeof(cur)))
		return CV_ENOTFOUND;
	if (cv_db_meta_policy_get(v, cur, &kept) <= 0)
		return CV_ENOTFOUND;
	if (cv_policy_load_mem(&v->policy, kept.retention, kept.retention_len,
			       kept.filetypes, kept.filetypes_len, NULL) == 0) {
		v->policy_fallback = 1;
		cv_notice(v, "%s; the vault keeps using its %s policy (%.12s, in use since %.10s) until %s",
			  why, v->policy_unadopted ? "adopted" : "last good", cur, kept.first_used,
			  v->policy_unadopted ? "a manager adopts the change or the files are put back" : "the files are fixed");
		r = 0;
	}
	cv_db_meta_policy_release(&kept);
	return r;
}

const cv_policy *cv_polcache_get(cv_vault *v, cv_polcache *c, const char *hash)
{
	cv_db_meta_policy kept;
	cv_policy *p = NULL;
	size_t i;

	if (!strcmp(hash, cv_policy_hash(v->policy)))
		return v->policy;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].hash, hash))
			return c->e[i].p;
	if (cv_db_meta_policy_get(v, hash, &kept) > 0)
		cv_policy_load_mem(&p, kept.retention, kept.retention_len, kept.filetypes, kept.filetypes_len, NULL);
	cv_db_meta_policy_release(&kept);
	if (CV_ARRAY_GROW(&c->e, &c->cap, c->n) < 0) {
		cv_policy_free(p);
		return NULL;
	}
	snprintf(c->e[c->n].hash, sizeof(c->e[0].hash), "%s", hash);
	c->e[c->n].p = p;
	c->n++;
	return p;
}

void cv_polcache_release(cv_polcache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		cv_policy_free(c->e[i].p);
	free(c->e);
	c->e = NULL;
	c->n = c->cap = 0;
}

