/*
 * casevault - e-mail (message/rfc822) with GMime 3: the words of its
 * headers, bodies and attachments; a copy with only the headers a reader
 * needs and every attachment's metadata removed (docs/legal-rules.md
 * §7-§9; docs/architecture.md, Layers: formats).
 */
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "casevault/common.h"
#include "formats/formats.h"
#include "formats/fmt.h"

/* Headers kept by cv_mail_clean; Content-* describe the body and are kept too. */
static const char *const KEEP[] = { "From", "To", "Cc", "Date", "Subject", "MIME-Version", NULL };

static gpointer init_gmime(gpointer unused)
{
	(void)unused;
	g_mime_init();
	return NULL;
}

static GMimeMessage *parse_mail(const void *buf, size_t n, char *err, size_t errlen)
{
	static GOnce once = G_ONCE_INIT;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	g_once(&once, init_gmime, NULL);
	stream = g_mime_stream_mem_new_with_buffer(buf, n);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg && (!g_mime_message_get_mime_part(msg) ||
		    g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(msg))) == 0)) {
		g_object_unref(msg);
		msg = NULL;
	}
	if (!msg)
		cv_fmt_fail(err, errlen, CV_EINVAL, "not a readable e-mail message; save it again as .eml");
	return msg;
}

/* The decoded bytes of a leaf part (transfer encoding undone), in a GByteArray the caller unrefs. */
static GByteArray *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;

	if (w)
		g_mime_data_wrapper_write_to_stream(w, mem);
	/* the array is ours: the stream must not free it */
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return ba;
}

/*
 * The type of an attachment as casevault knows it: the declared one, or,
 * for a generic application/octet-stream, what GIO's shared MIME database
 * makes of its name and first bytes (the format's library then refuses
 * it if that was wrong).  Caller g_free()s.
 */
static char *part_type(const struct cv_fmt_nested *nest, GMimeObject *obj, const GByteArray *data)
{
	char *mime = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
	char *guess, *g;
	gboolean unsure = FALSE;

	if (g_ascii_strcasecmp(mime, "application/octet-stream") != 0)
		return mime;
	guess = g_content_type_guess(g_mime_part_get_filename(GMIME_PART(obj)), data->data, data->len, &unsure);
	g = guess ? g_content_type_get_mime_type(guess) : NULL;
	g_free(guess);
	if (g && nest->caps(g)) {
		g_free(mime);
		return g;
	}
	g_free(g);
	return mime;
}

/* Types that carry no words to check: pictures (as scans, docs/legal-rules.md §7) and signatures. */
static int wordless(const char *mime)
{
	return g_ascii_strncasecmp(mime, "image/", 6) == 0 ||
		g_ascii_strcasecmp(mime, "application/pgp-signature") == 0 ||
		g_ascii_strcasecmp(mime, "application/pkcs7-signature") == 0 ||
		g_ascii_strcasecmp(mime, "application/x-pkcs7-signature") == 0;
}

static int body_text(GMimeObject *obj, GString *out, char *err, size_t errlen)
{
	char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj)), *h = NULL;
	size_t hl = 0;
	int rc = 0;

	if (!t || !g_utf8_validate(t, -1, NULL))
		rc = cv_fmt_fail(err, errlen, CV_EINVAL,
				 "an e-mail body is not in the character set it declares; ask for the message again");
	else if (g_mime_content_type_is_type(g_mime_object_get_content_type(obj), "text", "html"))
		rc = cv_html_text(t, strlen(t), &h, &hl, err, errlen);
	if (rc == 0) {
		g_string_append(out, h ? h : t);
		g_string_append_c(out, '\n');
	}
	g_free(h);
	g_free(t);
	return rc;
}

