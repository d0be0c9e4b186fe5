/* SPDX-License-Identifier: MIT */
/*
 * The report writer's escaping and formats (tools/report/html.c): every
 * character that means something in HTML text or a quoted attribute
 * comes out as an entity, control characters do not come out at all,
 * and a chart's labels and series names are escaped too.
 */
#include "html.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char *escaped(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	rp_escape_to(f, in);
	fclose(f);
	return buf;
}

static void test_escape(void **state)
{
	char *s;

	(void)state;
	s = escaped("<script>a&&b</script>");
	assert_string_equal(s, "&lt;script&gt;a&amp;&amp;b&lt;/script&gt;");
	free(s);
	s = escaped("\"q\" 'a' plain");
	assert_string_equal(s, "&quot;q&quot; &#39;a&#39; plain");
	free(s);
	s = escaped("bell\a esc\x1b tab\tnl\n");
	assert_string_equal(s, "bell? esc? tab\tnl\n");
	free(s);
	s = escaped("");
	assert_string_equal(s, "");
	free(s);
}

static void test_formats(void **state)
{
	char b[40];

	(void)state;
	assert_string_equal(rp_num(0, b, sizeof(b)), "0");
	assert_string_equal(rp_num(999, b, sizeof(b)), "999");
	assert_string_equal(rp_num(1234567, b, sizeof(b)), "1 234 567");
	assert_string_equal(rp_bytes(512, b, sizeof(b)), "512 B");
	assert_string_equal(rp_bytes(4096, b, sizeof(b)), "4 KiB");
	assert_string_equal(rp_bytes(1536, b, sizeof(b)), "1.5 KiB");
	assert_string_equal(rp_bytes(16ULL << 20, b, sizeof(b)), "16 MiB");
}

/* A whole document with a chart whose strings are markup. */
static void test_document(void **state)
{
	char path[] = "/tmp/dmakit-report-XXXXXX";
	double x[3] = {1, 2, 4}, y[3] = {1, 10, 100};
	struct rp_chart c = {.title = "<t>",
			     .xlabel = "&x",
			     .ylabel = "'y'",
			     .xlog = true,
			     .ylog = true};
	struct rp r;
	char text[65536];
	size_t n;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	c.s[c.nr++] = (struct rp_series){.name = "<s>",
					 .x = x,
					 .y = y,
					 .n = 3,
					 .colour = -1,
					 .points = true};
	assert_int_equal(rp_open(&r, path, "<title>"), 0);
	rp_esc(&r, "%s", "<p>");
	rp_chart(&r, &c);
	assert_int_equal(rp_close(&r), 0);
	f = fdopen(fd, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	assert_non_null(strstr(text, "<title>&lt;title&gt;</title>"));
	assert_non_null(strstr(text, "&lt;p&gt;"));
	assert_non_null(strstr(text, "&lt;t&gt;"));
	assert_non_null(strstr(text, "&amp;x"));
	assert_non_null(strstr(text, "&#39;y&#39;"));
	assert_non_null(strstr(text, "&lt;s&gt;"));
	assert_null(strstr(text, "<s>"));
	assert_null(strstr(text, "<t>"));
	assert_null(strstr(text, "<p>"));
	assert_non_null(strstr(text, "</svg>"));
	assert_non_null(strstr(text, "</html>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
