/* SPDX-License-Identifier: MIT */
/* --lock reaches only the scenarios that declare takes_lock: naming another
 * with a kind is refused (exit 2, one line); under --category it runs with
 * its own locking and its runs say so (lock "-" and a note) in the table and
 * report.json; list and show tell the two apart. Behaviour only, never time. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli_run.h"
#include "harness_suites.h"

/* The scenarios whose variants take their locks through tl_ctx_lock_init,
 * found by reading each scenario file; the rest fix their own locking. */
static const char *const takers[] = {
    "callback.completion_race", "callback.freed_context", "callback.reentry",
    "deadlock.abba",   "deadlock.dining_philosophers", "deadlock.self",
    "deadlock.semaphore_order", "hang.lost_wakeup",    "livelock.polite",
    "race.counter",
    "process.fork_with_lock_held",
    "coroutine.one_thread_vs_pool", "coroutine.yield_holding_lock",
    "pool.lost_tasks", "pool.shutdown_in_flight", "pool.stop_flag", "pool.subtask_deadlock",
    "race.realloc_shared", "race.stack_pointer", "race.double_checked_locking",
    "race.bitfield", "race.volatile_flag",
    "condvar.if_not_while", "condvar.signal_not_broadcast", "hang.missing_unlock",
    "signal.unsafe_call",
    "deadlock.three_way", "deadlock.join_cycle", "livelock.philosophers_trylock",
    "primitive.destroy_locked",
};

static bool is_taker(const char *name)
{
    for (size_t i = 0; i < sizeof takers / sizeof takers[0]; i++)
        if (strcmp(takers[i], name) == 0)
            return true;
    return false;
}

START_TEST(test_named_scenario_refuses_a_kind)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"run", "race.publish", "--lock", "ticket", NULL});
    ck_assert_msg(res.status == 2, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "threadlab: --lock: race.publish does not take a lock kind "
                                  "(its variants use atomics"),
                  "%s", res.err);
    ck_assert_msg(strstr(res.err, "; scenarios that do: callback.completion_race, "), "%s",
                  res.err);
    ck_assert_msg(strstr(res.err, ", deadlock.abba, "), "%s", res.err);
    /* race.counter is among them; not necessarily the last one any more. */
    ck_assert_msg(strstr(res.err, ", race.counter"), "%s", res.err);
    ck_assert_msg(strchr(res.err, '\n') == res.err + strlen(res.err) - 1, "not one line:\n%s",
                  res.err);
    /* One scenario that does not take it is enough, among several named. */
    run_cli(&res, false, (const char *const[]){"run", "race.counter", "tls.counter", "--lock",
                                               "mcs", NULL});
    ck_assert_msg(res.status == 2 && strstr(res.err, "tls.counter does not take a lock kind"),
                  "exit %d\n%s", res.status, res.err);
}
END_TEST

/* mutex is the default, so naming it is never an error; the run still
 * records that no kind was chosen for it. */
START_TEST(test_mutex_is_never_an_error)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.publish", "--lock", "mutex",
                                              "--variant", "fixed", "--detector", "none",
                                              "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "lock")), "-");
    json_decref(doc);
}
END_TEST

/* The run's note saying that --lock does not apply, or NULL. Other notes
 * may come and go with the machine (a deadline extended on a busy one) and
 * are none of this test's business. */
static const char *lock_note(json_t *notes)
{
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n) {
        const char *text = json_string_value(n);
        if (text && strncmp(text, "--lock ", 7) == 0)
            return text;
    }
    return NULL;
}

/* Checks one run record of the --category race --lock ticket plan. */
static void check_record(json_t *run)
{
    const char *name = json_string_value(json_object_get(run, "scenario"));
    const char *lock = json_string_value(json_object_get(run, "lock"));
    const char *note = lock_note(json_object_get(run, "notes"));
    if (is_taker(name)) {
        ck_assert_msg(strcmp(lock, "ticket") == 0, "%s: lock %s", name, lock);
        ck_assert_msg(note == NULL, "%s: unexpected note %s", name, note);
        return;
    }
    ck_assert_msg(strcmp(lock, "-") == 0, "%s: lock %s", name, lock);
    ck_assert_msg(note && strncmp(note, "--lock ticket does not apply: ", 30) == 0,
                  "%s: note %s", name, note ? note : "(none)");
    ck_assert_str_eq(note + 30, tl_catalog_find(name)->own_locking);
}

START_TEST(test_category_runs_record_their_own_locking)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--category", "race", "--lock", "ticket",
                                              "--variant", "fixed", "--detector", "none",
                                              "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.out, "note: race.publish: --lock ticket does not apply: "),
                  "%s", res.out);
    ck_assert_msg(!strstr(res.out, "note: race.counter"), "%s", res.out);
    json_t *doc = load_report(&res);
    json_t *runs = json_object_get(doc, "runs"), *run;
    size_t i, own = 0;
    json_array_foreach(runs, i, run) {
        check_record(run);
        own += !is_taker(json_string_value(json_object_get(run, "scenario")));
    }
    ck_assert_uint_gt(own, 0);
    ck_assert_uint_gt(json_array_size(runs), own);
    json_decref(doc);
}
END_TEST

START_TEST(test_list_says_which_take_it)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"list", "--json", NULL});
    ck_assert_int_eq(res.status, 0);
    json_t *all = json_loads(res.out, 0, NULL), *s;
    size_t i, taking = 0;
    ck_assert_ptr_nonnull(all);
    json_array_foreach(all, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        bool takes = json_is_true(json_object_get(s, "takes_lock"));
        ck_assert_msg(takes == is_taker(name), "%s: takes_lock %d", name, takes);
        ck_assert_msg(takes == !json_object_get(s, "own_locking"), "%s: own_locking", name);
        taking += takes;
    }
    ck_assert_uint_eq(taking, sizeof takers / sizeof takers[0]);
    json_decref(all);
    run_cli(&res, false, (const char *const[]){"list", "--category", "race", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(res.out, "--lock chooses it") &&
                      strstr(res.out, "its own; --lock does not apply: its variants use atomics"),
                  "%s", res.out);
}
END_TEST

START_TEST(test_show_suggests_lock_only_where_it_applies)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"show", "race.publish", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(!strstr(res.out, "--lock ticket"), "%s", res.out);
    ck_assert_msg(strstr(res.out, "Locks: --lock does not apply: its variants use atomics"),
                  "%s", res.out);
    run_cli(&res, false, (const char *const[]){"show", "race.counter", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(res.out, "--lock ticket") && strstr(res.out, "Locks: of the kind --lock"),
                  "%s", res.out);
}
END_TEST

Suite *tl_suite_lock_scope(void)
{
    Suite *s = suite_create("lock_scope");
    TCase *tc = tcase_create("lock scope");
    /* Generous: a few short runs on a busy machine; no assertion is on time. */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_named_scenario_refuses_a_kind);
    tcase_add_test(tc, test_mutex_is_never_an_error);
    tcase_add_test(tc, test_category_runs_record_their_own_locking);
    tcase_add_test(tc, test_list_says_which_take_it);
    tcase_add_test(tc, test_show_suggests_lock_only_where_it_applies);
    suite_add_tcase(s, tc);
    return s;
}
