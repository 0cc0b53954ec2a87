/*
 * casevault - per case: when and how the parent was told that the service
 * is confidential, and under which version of the policy; and whether a
 * detailed message may be left (the office's confidentiality policy: on
 * first contact the parent is told; a message gives no details without
 * prior permission).  See docs/commands/case-notice.md, case-contact.md.
 */
#ifndef CASEVAULT_NOTICE_H
#define CASEVAULT_NOTICE_H

#include <stddef.h>
#include "vault.h"

typedef struct {
	long id;
	char told[11];            /* the day the parent was told */
	char how[16];             /* oral, phone, written, letter, email, leaflet */
	char policy_version[32];  /* the confidentiality policy's version they were told of */
	char by[24];
	char at[32];
} cv_case_notice;

typedef struct {
	int set;          /* 0: no preference recorded (leave no detailed message) */
	int message_ok;   /* a detailed message may be left */
	char how[16];     /* phone, email, letter, text, or "" */
	char by[24];
	char at[32];
} cv_contact_pref;

/* Record that the parent of case_id was told on told (NULL: today), how, of policy_version. */
int cv_notice_add(cv_vault *v, const char *case_id, const char *told, const char *how, const char *policy_version,
		  long *id);
/* The case's notices, oldest first. */
int cv_notice_list(cv_vault *v, const char *case_id, cv_case_notice **out, size_t *n);
void cv_notice_list_free(cv_case_notice *list, size_t n);

/* Set the case's contact preference (how may be NULL); the last one set stands. */
int cv_contact_set(cv_vault *v, const char *case_id, int message_ok, const char *how);
int cv_contact_get(cv_vault *v, const char *case_id, cv_contact_pref *out);

#endif