static int attachment_text(const struct cv_fmt_nested *nest, GMimeObject *obj, int depth, GString *out, char *err, size_t errlen)
{
	GByteArray *data = part_bytes(GMIME_PART(obj));
	char *mime = part_type(nest, obj, data), *t = NULL;
	size_t len = 0;
	int rc = 0;

	if (wordless(mime))
		rc = 0;
	else if (!(nest->caps(mime) & CV_FMT_TEXT))
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED,
				 "the e-mail has an attachment of type %s whose text casevault cannot read; "
				 "file the attachment separately", mime);
	else if ((rc = nest->text(mime, data->data, data->len, depth + 1, &t, &len, err, errlen)) == 0) {
		g_string_append_len(out, t, (gssize)len);
		g_string_append_c(out, '\n');
	}
	g_free(t);
	g_free(mime);
	g_byte_array_unref(data);
	return rc;
}

static void headers_text(GMimeMessage *msg, GString *out)
{
	static const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_FROM, GMIME_ADDRESS_TYPE_TO,
						  GMIME_ADDRESS_TYPE_CC };
	const char *subject = g_mime_message_get_subject(msg);
	char *a;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(types); i++) {
		a = internet_address_list_to_string(g_mime_message_get_addresses(msg, types[i]), NULL, FALSE);
		if (a && *a && g_utf8_validate(a, -1, NULL))
			g_string_append_printf(out, "%s\n", a);
		g_free(a);
	}
	if (subject && g_utf8_validate(subject, -1, NULL))
		g_string_append_printf(out, "%s\n", subject);
}

static int object_text(const struct cv_fmt_nested *nest, GMimeObject *obj, int depth, GString *out, char *err, size_t errlen)
{
	GMimeMessage *inner;
	int i, rc = 0;

	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; rc == 0 && i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++)
			rc = object_text(nest, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth, out, err, errlen);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (depth + 1 > CV_FMT_MAX_DEPTH)
			return cv_fmt_fail(err, errlen, CV_EREFUSED, "e-mails nested more than %d deep; "
					   "file the attached messages separately", CV_FMT_MAX_DEPTH);
		if (inner) {
			headers_text(inner, out);
			rc = object_text(nest, g_mime_message_get_mime_part(inner), depth + 1, out, err, errlen);
		}
	} else if (GMIME_IS_TEXT_PART(obj)) {
		/* a text part, body or attached, in its declared character set */
		rc = body_text(obj, out, err, errlen);
	} else if (GMIME_IS_PART(obj)) {
		rc = attachment_text(nest, obj, depth, out, err, errlen);
	}
	return rc;
}

int cv_mail_text(const struct cv_fmt_nested *nest, const void *buf, size_t n, int depth, char **text,
		 size_t *len, char *err, size_t errlen)
{
	GMimeMessage *msg = parse_mail(buf, n, err, errlen);
	GString *out;
	int rc;

	if (!msg)
		return CV_EINVAL;
	out = g_string_new(NULL);
	headers_text(msg, out);
	rc = object_text(nest, g_mime_message_get_mime_part(msg), depth, out, err, errlen);
	g_object_unref(msg);
	if (rc) {
		g_string_free(out, TRUE);
		return rc;
	}
	*len = out->len;
	*text = g_string_free(out, FALSE);
	return 0;
}

static int kept(const char *name)
{
	size_t i;

	if (g_ascii_strncasecmp(name, "Content-", 8) == 0)
		return 1;
	for (i = 0; KEEP[i]; i++)
		if (g_ascii_strcasecmp(name, KEEP[i]) == 0)
			return 1;
	return 0;
}

/* Remove (or, with what set, name in what) the headers cv_mail_clean does not keep. */
static void headers_clean(GMimeObject *obj, char *what, size_t wlen)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	const char *name;
	int i;

	for (i = g_mime_header_list_get_count(list) - 1; i >= 0; i--) {
		name = g_mime_header_get_name(g_mime_header_list_get_header_at(list, i));
		if (kept(name))
			continue;
		if (what) {
			snprintf(what, wlen, "e-mail header %s", name);
			return;
		}
		g_mime_header_list_remove_at(list, i);
	}
}

