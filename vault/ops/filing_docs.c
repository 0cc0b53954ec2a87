/*
 * casevault - filing, its documents: the checks on each item, opening and
 * typing a document, the groups they fall in (filing_docs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/textcut.h"
#include "base/utf8.h"
#include "formats/formats.h"
#include "ops/case.h"
#include "ops/filing_docs.h"
#include "ops/search_words.h"
#include "casevault/case.h"

int cv_filing_item_fail(cv_file_item *it, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->error, sizeof(it->error), fmt, ap);
	va_end(ap);
	it->status = code;
	return code;
}

/* UTF-8 with no control characters (tab and newlines in a note): docs/commands/README.md, "Text and JSON". */
static int valid_text(const char *s, size_t len, int allow_newline)
{
	return cv_text_check(s, len, allow_newline ? CV_TEXT_LINES : CV_TEXT_LINE, NULL) == CV_TEXT_OK;
}

/* A document's file name is its default title (cv_filing_title): it must then be text too. */
static int valid_default_title(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	return valid_text(b, strlen(b), 0);
}

int cv_filing_check_meta(cv_vault *v, cv_file_item *it, const cv_date *today, char known_case[24])
{
	const cv_class *cls;
	cv_date d;
	cv_case c;
	int r;

	if (!it->case_id || !*it->case_id)
		return cv_filing_item_fail(it, CV_EINVAL, "no case given");
	cls = cv_policy_class(v->policy, it->class_name ? it->class_name : "");
	if (!cls)
		return cv_filing_item_fail(it, CV_ENOTFOUND, "unknown record class '%s'; the classes are in the vault's policies/retention.ini",
				 it->class_name ? it->class_name : "");
	if (cls->section != it->section) {
		if (cls->section == CV_SECTION_CP)
			return cv_filing_item_fail(it, CV_EREFUSED, "class '%s' belongs to the child-protection file; file it with --cp", cls->name);
		return cv_filing_item_fail(it, CV_EREFUSED, "class '%s' belongs to the main case file, not the child-protection file; drop --cp or choose a cp class", cls->name);
	}
	if (it->date) {
		if (cv_date_parse(&d, it->date) < 0)
			return cv_filing_item_fail(it, CV_EINVAL, "the date '%s' is not a real date written YYYY-MM-DD", it->date);
		if (cv_date_cmp(&d, today) > 0)
			return cv_filing_item_fail(it, CV_EINVAL, "the date %s is in the future", it->date);
	}
	if (it->title && (!*it->title || strlen(it->title) > 300 || !valid_text(it->title, strlen(it->title), 0)))
		return cv_filing_item_fail(it, CV_EINVAL, "the title is empty, too long, not UTF-8 or holds control characters");
	if (!it->path && (!it->text || it->text_len == 0))
		return cv_filing_item_fail(it, CV_EINVAL, "the note is empty; give its text with --text or on standard input");
	if (!it->path && !valid_text(it->text, it->text_len, 1))
		return cv_filing_item_fail(it, CV_EINVAL, "the note is not UTF-8 text or holds control characters; save it as UTF-8 "
					   "(e.g. iconv -f windows-1252 -t utf-8), or file documents with 'casevault file'");
	if (!it->title && it->path && !valid_default_title(it->path))
		return cv_filing_item_fail(it, CV_EINVAL, "the file name is not UTF-8 text or holds a control character (an escape sequence, a tab) and "
					   "would be the title; give a title "
					   "(--title, or the manifest's title column)");
	if (!strcmp(it->case_id, known_case))
		return 0;  /* checked for the item before */
	r = cv_case_fetch(v, &c, it->case_id, 0);
	if (r == 0)
		r = cv_case_refuse_erased(v, &c);
	if (r < 0)
		return cv_filing_item_fail(it, r, "%s", cv_vault_errmsg(v));
	cv_case_release(&c);
	snprintf(known_case, 24, "%s", it->case_id);
	return 0;
}

/*
 * Before a document is filed: no larger than its type's max_size (from
 * fstat, before a byte is read: a sparse 4 GiB "PDF" would otherwise be
 * encrypted whole), and sound by its structure, not only its first bytes
 * (docs/policy-filetypes.md, "Size" and "Checked by structure").  Read
 * through the descriptor that is filed, so what was checked is what is
 * filed; read, not mapped, so that a file cut short meanwhile is an error
 * and not a SIGBUS in casevaultd.
 */
