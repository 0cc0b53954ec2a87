/*
 * casevault - removing what interrupted commands left (sweep.c).
 */
#ifndef CV_CORE_SWEEP_H
#define CV_CORE_SWEEP_H

#include "base/handle.h"

/* A backup's staging directory in the vault: VAULT/backup-tmp.XXXXXX (ops/backup.c). */
#define CV_BACKUP_STAGE_PREFIX "backup-tmp."

/* Remove every backup staging directory whose owner lock nobody holds; see sweep.c. */
void cv_sweep_backup_stages(cv_vault *v);

/* With the writer lock just taken: remove what killed commands left; see sweep.c. */
void cv_sweep_leftovers(cv_vault *v);

#endif