/* Replace an attachment by its clean copy (check 1: only say whether it has metadata). */
static int attachment_clean(const struct cv_fmt_nested *nest, GMimeObject *obj, int check, char *err, size_t errlen)
{
	GByteArray *data = part_bytes(GMIME_PART(obj));
	char *mime = part_type(nest, obj, data);
	GMimeStream *s;
	GMimeDataWrapper *w;
	void *out = NULL;
	size_t outlen = 0;
	int rc = 0;

	if (check && (nest->caps(mime) & CV_FMT_CLEAN))
		rc = nest->check(mime, data->data, data->len, err, errlen);
	else if (nest->caps(mime) & CV_FMT_CLEAN)
		rc = nest->clean(mime, data->data, data->len, &out, &outlen, err, errlen);
	if (rc == 0 && out) {
		s = g_mime_stream_mem_new_with_buffer(out, outlen);
		w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
		g_mime_part_set_content(GMIME_PART(obj), w);
		g_mime_part_set_content_encoding(GMIME_PART(obj), GMIME_CONTENT_ENCODING_BASE64);
		g_object_unref(w);
		g_object_unref(s);
	}
	g_free(out);
	g_free(mime);
	g_byte_array_unref(data);
	return rc;
}

/* Every header and attachment of obj cleaned, or (check 1) the first metadata left named in err. */
static int object_clean(const struct cv_fmt_nested *nest, GMimeObject *obj, int check, char *err, size_t errlen)
{
	char what[128] = "";
	int i, rc = 0;

	headers_clean(obj, check ? what : NULL, sizeof(what));
	if (what[0])
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "metadata left in the document: %s", what);
	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; rc == 0 && i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++)
			rc = object_clean(nest, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), check, err, errlen);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (inner)
			rc = object_clean(nest, GMIME_OBJECT(inner), check, err, errlen);
	} else if (GMIME_IS_MESSAGE(obj)) {
		rc = object_clean(nest, g_mime_message_get_mime_part(GMIME_MESSAGE(obj)), check, err, errlen);
	} else if (GMIME_IS_PART(obj) && !GMIME_IS_TEXT_PART(obj)) {
		rc = attachment_clean(nest, obj, check, err, errlen);
	}
	return rc;
}

int cv_mail_clean(const struct cv_fmt_nested *nest, const void *buf, size_t n, void **out, size_t *outlen,
		  char *err, size_t errlen)
{
	GMimeMessage *msg = parse_mail(buf, n, err, errlen);
	GMimeStream *mem;
	GByteArray *ba;
	int rc;

	if (!msg)
		return CV_EINVAL;
	rc = object_clean(nest, GMIME_OBJECT(msg), 0, err, errlen);
	if (rc == 0) {
		mem = g_mime_stream_mem_new();
		if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, mem) < 0)
			rc = cv_fmt_fail(err, errlen, CV_ERROR, "cannot write the cleaned e-mail");
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		if (rc == 0) {
			*outlen = ba->len;
			*out = g_memdup2(ba->data, ba->len);
		}
		g_object_unref(mem);
	}
	g_object_unref(msg);
	return rc;
}

int cv_mail_check(const struct cv_fmt_nested *nest, const void *buf, size_t n, char *err, size_t errlen)
{
	GMimeMessage *msg = parse_mail(buf, n, err, errlen);
	int rc;

	if (!msg)
		return CV_EINVAL;
	rc = object_clean(nest, GMIME_OBJECT(msg), 1, err, errlen);
	g_object_unref(msg);
	return rc;
}

/* What cv_fmt_mail_parts gathers as it walks the message: the bodies and the attachments. */
struct split {
	GString *plain, *html;
	GArray *parts;  /* of cv_fmt_part; [0] is the message itself */
};

/* A malloc'd copy of s made valid UTF-8 (a name in a broken character set still names the part). */
static char *dup_valid(const char *s)
{
	char *g = g_utf8_make_valid(s ? s : "", -1), *c = strdup(g);

	g_free(g);
	return c;
}