static int check_doc(cv_file_item *it, const cv_filetype *ft, int fd, int64_t size)
{
	char err[256];
	char *buf;
	ssize_t got = 0;
	size_t have = 0;
	int r;

	if (size > ft->max_size)
		return cv_filing_item_fail(it, CV_EREFUSED, "%s is %lld bytes, more than the %lld the policy admits for %s "
					   "(max_size in filetypes.ini); split it or ask for a smaller copy", it->path,
					   (long long)size, (long long)ft->max_size, ft->label);
	if (!(cv_fmt_caps(it->mime) & CV_FMT_STRUCTURE))
		return 0;  /* text and e-mail: nothing to check but their first bytes */
	if (!(buf = malloc(size ? (size_t)size : 1)))
		return cv_filing_item_fail(it, CV_ERROR, "out of memory reading %s", it->path);
	while (have < (size_t)size && (got = pread(fd, buf + have, (size_t)size - have, (off_t)have)) > 0)
		have += (size_t)got;
	if (have < (size_t)size) {
		free(buf);
		return cv_filing_item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, got < 0 ? strerror(errno) : "it was cut short");
	}
	r = cv_fmt_structure(it->mime, buf, have, err, sizeof(err));
	free(buf);
	if (r < 0)
		return cv_filing_item_fail(it, r, "%s is refused as %s: %s", it->path, ft->label, err);
	return 0;
}

int cv_filing_doc_fd(const cv_file_item *it)
{
	int fd;

	if (it->open_doc && !it->has_fd)
		return it->open_doc(it->open_hook, it->path);
	if (!it->has_fd)
		return open(it->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	/* a dup shares the offset: each reader starts from the beginning */
	if ((fd = fcntl(it->fd, F_DUPFD_CLOEXEC, 0)) >= 0 && lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE) {
		close(fd);
		return -1;
	}
	return fd;
}

int cv_filing_open_doc(cv_vault *v, cv_typer *mg, cv_file_item *it, int *fdp, int64_t *sizep, int *compressible)
{
	const cv_filetype *ft;
	struct stat sb;
	const char *mime;
	int fd;

	*fdp = -1;
	if (!it->path) {
		/* A note: the text lives in anonymous memory, never on disk. */
		fd = memfd_create("casevault-note", MFD_CLOEXEC);
		if (fd < 0)
			return cv_filing_item_fail(it, CV_ERROR, "cannot hold the note in memory: %s", strerror(errno));
		if (write(fd, it->text, it->text_len) != (ssize_t)it->text_len) {
			close(fd);
			return cv_filing_item_fail(it, CV_ERROR, "cannot hold the note in memory");
		}
		snprintf(it->mime, sizeof(it->mime), "text/plain");
		ft = cv_policy_filetype(v->policy, "text/plain");
		*compressible = ft ? ft->compressible : 1;
		*sizep = (int64_t)it->text_len;
		*fdp = fd;
		return 0;
	}
	fd = cv_filing_doc_fd(it);
	if (fd < 0) {
		if (errno == ELOOP)
			return cv_filing_item_fail(it, CV_EINVAL, "%s is a symbolic link; file the document it points to", it->path);
		if (errno == ENOENT)
			return cv_filing_item_fail(it, CV_ENOTFOUND, "%s: no such file", it->path);
		return cv_filing_item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "%s is a directory; give the documents inside it", it->path);
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "%s is not a regular file (a pipe, device or socket); save it to a file first", it->path);
	}
	if (sb.st_size == 0) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "%s is empty; there is nothing to file", it->path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	mime = cv_typer_mime(mg, fd);
	if (!mime) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "cannot tell the type of %s: %s", it->path, cv_typer_error(mg));
	}
	snprintf(it->mime, sizeof(it->mime), "%s", mime);
	ft = cv_policy_filetype(v->policy, it->mime);
	if (!ft) {
		char allowed[160] = "";
		size_t k, len = 0;

		for (k = 0; k < cv_policy_filetype_count(v->policy) && len + 20 < sizeof(allowed); k++)
			len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%s", k ? ", " : "",
						cv_policy_filetype_at(v->policy, k)->label);
		close(fd);
		return cv_filing_item_fail(it, CV_EREFUSED, "%s is %s, a type the policy does not admit; the vault's policies/filetypes.ini admits %s",
				 it->path, it->mime, allowed);
	}
	if (check_doc(it, ft, fd, (int64_t)sb.st_size) < 0) {
		close(fd);
		return it->status;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return cv_filing_item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	*compressible = ft->compressible;
	*sizep = (int64_t)sb.st_size;
	*fdp = fd;
	return 0;
}

const char *cv_filing_ext(cv_vault *v, const char *mime)
{
	const cv_filetype *ft = cv_policy_filetype(v->policy, mime);

	return ft ? ft->ext : "bin";
}

