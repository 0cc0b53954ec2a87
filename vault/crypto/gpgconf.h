/*
 * casevault - the settings of the vault's own GnuPG home (docs/security.md).
 * init writes this text as gnupg/gpg.conf; verify checks that every setting
 * in it is still there, so the two can never disagree.
 */
#ifndef CV_CRYPTO_GPGCONF_H
#define CV_CRYPTO_GPGCONF_H

extern const char cv_gpg_conf_text[];
/* Stop the gpg-agent listening in GnuPG home (VAULT/purge-key...), if any; needs no gpgconf. */
void cv_gpgconf_kill_agent(const char *home);

#endif