static int split_add(struct split *s, const char *name, const char *mime, const void *data, size_t len,
		     char *err, size_t errlen)
{
	cv_fmt_part p = { dup_valid(name), strdup(mime), malloc(len ? len : 1), len };

	if (!p.name || !p.mime || !p.data) {
		free(p.name);
		free(p.mime);
		free(p.data);
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory splitting the e-mail");
	}
	memcpy(p.data, data, len);
	g_array_append_val(s->parts, p);
	return 0;
}

/* An attached e-mail stays whole: one part of type message/rfc822, named by its file name or subject. */
static int split_message(GMimeObject *obj, struct split *s, char *err, size_t errlen)
{
	GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
	const char *name = g_mime_object_get_content_disposition_parameter(obj, "filename");
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;
	int rc;

	if (inner)
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
	if (!name && inner)
		name = g_mime_message_get_subject(inner);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	rc = split_add(s, name, "message/rfc822", ba->data, ba->len, err, errlen);
	g_object_unref(mem);
	return rc;
}

static int split_leaf(GMimeObject *obj, struct split *s, char *err, size_t errlen)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	int html = g_mime_content_type_is_type(ct, "text", "html");
	GByteArray *data;
	char *mime;
	int rc;

	if (GMIME_IS_TEXT_PART(obj) && !g_mime_part_is_attachment(GMIME_PART(obj)))
		/* the body: every inline plain-text part, and the first HTML one for a message without them */
		return html && s->html->len ? 0 : body_text(obj, html ? s->html : s->plain, err, errlen);
	data = part_bytes(GMIME_PART(obj));
	mime = g_mime_content_type_get_mime_type(ct);
	rc = split_add(s, g_mime_part_get_filename(GMIME_PART(obj)), mime, data->data, data->len, err, errlen);
	g_free(mime);
	g_byte_array_unref(data);
	return rc;
}

static int split_object(GMimeObject *obj, struct split *s, char *err, size_t errlen)
{
	int i, rc = 0;

	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; rc == 0 && i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++)
			rc = split_object(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), s, err, errlen);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		rc = split_message(obj, s, err, errlen);
	} else if (GMIME_IS_PART(obj)) {
		rc = split_leaf(obj, s, err, errlen);
	}
	return rc;
}

/* What about, who wrote to whom and when: the lines a reader of the filed body needs. */
static void header_lines(GMimeMessage *msg, GString *out)
{
	static const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_FROM, GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC };
	static const char *const labels[] = { "From", "To", "Cc" };
	GDateTime *date = g_mime_message_get_date(msg);
	const char *subject = g_mime_message_get_subject(msg);
	char *a;
	size_t i;

	/* Subject first: a text that starts "From:" is taken for an e-mail by its content (libmagic) */
	g_string_append_printf(out, "Subject: %s\n", subject ? subject : "");
	for (i = 0; i < G_N_ELEMENTS(types); i++) {
		a = internet_address_list_to_string(g_mime_message_get_addresses(msg, types[i]), NULL, FALSE);
		if (a && *a)
			g_string_append_printf(out, "%s: %s\n", labels[i], a);
		g_free(a);
	}
	if (date && (a = g_date_time_format(date, "%Y-%m-%d %H:%M %z"))) {
		g_string_append_printf(out, "Date: %s\n", a);
		g_free(a);
	}
	g_string_append_c(out, '\n');
}

