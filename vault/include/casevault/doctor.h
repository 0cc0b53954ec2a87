/*
 * casevault - the health check (docs/commands/doctor.md): what an office
 * running a vault for years must not forget, each with what to do.  It
 * changes nothing.
 */
#ifndef CASEVAULT_DOCTOR_H
#define CASEVAULT_DOCTOR_H

#include <stddef.h>
#include "vault.h"

typedef enum {
	CV_DOCTOR_OK = 0,        /* nothing to do */
	CV_DOCTOR_NOTE,          /* to know or write down; nothing to do now */
	CV_DOCTOR_TODO,          /* something needs doing: the text says what */
	CV_DOCTOR_UNKNOWN        /* cannot be told from here: the text says how to check */
} cv_doctor_state;

typedef struct {
	const char *check;       /* "purge", "backup", "timer", ... (static) */
	cv_doctor_state state;
	char text[640];          /* what was found and, when something needs doing, what to do */
} cv_doctor_item;

typedef struct {
	/* where /etc and /run of systemd are looked for: NULL or "" is "/" (tests give a tree) */
	const char *systemd_root;
} cv_doctor_opts;

/*
 * Every check, in a fixed order, one item each (managers only: the due
 * list, the staff and the consents are theirs to read).  *out is malloc'd; free it.  The items hold ids, counts
 * and dates only, never personal data.
 */
int cv_doctor(cv_vault *v, const cv_doctor_opts *o, cv_doctor_item **out, size_t *n);
/* "ok", "note", "todo" or "unknown". */
const char *cv_doctor_state_name(cv_doctor_state s);

#endif
