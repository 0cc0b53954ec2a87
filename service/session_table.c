/*
 * casevaultd - the session keeper's table (session_table.h;
 * docs/service.md, Sessions).
 */
#include <stdio.h>
#include <string.h>

#include "session_table.h"

void cvd_table_init(cvd_table *t, void *(*alloc)(size_t), void (*release)(void *, size_t))
{
	memset(t, 0, sizeof(*t));
	t->alloc = alloc;
	t->release = release;
}

static void drop(cvd_table *t, cvd_session *s)
{
	t->release(s->text, CVD_TEXT_MAX);
	memset(s, 0, sizeof(*s));
}

static int alive(const cvd_session *s, time_t now)
{
	return s->staff[0] && now - s->used < s->idle && now - s->proven < CVD_SESSION_MAX;
}

static cvd_session *find(cvd_table *t, const char *staff)
{
	int i;

	for (i = 0; i < CVD_SESSIONS; i++)
		if (t->s[i].staff[0] && !strcmp(t->s[i].staff, staff))
			return &t->s[i];
	return NULL;
}

size_t cvd_table_get(cvd_table *t, const char *staff, const char *slip_id, char *buf, size_t bufsize, time_t now)
{
	cvd_session *s = find(t, staff);

	if (!s)
		return 0;
	if (!alive(s, now) || strcmp(s->slip_id, slip_id)) {
		drop(t, s);  /* expired, or the keyslip was rotated or replaced: prove again */
		return 0;
	}
	if (s->len > bufsize)
		return 0;
	memcpy(buf, s->text, s->len);
	s->used = now;
	return s->len;
}

/* staff's slot, else a free one, else the one unused the longest. */
static cvd_session *slot(cvd_table *t, const char *staff)
{
	cvd_session *s = find(t, staff), *oldest = &t->s[0];
	int i;

	for (i = 0; !s && i < CVD_SESSIONS; i++) {
		if (!t->s[i].staff[0])
			return &t->s[i];
		if (t->s[i].used < oldest->used)
			oldest = &t->s[i];
	}
	return s ? s : oldest;
}

static cvd_strikes *strikes(cvd_table *t, const char *staff, int make)
{
	cvd_strikes *free_k = NULL, *oldest = &t->k[0];
	int i;

	for (i = 0; i < CVD_SESSIONS; i++) {
		if (t->k[i].staff[0] && !strcmp(t->k[i].staff, staff))
			return &t->k[i];
		if (!t->k[i].staff[0] && !free_k)
			free_k = &t->k[i];
		else if (t->k[i].staff[0] && t->k[i].first < oldest->first && !t->k[i].until)
			oldest = &t->k[i];
	}
	if (!make)
		return NULL;
	if (!free_k) {
		free_k = oldest;
		memset(free_k, 0, sizeof(*free_k));
	}
	strncpy(free_k->staff, staff, CVD_STAFF_LEN - 1);
	return free_k;
}

int cvd_table_alive(cvd_table *t, long uid, time_t now)
{
	int i;

	for (i = 0; i < CVD_SESSIONS; i++)
		if (t->s[i].uid == uid && alive(&t->s[i], now))
			return 1;
	return 0;
}

int cvd_table_alive_staff(cvd_table *t, const char *staff, time_t now)
{
	cvd_session *s = staff[0] ? find(t, staff) : NULL;

	return s && alive(s, now);
}

int cvd_table_put(cvd_table *t, const char *staff, long uid, const char *slip_id, const char *text, size_t len,
		  long idle, time_t now)
{
	cvd_session *s;
	cvd_strikes *k = strikes(t, staff, 0);

	if (!staff[0] || strlen(staff) >= CVD_STAFF_LEN || strlen(slip_id) >= CVD_SLIP_ID_LEN || len > CVD_TEXT_MAX)
		return -1;
	if (k)
		memset(k, 0, sizeof(*k));
	s = slot(t, staff);
	if (s->staff[0])
		drop(t, s);
	if (!(s->text = t->alloc(CVD_TEXT_MAX)))
		return -1;
	memcpy(s->text, text, len);
	s->len = len;
	strcpy(s->staff, staff);
	s->uid = uid;
	strcpy(s->slip_id, slip_id);
	s->proven = s->used = now;
	s->idle = idle < 1 ? 1 : idle > CVD_IDLE_MAX ? CVD_IDLE_MAX : idle;
	return 0;
}

int cvd_table_locked(cvd_table *t, const char *staff, time_t now, time_t *until)
{
	cvd_strikes *k = strikes(t, staff, 0);

	if (!k || !k->until)
		return 0;
	if (now >= k->until) {  /* served: a fresh start */
		memset(k, 0, sizeof(*k));
		return 0;
	}
	*until = k->until;
	return 1;
}

int cvd_table_bad(cvd_table *t, const char *staff, time_t now, time_t *until)
{
	cvd_strikes *k;

	if (!staff[0] || strlen(staff) >= CVD_STAFF_LEN)
		return 0;
	if (cvd_table_locked(t, staff, now, until))
		return 0;  /* already locked out: not a new lock-out */
	k = strikes(t, staff, 1);
	if (!k->fails || now - k->first >= CVD_STRIKE_WINDOW) {
		k->fails = 0;
		k->first = now;
	}
	if (++k->fails < CVD_STRIKES)
		return 0;
	k->until = *until = now + CVD_LOCKOUT;
	return 1;
}

void cvd_table_end(cvd_table *t, const char *staff)
{
	int i;

	for (i = 0; i < CVD_SESSIONS; i++)
		if (t->s[i].staff[0] && (!staff || !strcmp(t->s[i].staff, staff)))
			drop(t, &t->s[i]);
}

void cvd_table_expire(cvd_table *t, time_t now)
{
	int i;

	for (i = 0; i < CVD_SESSIONS; i++)
		if (t->s[i].staff[0] && !alive(&t->s[i], now))
			drop(t, &t->s[i]);
}

int cvd_table_sig_get(cvd_table *t, const char *key, char *fpr, size_t fprlen, time_t now)
{
	int i;

	for (i = 0; key[0] && i < CVD_VERIFIED; i++)
		if (!strcmp(t->g[i].key, key) && strlen(t->g[i].fpr) < fprlen) {
			strcpy(fpr, t->g[i].fpr);
			t->g[i].used = now;
			return 1;
		}
	return 0;
}

int cvd_table_sig_put(cvd_table *t, const char *key, const char *fpr, time_t now)
{
	int i, slot = 0;

	if (strlen(key) != CVD_SLIP_ID_LEN - 1 || !fpr[0] || strlen(fpr) >= CVD_FPR_LEN)
		return -1;
	for (i = 0; i < CVD_VERIFIED; i++) {
		if (!strcmp(t->g[i].key, key)) {
			slot = i;
			break;
		}
		if (t->g[i].used < t->g[slot].used)
			slot = i;
	}
	snprintf(t->g[slot].key, sizeof(t->g[slot].key), "%s", key);
	snprintf(t->g[slot].fpr, sizeof(t->g[slot].fpr), "%s", fpr);
	t->g[slot].used = now;
	return 0;
}
