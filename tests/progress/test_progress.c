/* SPDX-License-Identifier: MIT */
/*
 * The progress line (tools/progress.c): what it writes for each update,
 * the time left, the cleared line at the end, and silence when quiet.
 */
#include "progress.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_lines(void **state)
{
	struct dmk_progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	dmk_progress_start_on(&p, f, "scenarios", 4);
	dmk_progress_update(&p, 0, "x86-free-pages");
	fflush(f);
	assert_string_equal(buf, "\rscenarios: x86-free-pages  0/4 (0%)");
	/* The last item is always drawn, whatever the rate limit says. */
	dmk_progress_update(&p, 4, NULL);
	fflush(f);
	assert_non_null(strstr(buf, "\rscenarios: 4/4 (100%)"));
	dmk_progress_end(&p);
	fclose(f);
	/* Ends with the line blanked and the cursor back at its start. */
	assert_true(len > 2 && buf[len - 1] == '\r');
	assert_int_equal(buf[len - 2], ' ');
	free(buf);
}

static void test_time_left(void **state)
{
	struct dmk_progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	dmk_progress_start_on(&p, f, "bench sweep", 100);
	p.start_ns -= 10000000000ULL; /* ten seconds ago */
	dmk_progress_update(&p, 50, "cell");
	fflush(f);
	/* 10 s for 50 items: about 10 s for the 50 left. */
	assert_non_null(strstr(buf, "50/100 (50%), about 10 s left"));
	fclose(f);
	free(buf);
}

static void test_quiet(void **state)
{
	struct dmk_progress p;

	(void)state;
	/* Quiet: no stream at all, every call a no-op. */
	dmk_progress_start(&p, "x", 3, true);
	assert_null(p.out);
	dmk_progress_update(&p, 1, "a");
	dmk_progress_end(&p);
	dmk_progress_start_on(&p, NULL, "x", 3);
	dmk_progress_update(&p, 2, "b");
	assert_int_equal(p.drawn, 0);
}

static void test_eta(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(dmk_progress_eta(0, b, sizeof(b)), "0 s");
	assert_string_equal(dmk_progress_eta(42.4, b, sizeof(b)), "42 s");
	assert_string_equal(dmk_progress_eta(185, b, sizeof(b)), "3 min 05 s");
	assert_string_equal(dmk_progress_eta(3720, b, sizeof(b)), "1 h 02 min");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_time_left),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
