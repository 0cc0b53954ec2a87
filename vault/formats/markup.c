/*
 * casevault - XML and HTML read with libxml2: the parts of ODT and DOCX
 * documents and the HTML bodies of e-mails, as text (docs/legal-rules.md
 * §7-§8: every word a document holds is checked, hidden or not).
 *
 * No external entity is loaded and nothing is fetched from the network
 * (XML_PARSE_NONET, no XML_PARSE_NOENT, no DTD loading); a part with a
 * document type declaration is refused, since office documents have none
 * and entities are how XML hides or multiplies text.
 */
#include <string.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "casevault/common.h"
#include "formats/fmt.h"

#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)
#define HTML_OPTS (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER | \
		   HTML_PARSE_NOIMPLIED)

int cv_xml_parse(const char *buf, size_t n, const char *part, xmlDoc **out, char *err, size_t errlen)
{
	xmlDoc *doc;

	*out = NULL;
	if (n > (size_t)G_MAXINT)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "%s is too large to read", part);
	doc = xmlReadMemory(buf, (int)n, part, NULL, XML_OPTS);
	if (!doc || !xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		return cv_fmt_fail(err, errlen, CV_EINVAL, "%s is not well-formed XML; ask for the document again",
				   part);
	}
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return cv_fmt_fail(err, errlen, CV_EINVAL,
				   "%s declares a document type, which office documents never do; refuse it", part);
	}
	*out = doc;
	return 0;
}

static int named(const xmlNode *n, const char *const *names)
{
	for (; *names; names++)
		if (strcmp((const char *)n->name, *names) == 0)
			return 1;
	return 0;
}

/* ODF (text:*) and WordprocessingML (w:*) element names that separate words or lines. */
static const char *const BLOCKS[] = { "p", "h", "line-break", "br", "cr", "tr", "list-item", NULL };
static const char *const SPACES[] = { "s", "tab", "soft-hyphen", "noBreakHyphen", NULL };
/* Text out of the flow of its paragraph (notes, comments and their authors): a line of its own. */
static const char *const ASIDES[] = { "note", "annotation", "creator", "date", NULL };
/* WordprocessingML holds text in these only; whitespace elsewhere is layout */
static const char *const W_TEXT[] = { "t", "delText", "instrText", NULL };

static void walk(const xmlNode *n, int word, int in_text, GString *out)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (in_text && n->content)
				g_string_append(out, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (named(n, SPACES)) {
			g_string_append_c(out, ' ');
			continue;
		}
		if (named(n, ASIDES))
			g_string_append_c(out, '\n');
		walk(n->children, word, word ? in_text || named(n, W_TEXT) : in_text || named(n, BLOCKS), out);
		if (named(n, BLOCKS) || named(n, ASIDES))
			g_string_append_c(out, '\n');
	}
}

void cv_xml_text(const xmlDoc *doc, int word, GString *out)
{
	walk(xmlDocGetRootElement((xmlDoc *)doc), word, 0, out);
}

/* HTML elements after which a line ends. */
static const char *const HTML_BLOCKS[] = { "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4",
					   "h5", "h6", "title", "blockquote", "pre", "table", NULL };

/*
 * Every text node, script and style included (docs/legal-rules.md §7-§8: the
 * whole body is disclosed, so all of it is checked), and the alt and
 * title attributes that a reader sees on hovering.
 */
static void html_walk(const xmlNode *n, GString *out)
{
	static const char *const attrs[] = { "alt", "title", NULL };
	xmlChar *v;
	size_t i;

	for (; n; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
			g_string_append(out, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; attrs[i]; i++)
			if ((v = xmlGetProp(n, (const xmlChar *)attrs[i]))) {
				g_string_append_printf(out, " %s ", (const char *)v);
				xmlFree(v);
			}
		html_walk(n->children, out);
		if (named(n, HTML_BLOCKS))
			g_string_append_c(out, '\n');
	}
}

int cv_html_text(const char *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	htmlDocPtr doc;
	GString *out;

	if (n > (size_t)G_MAXINT)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "an HTML body is too large to read");
	out = g_string_new(NULL);
	/* the caller has decoded the body to UTF-8 */
	doc = htmlReadMemory(buf, (int)n, NULL, "UTF-8", HTML_OPTS);
	if (doc)
		html_walk(xmlDocGetRootElement(doc) ? doc->children : NULL, out);
	xmlFreeDoc(doc);
	*len = out->len;
	*text = g_string_free(out, FALSE);
	return 0;
}

/*
 * Who wrote what, inside a document's body (docs/legal-rules.md §9-§10:
 * a volunteer's name as a comment's author is their personal detail):
 * the attributes named in attrs in the namespace ns, and the elements in
 * the namespace elem_ns, are emptied rather than removed, so that a part
 * whose schema requires them stays valid.
 */
static int filled(xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	int full = v && v[0];

	xmlFree(v);
	return full;
}

static void name_node(const xmlNs *ns, const xmlChar *name, int element, char *what, size_t wlen)
{
	snprintf(what, wlen, "%s%s%s%s%s", element ? "<" : "", ns && ns->prefix ? (const char *)ns->prefix : "",
		 ns && ns->prefix ? ":" : "", (const char *)name, element ? ">" : "");
}

/* One node's author fields emptied, or (what set) the first named; how many were not empty. */
static size_t strip_node(xmlNode *n, const char *ns, const char *const *attrs, const char *elem_ns,
			 char *what, size_t wlen)
{
	xmlAttr *a;
	size_t found = 0;

	if (elem_ns && n->ns && strcmp((const char *)n->ns->href, elem_ns) == 0 && filled(n)) {
		if (what)
			name_node(n->ns, n->name, 1, what, wlen);
		else
			xmlNodeSetContent(n, (const xmlChar *)"");
		return 1;
	}
	for (a = n->properties; a && !(what && found); a = a->next) {
		if (!a->ns || strcmp((const char *)a->ns->href, ns) != 0 || !named((xmlNode *)a, attrs) ||
		    !filled((xmlNode *)a))
			continue;
		found++;
		if (what)
			name_node(a->ns, a->name, 0, what, wlen);
		else
			xmlNodeSetContent((xmlNode *)a, (const xmlChar *)"");
	}
	return found;
}

/* In check mode (what set) the walk stops at the first find and changes nothing. */
static size_t strip_walk(xmlNode *n, const char *ns, const char *const *attrs, const char *elem_ns,
			 char *what, size_t wlen)
{
	size_t found = 0;

	for (; n && !(what && found); n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		found += strip_node(n, ns, attrs, elem_ns, what, wlen);
		if (!(what && found))
			found += strip_walk(n->children, ns, attrs, elem_ns, what, wlen);
	}
	return found;
}

size_t cv_xml_strip(struct _xmlDoc *doc, const char *ns, const char *const *attrs, const char *elem_ns,
		    char *what, size_t wlen)
{
	return strip_walk(xmlDocGetRootElement(doc), ns, attrs, elem_ns, what, wlen);
}
