/*
 * casevault - ODT and DOCX: the zip read and rewritten with libarchive
 * (zip.c), each XML part parsed with libxml2 (markup.c); never by hand
 * (docs/architecture.md, Layers: formats; docs/legal-rules.md §7-§9).
 */
#include <fnmatch.h>
#include <string.h>

#include <glib.h>
#include <libxml/tree.h>

#include "casevault/common.h"
#include "formats/fmt.h"

#define ODT_MIMETYPE "application/vnd.oasis.opendocument.text"
#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_DC "http://purl.org/dc/elements/1.1/"

/* Who wrote a comment or a tracked change: w:author and w:initials in DOCX, dc:* in ODT bodies. */
static const char *const W_AUTHOR[] = { "author", "initials", NULL };
static const char *const NO_ATTRS[] = { NULL };
/* Parts dropped with their references: custom properties, the people who edited (with their accounts). */
static const char *const DROPPED[] = { "docProps/custom.xml", "people.xml", NULL };

/* docProps emptied to valid documents: Word opens a file with no properties. */
static const char EMPTY_CORE[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\""
	" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\""
	" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>\n";
static const char EMPTY_APP[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\""
	" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"/>\n";

static int odt_part(const char *name)
{
	return strcmp(name, "content.xml") == 0 || strcmp(name, "styles.xml") == 0;
}

/* The body, headers, footers, notes and comments of a WordprocessingML package. */
static int docx_part(const char *name)
{
	static const char *const pats[] = { "word/document.xml", "word/header*.xml", "word/footer*.xml",
					    "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml", NULL };
	size_t i;

	for (i = 0; pats[i]; i++)
		if (fnmatch(pats[i], name, FNM_PATHNAME) == 0)
			return 1;
	return 0;
}

struct text_job {
	int kind;
	int body;      /* the main part was seen */
	GString *out;
};

static int add_text(void *user, const struct cv_zip_member *m, char *err, size_t errlen)
{
	struct text_job *job = user;
	xmlDoc *doc;
	int rc;

	if (m->is_dir)
		return 0;
	if ((rc = cv_xml_parse(m->data, m->len, m->name, &doc, err, errlen)))
		return rc;
	cv_xml_text(doc, job->kind == CV_OFFICE_DOCX, job->out);
	xmlFreeDoc(doc);
	if (strcmp(m->name, job->kind == CV_OFFICE_DOCX ? "word/document.xml" : "content.xml") == 0)
		job->body = 1;
	return 0;
}

int cv_office_text(int kind, const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	struct text_job job = { kind, 0, g_string_new(NULL) };
	int rc;

	rc = cv_zip_each(buf, n, kind == CV_OFFICE_DOCX ? docx_part : odt_part, add_text, &job, err, errlen);
	if (rc == 0 && !job.body)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "the document has no %s; ask for it again",
				 kind == CV_OFFICE_DOCX ? "word/document.xml" : "content.xml");
	if (rc) {
		g_string_free(job.out, TRUE);
		return rc;
	}
	*len = job.out->len;
	*text = g_string_free(job.out, FALSE);
	return 0;
}

/* An ODF meta.xml with no fields, of the same ODF version as the one it replaces. */
static char *empty_meta(const struct cv_zip_member *m)
{
	xmlDoc *doc = NULL;
	xmlChar *v = NULL;
	char *out;

	if (cv_xml_parse(m->data, m->len, m->name, &doc, NULL, 0) == 0)
		v = xmlGetNsProp(xmlDocGetRootElement(doc), (const xmlChar *)"version", (const xmlChar *)NS_OFFICE);
	out = g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<office:document-meta xmlns:office=\"" NS_OFFICE "\" office:version=\"%s\">"
			      "<office:meta/></office:document-meta>\n",
			      v && strspn((const char *)v, "0123456789.") == strlen((const char *)v) ?
			      (const char *)v : "1.2");
	xmlFree(v);
	xmlFreeDoc(doc);
	return out;
}

/*
 * The part without the children of its root named el whose attribute attr
 * names a DROPPED part: the relationships to and the content types of the
 * parts dropped with them.
 */
static int ends_with_one(const char *v, const char *const *suffixes)
{
	size_t vl = strlen(v), sl;

	for (; *suffixes; suffixes++)
		if (vl >= (sl = strlen(*suffixes)) && strcmp(v + vl - sl, *suffixes) == 0)
			return 1;
	return 0;
}

