/* casevault - the audit trail (see include/casevault/audit.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "crypto/seal.h"
#include "store/db_audit.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/staff.h"

static const char *outcome_name(int code)
{
	if (code == 0)
		return "ok";
	if (code == CV_EREFUSED || code == CV_EHELD || code == CV_EBADPASS)
		return "refused";
	return "failed";
}

/* The hashed form of an event: every field, in order, with the previous hash. */
int cv_audit_event_hash(long seq, const char *time, const char *actor, const char *action,
		      const char *ids, const char *outcome, const char *prev, char out[65])
{
	char *s = NULL;
	int len = asprintf(&s, "casevault-audit/1\n%ld\n%s\n%s\n%s\n%s\n%s\n%s\n",
			   seq, time, actor, action, ids, outcome, prev);

	if (len < 0)
		return CV_ERROR;
	cv_sha256_hex(s, (size_t)len, out);
	free(s);
	return 0;
}

static char *head_path(cv_vault *v)
{
	char *p = NULL;

	if (asprintf(&p, "%s/audit.head", v->path) < 0)
		return NULL;
	return p;
}

/* The anchor: "seq hash\n", written to a temp name, synced and renamed. */
static int write_head(cv_vault *v, long seq, const char *hash)
{
	char *p = head_path(v), *tmp = NULL, buf[96];
	int fd, len, r = 0;

	if (!p || asprintf(&tmp, "%s.tmp", p) < 0) {
		free(p);
		return CV_ERROR;
	}
	len = snprintf(buf, sizeof(buf), "%ld %s\n", seq, hash);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, (size_t)len) != len || fsync(fd) < 0 || rename(tmp, p) < 0)
		r = CV_ERROR;
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlink(tmp);
	free(p);
	free(tmp);
	return r;
}

int cv_audit_read_head(cv_vault *v, long *seq, char hash[65])
{
	char *p = head_path(v), buf[128];
	FILE *f;
	int ok;

	if (!p)
		return CV_ERROR;
	f = fopen(p, "re");
	free(p);
	if (!f)
		return CV_ENOTFOUND;
	ok = fgets(buf, sizeof(buf), f) && sscanf(buf, "%ld %64s", seq, hash) == 2;
	fclose(f);
	return ok ? 0 : CV_ECORRUPT;
}

int cv_audit(cv_vault *v, const char *action, int outcome, const char *ids)
{
	char prev[65] = "", hash[65], now[32];
	cv_db_audit_row ev = { 1, now, v->actor[0] ? v->actor : "-", action, ids ? ids : "",
			       outcome_name(outcome), prev, hash };
	int r, intx = cv_index_in_tx(v);

	cv_now_iso(now);
	if (!intx && (r = cv_index_begin(v)) < 0)
		return r;
	cv_crashpoint("audit-append");  /* tests: the event and its change go together */
	if ((r = cv_db_audit_last(v, &ev.seq, prev)) < 0)
		goto fail;
	ev.seq += r;  /* the next after the last, or 1 */
	if ((r = cv_audit_event_hash(ev.seq, now, ev.actor, action, ev.ids, ev.outcome, prev, hash)) < 0 ||
	    (r = cv_db_audit_insert(v, &ev)) < 0)
		goto fail;
	if (intx)  /* the event commits with the caller's change; the anchor follows it, then any checkpoint */
		return (r = cv_index_on_commit(v, cv_audit_sync_head)) < 0 || !v->on_audit ? r : v->on_audit(v, action);
	if ((r = cv_index_commit(v)) < 0)
		return r;
	if (write_head(v, ev.seq, hash) < 0)
		return cv_error(v, CV_ERROR, "cannot write the audit anchor: %s", strerror(errno));
	return v->on_audit ? v->on_audit(v, action) : 0;
fail:
	if (!intx)
		cv_index_rollback(v);
	return r;
}

/*
 * Append an event after the action's outcome is known (a refusal, a failed
 * check, a read that may have failed): the person is told why the action
 * failed, not whether its event could be written, so the caller's message
 * survives the append.  Returns the outcome, for `return cv_audit_keep(...)`.
 */
int cv_audit_keep(cv_vault *v, const char *action, int outcome, const char *ids)
{
	char msg[sizeof(v->errmsg)];

	memcpy(msg, v->errmsg, sizeof(msg));
	cv_audit(v, action, outcome, ids);
	memcpy(v->errmsg, msg, sizeof(msg));
	return outcome;
}

/*
 * Bring the anchor up to the chain's head after a crash between a commit and
 * the anchor write.  Only ever moves forward along a chain that verifies from
 * the anchored event; an anchor ahead of the chain is left alone (truncation).
 */
int cv_audit_sync_head(cv_vault *v)
{
	char hash[65], head_hash[65];
	long seq = 0, head_seq = 0;
	int r;

	if ((r = cv_db_audit_last(v, &seq, hash)) <= 0)
		return r;
	r = cv_audit_read_head(v, &head_seq, head_hash);
	if (r == 0 && head_seq >= seq)
		return 0;
	if (r == CV_ECORRUPT)
		return 0;  /* leave evidence alone; audit verify reports it */
	if (r == 0) {
		/* the anchored event must still be in the chain */
		if ((r = cv_db_audit_has(v, head_seq, head_hash, 0)) < 0)
			return CV_ERROR;
		if (!r)
			return 0;
	}
	return write_head(v, seq, hash);
}

/* The head of the chain now: (0, "") for an empty trail. */
int cv_audit_head(cv_vault *v, long *seq, char hash[65])
{
	int r;

	*seq = 0;
	hash[0] = '\0';
	r = cv_db_audit_last(v, seq, hash);
	return r < 0 ? r : 0;
}
