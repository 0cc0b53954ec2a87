/*
 * Unit tests for the web interface's text and sessions (service/web_html.c,
 * service/web_auth.c; docs/web.md): the one escaping function, and web
 * sessions kept by the hash of their token, ended idle and after 2 hours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "session_table.h"
#include "web_auth.h"
#include "web_html.h"

static void escapes_every_markup_character(void **state)
{
	web_buf b = { 0 };

	(void)state;
	web_esc(&b, "<script>x</script> \"q\" 'a' <a href=\"javascript:alert(1)\">&amp;</a>");
	assert_string_equal(b.s, "&lt;script&gt;x&lt;/script&gt; &quot;q&quot; &#39;a&#39; &lt;a href=&quot;"
			    "javascript:alert(1)&quot;&gt;&amp;amp;&lt;/a&gt;");
	web_free(&b);
	web_esc(&b, NULL);
	web_esc(&b, "plain text, no change: é");
	assert_string_equal(b.s, "plain text, no change: é");
	web_free(&b);
}

static void a_page_has_no_inline_script(void **state)
{
	web_buf b = { 0 };

	(void)state;
	web_page_start(&b, "<b>Case</b>", "S-0002", "0123");
	web_page_end(&b);
	assert_non_null(strstr(b.s, "<title>&lt;b&gt;Case&lt;/b&gt; - casevault</title>"));
	assert_non_null(strstr(b.s, "<script src=\"/static/app.js\" defer></script>"));
	assert_null(strstr(b.s, "<script>"));
	assert_null(strstr(b.s, "style="));
	web_free(&b);
}

static void sessions_by_token_hash(void **state)
{
	char token[WEB_TOKEN_HEX], other[WEB_TOKEN_HEX];
	web_session *s;
	time_t t0 = 1000000;

	(void)state;
	s = web_session_new("S-0002", 1001, 1, token, t0);
	assert_non_null(s);
	assert_int_equal(strlen(token), 64);
	assert_null(memmem(s, sizeof(*s), token, 64));  /* only its hash is kept */
	assert_ptr_equal(web_session_find(token, 600, t0 + 599), s);
	assert_string_equal(s->staff, "S-0002");
	assert_int_equal(web_token(other), 0);
	assert_null(web_session_find(other, 600, t0 + 600));
	assert_null(web_session_find("short", 600, t0 + 600));
	assert_null(web_session_find(NULL, 600, t0 + 600));
	/* idle: 600 s unused ends it, and it stays ended */
	assert_null(web_session_find(token, 600, t0 + 599 + 600));
	assert_null(web_session_find(token, 600, t0 + 600));
}

static void two_hours_however_busy(void **state)
{
	char token[WEB_TOKEN_HEX];
	time_t t = 2000000, t0 = t;

	(void)state;
	assert_non_null(web_session_new("S-0003", 1002, 2, token, t0));
	for (t = t0 + 500; t < t0 + CVD_SESSION_MAX; t += 500)
		assert_non_null(web_session_find(token, 600, t));
	assert_null(web_session_find(token, 600, t0 + CVD_SESSION_MAX));
}

static void tokens_compare_whole(void **state)
{
	char a[WEB_TOKEN_HEX], b[WEB_TOKEN_HEX];

	(void)state;
	assert_int_equal(web_token(a), 0);
	memcpy(b, a, sizeof(b));
	assert_true(web_token_equal(a, b));
	b[63] = b[63] == '0' ? '1' : '0';
	assert_false(web_token_equal(a, b));
	assert_false(web_token_equal(a, ""));
	assert_false(web_token_equal(NULL, a));
	assert_false(web_token_equal("", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_every_markup_character),
		cmocka_unit_test(a_page_has_no_inline_script),
		cmocka_unit_test(sessions_by_token_hash),
		cmocka_unit_test(two_hours_however_busy),
		cmocka_unit_test(tokens_compare_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