static int drop_refs(const struct cv_zip_member *m, const char *el, const char *attr,
		     xmlChar **out, int *outlen, char *err, size_t errlen)
{
	xmlDoc *doc;
	xmlNode *c, *next;
	xmlChar *v;
	int rc;

	if ((rc = cv_xml_parse(m->data, m->len, m->name, &doc, err, errlen)))
		return rc;
	for (c = xmlDocGetRootElement(doc)->children; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, el) != 0)
			continue;
		v = xmlGetProp(c, (const xmlChar *)attr);
		if (v && ends_with_one((const char *)v, DROPPED)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		xmlFree(v);
	}
	xmlDocDumpMemoryEnc(doc, out, outlen, "UTF-8");
	xmlFreeDoc(doc);
	return *out ? 0 : cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
}

/* A body part with its authors emptied (cv_xml_strip), serialised again. */
static int unsign(const struct cv_zip_member *m, const char *ns, const char *const *attrs, const char *elem_ns,
		  xmlChar **out, int *outlen, char *err, size_t errlen)
{
	xmlDoc *doc;
	int rc;

	if ((rc = cv_xml_parse(m->data, m->len, m->name, &doc, err, errlen)))
		return rc;
	cv_xml_strip(doc, ns, attrs, elem_ns, NULL, 0);
	xmlDocDumpMemoryEnc(doc, out, outlen, "UTF-8");
	xmlFreeDoc(doc);
	return *out ? 0 : cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
}

struct clean_job {
	int kind;
	cv_zip_writer *w;
};

/* What a member becomes in the clean copy: *data replaced (freed by the caller), or skip set. */
static int clean_part(int kind, const struct cv_zip_member *m, char **repl, size_t *rlen, xmlChar **xml,
		      int *skip, char *err, size_t errlen)
{
	int xlen = 0, rc = 0;

	if (kind == CV_OFFICE_ODT && strcmp(m->name, "mimetype") == 0)
		*skip = 1;
	else if (kind == CV_OFFICE_ODT && strcmp(m->name, "meta.xml") == 0)
		*rlen = strlen(*repl = empty_meta(m));
	else if (kind == CV_OFFICE_DOCX && strcmp(m->name, "docProps/core.xml") == 0)
		*rlen = strlen(*repl = g_strdup(EMPTY_CORE));
	else if (kind == CV_OFFICE_DOCX && strcmp(m->name, "docProps/app.xml") == 0)
		*rlen = strlen(*repl = g_strdup(EMPTY_APP));
	else if (kind == CV_OFFICE_DOCX && ends_with_one(m->name, DROPPED))
		*skip = 1;
	else if (kind == CV_OFFICE_DOCX && fnmatch("*_rels/*.rels", m->name, 0) == 0)
		rc = drop_refs(m, "Relationship", "Target", xml, &xlen, err, errlen);
	else if (kind == CV_OFFICE_DOCX && strcmp(m->name, "[Content_Types].xml") == 0)
		rc = drop_refs(m, "Override", "PartName", xml, &xlen, err, errlen);
	else if (kind == CV_OFFICE_DOCX && docx_part(m->name))
		rc = unsign(m, NS_W, W_AUTHOR, NULL, xml, &xlen, err, errlen);
	else if (kind == CV_OFFICE_ODT && odt_part(m->name))
		rc = unsign(m, NS_W, NO_ATTRS, NS_DC, xml, &xlen, err, errlen);
	if (rc == 0 && *xml) {
		*repl = (char *)*xml;
		*rlen = (size_t)xlen;
	}
	return rc;
}

static int clean_member(void *user, const struct cv_zip_member *m, char *err, size_t errlen)
{
	struct clean_job *job = user;
	struct cv_zip_member c = *m;
	char *repl = NULL;
	xmlChar *xml = NULL;
	size_t rlen = 0;
	int skip = 0, rc;

	rc = clean_part(job->kind, m, &repl, &rlen, &xml, &skip, err, errlen);
	if (rc == 0 && !skip) {
		if (repl) {
			c.data = repl;
			c.len = rlen;
		}
		rc = cv_zip_writer_add(job->w, &c, 0, err, errlen);
	}
	if (xml)
		xmlFree(xml);
	else
		g_free(repl);
	return rc;
}

