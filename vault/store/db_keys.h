/*
 * casevault - keyslips and the section keys' check values
 * (docs/architecture.md, Keys).  The slips are OpenPGP messages and the
 * check values HMACs: nothing here is key material in clear.
 */
#ifndef CV_STORE_DB_KEYS_H
#define CV_STORE_DB_KEYS_H

#include <stddef.h>
#include "base/handle.h"

/* Store (or replace) staff_id's keyslip of generation gen. */
int cv_db_keys_slip_put(cv_vault *v, const char *staff_id, int gen, const char *sections,
			const char *slip, size_t len, const char *created);
/* staff_id's newest keyslip, malloc'd into *slip; CV_ENOTFOUND (no message) without one. */
int cv_db_keys_slip_latest(cv_vault *v, const char *staff_id, char **slip, size_t *len);
/* 1 when staff_id holds a keyslip, 0 when not, <0 on error. */
int cv_db_keys_slip_held(cv_vault *v, const char *staff_id);
/* Remove every keyslip (a rotation writes them all again). */
int cv_db_keys_slips_clear(cv_vault *v);

/* The first generation of a section's key, by its check value. */
int cv_db_keys_section_insert(cv_vault *v, const char *section, const char *mac);
/* A rotated section key: its generation and check value. */
int cv_db_keys_section_update(cv_vault *v, const char *section, int gen, const char *mac);
/* The generation of section's key whose check value is mac: 1 with *gen, 0 when none matches. */
int cv_db_keys_section_match(cv_vault *v, const char *section, const char *mac, int *gen);

#endif
