/*
 * Unit tests' throwaway vault: a real vault (real gpg, real SQLite) in a
 * short temporary directory (gpg-agent's socket path is short), made with
 * an unprotected manager key, and removed with its agent afterwards.
 * Header-only: each test program includes it once.
 */
#ifndef CV_TESTVAULT_H
#define CV_TESTVAULT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/vault.h"

static char tv_dir[64];
static char tv_path[96];

/* Run a shell command, which must succeed. */
static void tv_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void tv_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* A new vault at tv_path, its first manager named manager; the handle is left open in *out when out is given. */
static void tv_make(const char *prefix, const char *manager, cv_vault **out)
{
	cv_vault *v = NULL;
	cv_init_opts o;

	memset(&o, 0, sizeof(o));
	o.policy_dir = CV_TEST_SOURCE_DIR "/policies";
	o.staff_name = manager;
	o.no_passphrase = 1;
	snprintf(tv_dir, sizeof(tv_dir), "/tmp/%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(tv_dir));
	snprintf(tv_path, sizeof(tv_path), "%s/v", tv_dir);
	assert_int_equal(cv_vault_init(&v, tv_path, &o, NULL, NULL), 0);
	if (out)
		*out = v;
	else
		cv_vault_close(v);
}

/* Kill the vault's gpg-agent and remove everything. */
static void tv_remove(void)
{
	tv_sh("GNUPGHOME=%s/gnupg gpgconf --kill all; rm -rf %s", tv_path, tv_dir);
}

/* Open the vault at tv_path, which must succeed. */
static cv_vault *tv_open(void) __attribute__((unused));
static cv_vault *tv_open(void)
{
	cv_vault *v = NULL;

	assert_int_equal(cv_vault_open(&v, tv_path), 0);
	return v;
}

#ifdef TV_PREFIX
/* cmocka group fixtures: one vault, under /tmp/TV_PREFIX.XXXXXX, for the group's tests. */
static int tv_group_setup(void **state)
{
	(void)state;
	tv_make(TV_PREFIX, "Unit Manager", NULL);
	return 0;
}

static int tv_group_teardown(void **state)
{
	(void)state;
	tv_remove();
	return 0;
}
#endif

#endif