char *cv_filing_title(const cv_file_item *it)
{
	if (it->title)
		return strdup(it->title);
	if (it->path) {
		char *copy = strdup(it->path), *b, *t;
		if (!copy)
			return NULL;
		b = basename(copy);
		t = strdup(b);
		free(copy);
		return t;
	} else {
		/*
		 * The first line of the note, up to 80 bytes, cut between words:
		 * a cut inside a word can leave part of a recorded name that
		 * redaction does not recognise in the bundle's index
		 * (docs/legal-rules.md §7, §10).
		 */
		size_t len = 0;

		while (len < it->text_len && it->text[len] != '\n' && it->text[len] != '\r')
			len++;
		len = cv_text_cut_word(it->text, len, 80);
		if (len == 0)
			return strdup("Note");
		return strndup(it->text, len);
	}
}

/*
 * Records that fall due together share an archive, so that a purge deletes
 * whole archives and a rewrite is the exception: the key is the class's
 * action and rules, plus the event date when a rule runs from it.  Every
 * other trigger (filing day, case closure, date of birth, last contact) is
 * the same for every record of one case in one call.
 */
void cv_filing_retention_key(cv_vault *v, const cv_file_item *it, char *out, size_t outlen)
{
	const cv_class *cls = cv_policy_class(v->policy, it->class_name ? it->class_name : "");
	size_t len = 0, k;
	int uses_event = 0;

	out[0] = '\0';
	if (!cls)
		return;
	len += (size_t)snprintf(out + len, outlen - len, "%s", cv_action_name(cls->action));
	for (k = 0; k < cls->nrules && len < outlen; k++) {
		const cv_retention_rule *ru = &cls->rules[k];
		len += (size_t)snprintf(out + len, outlen - len, ";%s+%dy%dm%dd", cv_trigger_name(ru->trigger),
					ru->years, ru->months, ru->days);
		if (ru->trigger == CV_TRIG_EVENT_DATE)
			uses_event = 1;
	}
	if (uses_event && len < outlen)
		snprintf(out + len, outlen - len, "@%s", it->date ? it->date : "today");
}

cv_file_item *cv_filing_root_cause(cv_file_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].status < 0 && strncmp(items[i].error, CV_FILING_SPOILED, strlen(CV_FILING_SPOILED)))
			return &items[i];
	for (i = 0; i < n; i++)
		if (items[i].status < 0)
			return &items[i];
	return &items[0];
}

void cv_filing_group_free_words(cv_filing_group *g)
{
	size_t i;

	for (i = 0; g->words && i < g->n; i++)
		cv_search_words_free(g->words[i]);
	free(g->words);
	g->words = NULL;
}

void cv_filing_group_close_fds(cv_filing_group *g)
{
	size_t i;

	if (!g->m)
		return;
	for (i = 0; i < g->n; i++)
		if (g->m[i].fd >= 0) {
			close(g->m[i].fd);
			g->m[i].fd = -1;
		}
}

void cv_filing_group_fail_case(cv_filing_group *gs, size_t ng, cv_file_item *items, const char *case_id,
			       size_t bad_item, int per_case)
{
	size_t i, j;

	for (i = 0; i < ng; i++) {
		if (per_case && strcmp(gs[i].case_id, case_id))
			continue;
		gs[i].failed = 1;
		cv_filing_group_close_fds(&gs[i]);
		for (j = 0; j < gs[i].n; j++) {
			cv_file_item *it = &items[gs[i].idx[j]];
			if (it->status == 0 && gs[i].idx[j] != bad_item)
				cv_filing_item_fail(it, CV_EREFUSED, CV_FILING_SPOILED "another document of the same %s was refused (line %d)",
					  per_case ? "case" : "batch", items[bad_item].line);
		}
	}
}

int cv_filing_open_group(cv_vault *v, cv_typer *mg, cv_filing_group *gs, size_t ng, size_t gi,
			 cv_file_item *items, int per_case)
{
	cv_filing_group *g = &gs[gi];
	size_t j, ncomp = 0;
	int64_t total = 0, comp = 0;

	for (j = 0; j < g->n; j++) {
		cv_file_item *it = &items[g->idx[j]];
		int c = 0;

		if (cv_filing_open_doc(v, mg, it, &g->m[j].fd, &g->m[j].size, &c) < 0) {
			cv_filing_group_fail_case(gs, ng, items, g->case_id, g->idx[j], per_case);
			return -1;
		}
		total += g->m[j].size;
		if (c) {
			comp += g->m[j].size;
			ncomp++;
		}
	}
	g->compress = total > 0 && comp * 2 >= total;
	(void)ncomp;
	return 0;
}