int cv_office_clean(int kind, const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen)
{
	/* ODF: the mimetype member first and stored, so that the type is found at a fixed offset */
	static const struct cv_zip_member mimetype = { "mimetype", 0, ODT_MIMETYPE, sizeof(ODT_MIMETYPE) - 1 };
	struct clean_job job = { kind, NULL };
	int rc;

	if ((rc = cv_zip_writer_new(&job.w, err, errlen)))
		return rc;
	if (kind == CV_OFFICE_ODT)
		rc = cv_zip_writer_add(job.w, &mimetype, 1, err, errlen);
	if (rc == 0)
		rc = cv_zip_each(buf, n, NULL, clean_member, &job, err, errlen);
	if (rc) {
		cv_zip_writer_free(job.w);
		return rc;
	}
	return cv_zip_writer_finish(job.w, out, outlen, err, errlen);
}

/* The first element child of node, or NULL. */
static const xmlNode *first_element(const xmlNode *node)
{
	const xmlNode *c;

	for (c = node ? node->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* A metadata part's first field, named in err ("ODT meta.xml <meta:initial-creator>"). */
static int check_member(void *user, const struct cv_zip_member *m, char *err, size_t errlen)
{
	int kind = *(int *)user;
	const xmlNode *f = NULL;
	xmlDoc *doc;
	int rc;

	char who[96] = "";

	if (kind == CV_OFFICE_DOCX && ends_with_one(m->name, DROPPED))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "metadata left in the document: DOCX %s", m->name);
	if ((rc = cv_xml_parse(m->data, m->len, m->name, &doc, err, errlen)))
		return rc;
	if (kind == CV_OFFICE_DOCX && docx_part(m->name))
		cv_xml_strip(doc, NS_W, W_AUTHOR, NULL, who, sizeof(who));
	else if (kind == CV_OFFICE_ODT && odt_part(m->name))
		cv_xml_strip(doc, NS_W, NO_ATTRS, NS_DC, who, sizeof(who));
	else if ((f = first_element(xmlDocGetRootElement(doc))) && kind == CV_OFFICE_ODT)
		f = first_element(f);   /* <office:document-meta><office:meta>fields */
	if (f)
		snprintf(who, sizeof(who), "<%s%s%s>", f->ns && f->ns->prefix ? (const char *)f->ns->prefix : "",
			 f->ns && f->ns->prefix ? ":" : "", (const char *)f->name);
	if (who[0])
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED, "metadata left in the document: %s %s %s",
				 kind == CV_OFFICE_ODT ? "ODT" : "DOCX", m->name, who);
	xmlFreeDoc(doc);
	return rc;
}

static int odt_meta(const char *name)
{
	return strcmp(name, "meta.xml") == 0 || odt_part(name);
}

static int docx_meta(const char *name)
{
	return strcmp(name, "docProps/core.xml") == 0 || strcmp(name, "docProps/app.xml") == 0 ||
		ends_with_one(name, DROPPED) || docx_part(name);
}

int cv_office_check(int kind, const void *buf, size_t n, char *err, size_t errlen)
{
	return cv_zip_each(buf, n, kind == CV_OFFICE_DOCX ? docx_meta : odt_meta, check_member, &kind, err, errlen);
}

/* The part that holds the document's body: without it there is no document to read. */
static int odt_body(const char *name)
{
	return strcmp(name, "content.xml") == 0;
}

static int docx_body(const char *name)
{
	return strcmp(name, "word/document.xml") == 0;
}

static int parse_body(void *user, const struct cv_zip_member *m, char *err, size_t errlen)
{
	xmlDoc *doc;
	int rc = cv_xml_parse(m->data, m->len, m->name, &doc, err, errlen);

	if (rc == 0) {
		xmlFreeDoc(doc);
		(*(int *)user)++;
	}
	return rc;
}

int cv_office_structure(int kind, const void *buf, size_t n, char *err, size_t errlen)
{
	const char *what = kind == CV_OFFICE_DOCX ? "Word document" : "OpenDocument text";
	int found = 0, rc;

	if (!cv_zip_ends_clean(buf, n))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "it is not a %s throughout: bytes follow the end of its zip "
				   "container (an appended program?); save the document again", what);
	rc = cv_zip_each(buf, n, kind == CV_OFFICE_DOCX ? docx_body : odt_body, parse_body, &found, err, errlen);
	if (rc == 0 && !found)
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED, "the %s has no %s (its body); save the document again", what,
				 kind == CV_OFFICE_DOCX ? "word/document.xml" : "content.xml");
	return rc ? CV_EREFUSED : 0;
}
