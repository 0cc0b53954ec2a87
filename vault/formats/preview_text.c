/*
 * casevault - a preview of a text, an e-mail, an ODT or a DOCX as a
 * picture of its words (docs/web.md, Previews).
 *
 * Why a picture of the text, not the text as HTML: the words are the
 * client's and may be markup ("<script>..."), and an ODT, a DOCX or an
 * e-mail's HTML body is layout the browser would interpret.  The words
 * come from this layer's own extractors (cv_fmt_text, cv_fmt_mail_parts);
 * nothing of them is interpreted here either: each character is one glyph
 * of a built-in font (MuPDF's Helvetica or Courier), a character the font
 * lacks is drawn as '?', and the lines are wrapped at the page's width.
 * Only the first page's worth is drawn (PREVIEW_LINES lines, "..." when
 * cut), from at most CV_PREVIEW_TEXT_MAX bytes of text, so a huge text
 * costs little.  The MuPDF calls run in the caller's context, inside its fz_try
 * (preview.c).
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <mupdf/fitz.h>

#include "casevault/common.h"
#include "formats/formats.h"
#include "formats/fmt.h"

/* A page: A4 in points, its margins, the size of the type and of a line. */
#define PAGE_W 595.0f
#define PAGE_H 842.0f
#define MARGIN 36.0f
#define TYPE_SIZE 10.0f
#define LEADING 12.5f
/* The lines of text drawn; a line below them says "..." when the text goes on. */
#define PREVIEW_LINES 60

/* Where the next glyph goes, and whether the page is full. */
struct pen {
	fz_context *ctx;
	fz_text *text;
	fz_font *font;
	float x;
	int line;
	int lines;   /* the lines it may draw on */
	int cut;     /* a character fell below the last of them */
};

/* The next character of p[0..end), advancing p; '?' for a byte that starts no valid UTF-8 character. */
static gunichar next_char(const char **p, const char *end)
{
	gunichar c = g_utf8_get_char_validated(*p, end - *p);

	if (c == (gunichar)-1 || c == (gunichar)-2) {
		(*p)++;
		return '?';
	}
	*p = g_utf8_next_char(*p);
	return c;
}

/* The glyph drawing c: '?' for a character the font lacks and for a control character. */
static int glyph_of(struct pen *pen, gunichar *c)
{
	int gid = 0;

	if (!g_unichar_iscntrl(*c) && *c < 0x110000)
		gid = fz_encode_character(pen->ctx, pen->font, (int)*c);
	if (gid == 0) {
		*c = '?';
		gid = fz_encode_character(pen->ctx, pen->font, '?');
	}
	return gid;
}

static float advance(struct pen *pen, gunichar c)
{
	int gid = glyph_of(pen, &c);

	return fz_advance_glyph(pen->ctx, pen->font, gid, 0) * TYPE_SIZE;
}

static void new_line(struct pen *pen)
{
	pen->line++;
	pen->x = MARGIN;
}

/* One character at the pen, on the next line when it would cross the right margin. */
static void show(struct pen *pen, gunichar c)
{
	int gid = glyph_of(pen, &c);
	float w = fz_advance_glyph(pen->ctx, pen->font, gid, 0) * TYPE_SIZE;

	if (pen->x + w > PAGE_W - MARGIN && pen->x > MARGIN)
		new_line(pen);
	if (pen->line >= pen->lines) {
		pen->cut = 1;
		return;
	}
	fz_show_glyph(pen->ctx, pen->text, pen->font,
		      fz_make_matrix(TYPE_SIZE, 0, 0, -TYPE_SIZE, pen->x, MARGIN + TYPE_SIZE + pen->line * LEADING),
		      gid, (int)c, 0, 0, FZ_BIDI_LTR, FZ_LANG_UNSET);
	pen->x += w;
}

/* The width of the word starting at p (up to a space or the end). */
static float word_width(struct pen *pen, const char *p, const char *end)
{
	float w = 0;
	gunichar c;

	while (p < end && !g_unichar_isspace(c = next_char(&p, end)))
		w += advance(pen, c);
	return w;
}

/* The rest of a word shown, up to the next space (not past it); where it stops. */
static const char *show_rest(struct pen *pen, const char *p, const char *end)
{
	const char *next = p;
	gunichar c;

	while (p < end && !pen->cut && !g_unichar_isspace(c = next_char(&next, end))) {
		show(pen, c);
		p = next;
	}
	return p;
}

/* The words of text[0..len), wrapped at the right margin: a word longer than a line is broken. */
static void lay_out(struct pen *pen, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *word;
	gunichar c;
	float w;

	while (p < end && !pen->cut) {
		word = p;
		c = next_char(&p, end);
		if (c == '\n') {
			new_line(pen);
		} else if (c == '\r') {
			continue;
		} else if (g_unichar_isspace(c)) {
			if (pen->x > MARGIN)  /* a space that ends a wrapped line is not carried to the next */
				show(pen, ' ');
		} else {
			/* a word: measured once, on the next line if it fits there and not here */
			w = word_width(pen, word, end);
			if (pen->x > MARGIN && pen->x + w > PAGE_W - MARGIN && w <= PAGE_W - 2 * MARGIN)
				new_line(pen);
			show(pen, c);
			p = show_rest(pen, p, end);
		}
	}
}

/* The words drawn on a white page, then "..." on the line below the last when the text goes on. */
static void draw_words(struct pen *pen, const char *text, size_t len, fz_pixmap *pix, float z)
{
	const float black[1] = { 0 };
	fz_device *dev = NULL;

	lay_out(pen, text, len > CV_PREVIEW_TEXT_MAX ? CV_PREVIEW_TEXT_MAX : len);
	if (pen->cut || len > CV_PREVIEW_TEXT_MAX) {
		pen->line = pen->lines++;
		pen->x = MARGIN;
		pen->cut = 0;
		show(pen, '.'), show(pen, '.'), show(pen, '.');
	}
	fz_clear_pixmap_with_value(pen->ctx, pix, 255);
	fz_var(dev);
	fz_try(pen->ctx) {
		dev = fz_new_draw_device(pen->ctx, fz_scale(z, z), pix);
		fz_fill_text(pen->ctx, dev, pen->text, fz_identity, fz_device_gray(pen->ctx), black, 1.0f,
			     fz_default_color_params);
		fz_close_device(pen->ctx, dev);
	}
	fz_always(pen->ctx)
		fz_drop_device(pen->ctx, dev);
	fz_catch(pen->ctx)
		fz_rethrow(pen->ctx);
}

fz_pixmap *cv_preview_text_draw(fz_context *ctx, const char *text, size_t len, int mono, int max_width)
{
	struct pen pen = { ctx, NULL, NULL, MARGIN, 0, PREVIEW_LINES, 0 };
	fz_pixmap *pix = NULL;
	float z = (float)max_width / PAGE_W;

	fz_var(pix);
	fz_var(pen.text);
	fz_var(pen.font);
	fz_try(ctx) {
		pen.font = fz_new_base14_font(ctx, mono ? "Courier" : "Helvetica");
		pen.text = fz_new_text(ctx);
		pix = fz_new_pixmap(ctx, fz_device_gray(ctx), max_width, (int)(PAGE_H * z + 0.5f), NULL, 0);
		draw_words(&pen, text, len, pix, z);
	}
	fz_always(ctx) {
		fz_drop_text(ctx, pen.text);
		fz_drop_font(ctx, pen.font);
	}
	fz_catch(ctx) {
		fz_drop_pixmap(ctx, pix);
		fz_rethrow(ctx);
	}
	return pix;
}
