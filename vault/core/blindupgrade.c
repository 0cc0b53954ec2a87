/*
 * casevault - the duplicate index for older records (blindupgrade.h).
 *
 * A vault made before the duplicate index has records with no blind value
 * (records.blind NULL).  The first command that holds both the writer lock
 * and a section key (core/lock.c, core/actor.c: whichever it takes second,
 * as for the old key wraps, core/keyupgrade.c) computes them all from the
 * sealed hashes, every unlocked section in a single transaction: a crash
 * before the commit leaves every row without (the next writer starts
 * again), after it every row has one.  Until then the duplicate check
 * computes a missing value in memory (store/db_records.c), so no duplicate
 * goes unnoticed meanwhile.  A hash that does not open is left for verify
 * to name.  Later rows get their value when filed, and a rotation
 * recomputes them all (ops/rotate.c).
 */
#include "base/util.h"
#include "core/blindupgrade.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_blind_upgrade(cv_vault *v)
{
	size_t n = 0;
	int r = 0, s, mask = 0;

	/* both the writer lock and the keys, whichever came second; never inside a caller's transaction */
	if (!v->unlocked || v->lockfd < 0 || cv_index_in_tx(v))
		return 0;
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey[s] && (r = cv_sealed_blind_missing(v, (cv_section)s)) != 0) {
			if (r < 0)
				return r;
			mask |= 1 << s;
		}
	if (!mask || (r = cv_index_begin(v)) < 0)
		return r;
	for (s = 0; s < CV_SECTION_COUNT && r == 0; s++)
		if (mask & (1 << s))
			r = cv_sealed_blind_fill(v, (cv_section)s, 0, &n);
	cv_crashpoint("blind-upgrade-before-commit");
	if (r < 0 || (r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	cv_crashpoint("blind-upgrade-after-commit");
	return 0;
}