/* Part 0: the header lines and the body (plain text, else the HTML body's words). */
static int split_body(GMimeMessage *msg, struct split *s, char *err, size_t errlen)
{
	GString *text = g_string_new(NULL);
	cv_fmt_part *p = &g_array_index(s->parts, cv_fmt_part, 0);
	char *valid;

	header_lines(msg, text);
	g_string_append_len(text, s->plain->len ? s->plain->str : s->html->str,
			    (gssize)(s->plain->len ? s->plain->len : s->html->len));
	valid = g_utf8_make_valid(text->str, (gssize)text->len);
	g_string_free(text, TRUE);
	p->name = dup_valid(g_mime_message_get_subject(msg));
	p->mime = strdup("text/plain");
	p->len = strlen(valid);
	p->data = strdup(valid);
	g_free(valid);
	if (!p->name || !p->mime || !p->data)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory splitting the e-mail");
	return 0;
}

static void split_free(GArray *parts)
{
	guint i;

	for (i = 0; i < parts->len; i++) {
		cv_fmt_part *p = &g_array_index(parts, cv_fmt_part, i);

		free(p->name);
		free(p->mime);
		if (p->data)
			explicit_bzero(p->data, p->len);
		free(p->data);
	}
	g_array_free(parts, TRUE);
}

/* The parts as one malloc'd array (the caller frees with free(), not g_free()). */
static int split_out(struct split *s, cv_fmt_part **parts, size_t *nparts, char *err, size_t errlen)
{
	size_t bytes = s->parts->len * sizeof(cv_fmt_part);

	if (!(*parts = malloc(bytes)))
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory splitting the e-mail");
	memcpy(*parts, s->parts->data, bytes);
	*nparts = s->parts->len;
	g_array_free(s->parts, TRUE);
	return 0;
}

/* The message split into s->parts (the body, then the attachments); on an error s->parts is freed. */
static int split_mail(const void *buf, size_t n, struct split *s, char *err, size_t errlen)
{
	GMimeMessage *msg;
	int rc;

	if (n > CV_FMT_MAX)
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "the e-mail is larger than casevault reads");
	if (!(msg = parse_mail(buf, n, err, errlen)))
		return CV_EINVAL;
	s->plain = g_string_new(NULL);
	s->html = g_string_new(NULL);
	s->parts = g_array_new(FALSE, TRUE, sizeof(cv_fmt_part));
	g_array_set_size(s->parts, 1);
	rc = split_object(g_mime_message_get_mime_part(msg), s, err, errlen);
	if (rc == 0)
		rc = split_body(msg, s, err, errlen);
	g_object_unref(msg);
	g_string_free(s->plain, TRUE);
	g_string_free(s->html, TRUE);
	if (rc)
		split_free(s->parts);
	return rc;
}

int cv_fmt_mail_parts(const char *mime, const void *buf, size_t n, cv_fmt_part **parts, size_t *nparts,
		      char *err, size_t errlen)
{
	struct split s;
	int rc;

	*parts = NULL;
	*nparts = 0;
	if (!mime || g_ascii_strcasecmp(mime, "message/rfc822") != 0)
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "only an e-mail (message/rfc822) is split into parts");
	if ((rc = split_mail(buf, n, &s, err, errlen)))
		return rc;
	if ((rc = split_out(&s, parts, nparts, err, errlen)))
		split_free(s.parts);
	return rc;
}

int cv_mail_preview_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	struct split s;
	GString *out;
	cv_fmt_part *p;
	guint i;
	int rc;

	if ((rc = split_mail(buf, n, &s, err, errlen)))
		return rc;
	p = &g_array_index(s.parts, cv_fmt_part, 0);
	out = g_string_new_len(p->data, (gssize)p->len);
	if (s.parts->len > 1)  /* a blank line between the body and the attachments' names */
		g_string_append(out, out->len && out->str[out->len - 1] == '\n' ? "\n" : "\n\n");
	for (i = 1; i < s.parts->len; i++) {
		p = &g_array_index(s.parts, cv_fmt_part, i);
		g_string_append_printf(out, "Attachment: %s\n", *p->name ? p->name : "(no name)");
	}
	split_free(s.parts);
	rc = cv_fmt_copy(out->str, out->len, (void **)text, len, err, errlen);
	explicit_bzero(out->str, out->len);
	g_string_free(out, TRUE);
	return rc;
}
