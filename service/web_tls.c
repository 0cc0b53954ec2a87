/*
 * casevaultd - the web interface's TLS (web.h; docs/web.md, TLS): the
 * office's certificate and key read and checked at start, so that a bad
 * pair is refused in one line before anything listens, and the self-signed
 * certificate the setup can make, with GnuTLS's own API, whose SHA-256
 * fingerprint the office pins or compares in the browser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "web.h"

#define PEM_MAX (256 * 1024)

/* A PEM file into a NUL-terminated buffer (NULL with why in err). */
static char *read_pem(const char *path, char *err, size_t errsize)
{
	FILE *f = fopen(path, "re");
	char *s = f ? calloc(1, PEM_MAX + 1) : NULL;
	size_t n = s ? fread(s, 1, PEM_MAX, f) : 0;

	if (!f || !s || ferror(f) || n == 0 || n == PEM_MAX) {
		snprintf(err, errsize, "cannot read the TLS file %s: %s", path,
			 !f ? strerror(errno) : "empty, too large or unreadable (a PEM file is expected)");
		free(s);
		s = NULL;
	}
	if (f)
		fclose(f);
	return s;
}

static int is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* The certificate and key must load into GnuTLS together: a key of another certificate is refused now. */
static int pair_ok(const char *cert, const char *key, char *err, size_t errsize)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = { (unsigned char *)cert, (unsigned)strlen(cert) };
	gnutls_datum_t k = { (unsigned char *)key, (unsigned)strlen(key) };
	int r;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return snprintf(err, errsize, "out of memory"), -1;
	r = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r < 0)
		snprintf(err, errsize, "the TLS certificate and key do not go together or are not PEM (%s); "
			 "give the pair the office was issued, or make one with --make-cert", gnutls_strerror(r));
	return r < 0 ? -1 : 0;
}

int cvd_web_check(cvd_web_config *cfg, const char *cert, const char *key, char *err, size_t errsize)
{
	struct in6_addr a6;
	struct in_addr a4;

	cfg->v6 = inet_pton(AF_INET6, cfg->listen, &a6) == 1;
	if (!cfg->v6 && inet_pton(AF_INET, cfg->listen, &a4) != 1)
		return snprintf(err, errsize, "--web-listen takes an IPv4 or IPv6 address, not %s", cfg->listen), -1;
	if (!cert != !key)
		return snprintf(err, errsize, "--tls-cert and --tls-key go together: give both or neither"), -1;
	if (!cert && !is_loopback(cfg->listen))
		return snprintf(err, errsize, "--web-listen %s is off this machine, and pages leave it only over "
				"TLS: give --tls-cert and --tls-key (casevaultd --make-cert DIR makes a pair)",
				cfg->listen), -1;
	cfg->loopback = is_loopback(cfg->listen);
	if (!cert)
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return snprintf(err, errsize, "this libmicrohttpd was built without TLS; install one with GnuTLS"), -1;
	if (!(cfg->cert_pem = read_pem(cert, err, errsize)) || !(cfg->key_pem = read_pem(key, err, errsize)) ||
	    pair_ok(cfg->cert_pem, cfg->key_pem, err, errsize) < 0)
		return -1;
	return 0;
}

/* ---- the self-signed certificate (docs/web.md, TLS) */

/* The certificate's SHA-256 fingerprint as browsers show it: AB:CD:... */
static int fingerprint(gnutls_x509_crt_t crt, char *out, size_t size)
{
	unsigned char md[32];
	size_t n = sizeof(md), i;

	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &n) < 0 || n != 32 || size < 96)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 3 * i, size - 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
	return 0;
}

/* The name as the certificate's subject alternative name: an address, or a DNS name. */
static int add_name(gnutls_x509_crt_t crt, const char *name, unsigned flags)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, name, a) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, a, 4, flags);
	if (inet_pton(AF_INET6, name, a) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, a, 16, flags);
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name), flags);
}

/* A server certificate for name (and the loopback names), valid for 825 days, signed by its own key. */
static int build(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *name)
{
	unsigned char serial[16];
	time_t now = time(NULL);

	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
		return -1;
	serial[0] &= 0x7f;  /* a positive serial number */
	return gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
		gnutls_x509_crt_set_version(crt, 3) < 0 || gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
		gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
		gnutls_x509_crt_set_expiration_time(crt, now + 825L * 86400) < 0 ||
		gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name, (unsigned)strlen(name)) < 0 ||
		add_name(crt, name, GNUTLS_FSAN_SET) < 0 || add_name(crt, "localhost", GNUTLS_FSAN_APPEND) < 0 ||
		add_name(crt, "127.0.0.1", GNUTLS_FSAN_APPEND) < 0 || gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
		gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
		gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
		gnutls_x509_crt_set_key(crt, key) < 0 || gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0
		? -1 : 0;
}

/* PEM into a new file of mode; never over an existing one (the office's pair is not replaced by mistake). */
static int write_new(const char *path, const gnutls_datum_t *d, mode_t mode, char *err, size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t w = fd < 0 ? -1 : write(fd, d->data, d->size);

	if (fd < 0 || w != (ssize_t)d->size || fsync(fd) < 0) {
		snprintf(err, errsize, "cannot write %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (move it away first to make a new certificate)" : "");
		if (fd >= 0)
			close(fd), unlink(path);
		return -1;
	}
	return close(fd);
}

static int export_pair(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *dir, char *err, size_t errsize)
{
	gnutls_datum_t c = { NULL, 0 }, k = { NULL, 0 };
	char cp[4096], kp[4096];
	int r = -1;

	snprintf(cp, sizeof(cp), "%s/web.crt", dir);
	snprintf(kp, sizeof(kp), "%s/web.key", dir);
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c) < 0 ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k) < 0)
		snprintf(err, errsize, "GnuTLS cannot export the certificate");
	else if (write_new(kp, &k, 0600, err, errsize) == 0) {
		if ((r = write_new(cp, &c, 0644, err, errsize)) < 0)
			unlink(kp);
	}
	if (k.data)
		explicit_bzero(k.data, k.size);
	gnutls_free(c.data);
	gnutls_free(k.data);
	return r;
}

int cvd_web_make_cert(const char *dir, const char *name, char *fpr, size_t fprsize, char *err, size_t errsize)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	int r = -1;

	if (!name || !*name || strlen(name) > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							    "0123456789.-:") != strlen(name))
		return snprintf(err, errsize, "--web-name takes the host name or address the office's browsers "
				"use, such as vault.office.lan"), -1;
	if (gnutls_global_init() < 0 || gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0 ||
	    build(crt, key, name) < 0)
		snprintf(err, errsize, "GnuTLS cannot make the certificate");
	else if (fingerprint(crt, fpr, fprsize) < 0)
		snprintf(err, errsize, "GnuTLS cannot take the certificate's fingerprint");
	else
		r = export_pair(crt, key, dir, err, errsize);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	gnutls_global_deinit();
	return r;
}

int cvd_web_cert_fingerprint(const char *pem, char *out, size_t size)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)strlen(pem) };
	int r = -1;

	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0)
		r = fingerprint(crt, out, size);
	gnutls_x509_crt_deinit(crt);
	return r;
}
