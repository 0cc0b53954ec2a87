/*
 * casevault - keyslips and the section master keys they carry
 * (docs/architecture.md, Keys).
 */
#ifndef CV_CORE_KEYS_H
#define CV_CORE_KEYS_H

#include "base/handle.h"

int cv_keys_write_slip(cv_vault *v, const char *staff_id, const char *fpr, int mask, int gen);
int cv_keys_create_sections(cv_vault *v, const char *staff_id, const char *fpr, int sections_mask);
int cv_keys_unlock(cv_vault *v);
void cv_keys_wipe(cv_vault *v);
/*
 * Under the writer lock: when a rotation has retired the section keys this
 * handle unlocked, unlock the current ones (or fail, changing nothing).
 */
int cv_keys_refresh(cv_vault *v);

#endif
