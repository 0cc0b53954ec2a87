/*
 * casevault - encryption helpers: processes that run gpg for a filing's
 * writers (see helper.c).
 */
#ifndef CV_CRYPTO_HELPER_H
#define CV_CRYPTO_HELPER_H

#include <stdint.h>
#include "base/handle.h"

/* helper.c: encryption helpers (see there); a filing gives one to each writer as v->helper. */
int cv_helper_start(cv_vault *v, cv_helper **out);
void cv_helper_release(cv_helper *h);  /* no more work: it starts to exit */
void cv_helper_stop(cv_helper *h);     /* release it and wait for it */
void cv_helper_sweep(cv_vault *v);  /* remove homes that dead helpers left */
/* Remove GNUPGHOME/<prefix>PID[-...] homes of dead processes and stop their gpg and gpg-agent. */
void cv_gnupg_homes_sweep(cv_vault *v, const char *prefix);
int cv_helper_encrypt_begin(cv_vault *v, cv_helper *h, const char *key_hex, int in_fd, int out_fd);
int cv_helper_encrypt_end(cv_vault *v, cv_helper *h, int64_t *size, char sha[65]);

#endif
