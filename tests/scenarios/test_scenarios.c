/* SPDX-License-Identifier: MIT */
/*
 * Every scenario of dmakit scenarios with three seeds.  A scenario is
 * the verdict of the simulator on a claim: a regression in the library
 * (dmakit's design stops being clean) or in the simulator's fidelity
 * (the naive design stops being caught: caches, stage-2, the hypervisor
 * or the devices no longer model what makes it wrong) fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scenarios/scenario.h"

#include <stdio.h>

/* Fewer operations than the command's default: the verdicts hold from
 * about a hundred on, and three seeds of thirteen scenarios stay quick. */
#define TEST_OPS 120

static const uint64_t seeds[] = {1, 2, 3};

static void explain(const struct scen_outcome *o, uint64_t seed)
{
	print_message("scenario %u (%s), seed %llu: %s\n", o->s->id, o->s->slug,
		      (unsigned long long)seed, o->why);
	for (unsigned int i = 0; i < o->s->nr_naive; i++)
		print_message("  naive %u: %llu wrong, %llu faults%s%s\n", i,
			      (unsigned long long)o->naive[i].wrong_bytes,
			      (unsigned long long)o->naive[i].faults,
			      o->naive[i].detail[0] ? "; " : "",
			      o->naive[i].detail);
	print_message("  dmakit: %llu wrong, %llu faults%s%s\n",
		      (unsigned long long)o->dmakit.wrong_bytes,
		      (unsigned long long)o->dmakit.faults,
		      o->dmakit.detail[0] ? "; " : "", o->dmakit.detail);
}

/* The parts of the verdict, checked one by one so that a failure says
 * which part broke. */
static void check_outcome(const struct scen_outcome *o)
{
	const struct scenario *s = o->s;

	assert_false(o->dmakit.error);
	assert_true(o->dmakit.checked_bytes > 0);
	assert_int_equal(o->dmakit.wrong_bytes, 0);
	assert_int_equal(o->dmakit.faults, 0);
	for (unsigned int i = 0; i < s->nr_naive; i++) {
		/* The hypervisor refused to make its pool contiguous, and
		 * the guest's DMA layer did not start. */
		if (s->kind == SCEN_NAIVE_NO_BOOT) {
			assert_true(o->naive[i].error);
			assert_true(o->naive[i].pool_refused > 0);
			continue;
		}
		assert_false(o->naive[i].error);
		if (s->kind == SCEN_NAIVE_CAUGHT)
			assert_true(scen_caught(&o->naive[i]));
		else
			assert_false(scen_caught(&o->naive[i]));
	}
	if (s->dmakit_no_exchange) {
		assert_int_equal(o->dmakit.exchanges, 0);
		assert_int_equal(o->dmakit.bounces, 0);
	}
	if (s->dmakit_one_warning) {
		assert_int_equal(o->dmakit.full_warnings, 1);
		assert_true(o->dmakit.full > 0);
	}
	assert_true(o->pass);
}

static void test_scenario(void **state)
{
	const struct scenario *s = *state;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct scen_outcome o;

		scen_run_scenario(s, seeds[i], TEST_OPS, &o);
		if (!o.pass)
			explain(&o, seeds[i]);
		check_outcome(&o);
	}
}

/* The catalog itself: ids 1..SCEN_COUNT in order, slugs found both ways. */
static void test_catalog(void **state)
{
	char id[8];

	(void)state;
	for (unsigned int i = 0; i < SCEN_COUNT; i++) {
		const struct scenario *s = &scen_catalog[i];

		assert_int_equal(s->id, i + 1);
		assert_ptr_equal(scen_find(s->slug), s);
		snprintf(id, sizeof(id), "%u", s->id);
		assert_ptr_equal(scen_find(id), s);
		assert_true(s->nr_naive >= 1 && s->nr_naive <= SCEN_MAX_NAIVE);
		assert_true(s->dmakit.nr_worlds >= 1);
	}
	assert_null(scen_find("0"));
	assert_null(scen_find("14"));
	assert_null(scen_find("4x"));
	assert_null(scen_find(""));
	assert_null(scen_find("no-such-claim"));
}

/* A design that cannot be caught must not pass: an all-clean result
 * for a naive design fails the verdict. */
static void test_uncaught_naive_fails(void **state)
{
	struct scen_result clean = {.checked_bytes = 100};
	struct scen_result wrong = {.checked_bytes = 100, .wrong_bytes = 3};
	struct scen_result faulted = {.faults = 1};
	struct scen_result broken = {.faults = 1, .error = true};

	(void)state;
	assert_false(scen_caught(&clean));
	assert_true(scen_caught(&wrong));
	assert_true(scen_caught(&faulted));
	assert_false(scen_caught(&broken));
}

/* One test per scenario, named after it. */
int main(void)
{
	static char names[SCEN_COUNT][48];
	struct CMUnitTest tests[SCEN_COUNT + 2] = {
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_uncaught_naive_fails),
	};

	for (unsigned int i = 0; i < SCEN_COUNT; i++) {
		const struct scenario *s = &scen_catalog[i];

		snprintf(names[i], sizeof(names[i]), "scenario %u %s", s->id,
			 s->slug);
		tests[i + 2] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_scenario,
			.initial_state = (void *)s,
		};
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
