/* SPDX-License-Identifier: MIT */
/* process.fork_with_lock_held: fork() while another thread holds a lock; the
 * child asks for it. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tl_scenario.h"

static tl_lock_t table_lock;   /* guards `table`, in the parent and in the child */
static unsigned long table;    /* the data the child reads */
static tl_turns_t turns = TL_TURNS_INIT;

/* What the child's exit status says. */
enum { CHILD_GOT_LOCK = 0, CHILD_LOCK_HELD = 1, CHILD_EXEC_FAILED = 127 };

/* The holder: inside its critical section when the fork happens (forced in
 * the buggy variant: it leaves only once the fork is done). */
static void *holder(void *arg)
{
    bool until_forked = *(bool *)arg;
    tl_lock_lock(&table_lock);
    table++;
    tl_turn_pass(&turns);            /* step 1: I hold table_lock */
    if (until_forked)
        tl_turn_wait(&turns, 2);     /* the fork has happened */
    tl_lock_unlock(&table_lock);
    return NULL;
}

/* In the child: take the lock, as any code touching `table` does. In the
 * potential mode by trylock, which cannot block: it shows the lock locked
 * in a process where no thread holds it (the child's only thread does not),
 * so nothing can ever unlock it. */
static int child_take_lock(const tl_ctx *ctx)
{
    if (ctx->mode == TL_MODE_POTENTIAL) {
        if (!tl_lock_trylock(&table_lock))
            return CHILD_LOCK_HELD;
    } else {
        tl_lock_lock(&table_lock);   /* actual mode: waits for ever */
    }
    TL_KEEP(table);
    tl_lock_unlock(&table_lock);
    return CHILD_GOT_LOCK;
}

/* Waits for the child and checks what it said. */
static void reap(tl_ctx *ctx, pid_t pid, const char *what, const char *fine)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        continue;
    bool ok = r == pid && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_GOT_LOCK;
    if (!ok && r == pid && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_LOCK_HELD)
        tl_oracle(ctx, what, false, "table_lock is locked in the child, held at the fork by "
                  "'holder', a thread the child does not have: nobody there can ever unlock it");
    else if (!ok)
        tl_oracle(ctx, what, false, "the child failed: wait status %#x", (unsigned)status);
    else
        tl_oracle(ctx, what, true, "%s", fine);
}

static void *buggy_forker(void *arg)
{
    tl_ctx *ctx = arg;
    tl_turn_wait(&turns, 1);         /* holder is in its critical section */
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_take_lock(ctx));
    tl_turn_pass(&turns);            /* step 2: forked; the holder may leave */
    if (pid < 0) {
        tl_oracle(ctx, "fork", false, "fork failed: errno %d", errno);
        return NULL;
    }
    reap(ctx, pid, "the child takes table_lock", "the child took table_lock and let it go");
    return NULL;
}

/* Fix 1: fork handlers. Before fork the forking thread takes the lock (so
 * no other thread can be inside), and after it each process releases its
 * own copy: the child's copy is held by the child's only thread, which can
 * release it. */
static void prepare(void) { tl_lock_lock(&table_lock); }
static void after(void) { tl_lock_unlock(&table_lock); }

static void *atfork_forker(void *arg)
{
    tl_ctx *ctx = arg;
    tl_turn_wait(&turns, 1);         /* holder is (or was) in its critical section */
    pid_t pid = fork();              /* prepare() waits for the holder to leave */
    if (pid == 0)
        _exit(child_take_lock(ctx));
    if (pid < 0) {
        tl_oracle(ctx, "fork", false, "fork failed: errno %d", errno);
        return NULL;
    }
    reap(ctx, pid, "the child takes table_lock", "the child took table_lock and let it go");
    return NULL;
}

/* Fix 2: fork and exec at once. Between the two the child calls only
 * async-signal-safe functions (execve, _exit), touching no lock; the exec
 * replaces the copied memory, locked locks included. The program run,
 * /bin/true, stands for the one a real program would start. */
static void *exec_forker(void *arg)
{
    tl_ctx *ctx = arg;
    static char *const argv[] = {"true", NULL}, *const envp[] = {NULL};
    tl_turn_wait(&turns, 1);         /* holder is in its critical section */
    pid_t pid = fork();
    if (pid == 0) {
        execve("/bin/true", argv, envp);
        _exit(CHILD_EXEC_FAILED);
    }
    tl_turn_pass(&turns);            /* step 2: forked; the holder may leave */
    if (pid < 0) {
        tl_oracle(ctx, "fork", false, "fork failed: errno %d", errno);
        return NULL;
    }
    reap(ctx, pid, "the child execs /bin/true", "the child ran /bin/true, which exited 0");
    return NULL;
}

static void run(tl_ctx *ctx, void *(*forker)(void *), bool until_forked)
{
    tl_thread_t h, f;
    tl_ctx_lock_init(ctx, &table_lock, "table_lock");
    tl_thread_start(&h, "holder", holder, &until_forked);
    tl_thread_start(&f, "forker", forker, ctx);
    tl_thread_join(&h);
    tl_thread_join(&f);
    tl_oracle_expect_u64(ctx, "table updates in the parent", 1, table);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_forker, true); }

static void fixed_atfork(tl_ctx *ctx)
{
    /* Registered once per host: every run is a host of its own. */
    pthread_atfork(prepare, after, after);
    run(ctx, atfork_forker, false);
}

static void fixed_exec(tl_ctx *ctx) { run(ctx, exec_forker, true); }

TL_SCENARIO(process_fork_with_lock_held) = {
    .name = "process.fork_with_lock_held",
    .category = "process",
    .summary = "fork() while another thread holds a lock; the child asks for it",
    .concept = "fork copies one thread: locks held by the others stay locked",
    .teaching =
        "fork() gives the child a copy of the whole address space but only of the thread "
        "that called it. Thread 'holder' is inside its critical section, holding "
        "table_lock, when thread 'forker' forks (forced). The child's copy of table_lock "
        "is locked - its memory says so - yet its holder is a thread the child does not "
        "have: no thread in the child can ever unlock it, and the child's first lock() "
        "waits for ever, while the parent's holder goes on and unlocks the parent's copy. "
        "Any lock a library takes (malloc's, stdio's) can be caught the same way, which "
        "is why POSIX allows only async-signal-safe calls in the child of a "
        "multithreaded process. In the actual mode the child blocks and the live monitor "
        "names it a fork-deadlock: a lock held at the fork by a thread absent in the "
        "child. In the potential mode the child tries the lock with trylock, which cannot "
        "block: it finds it locked though no thread in its process holds it - proof "
        "that lock() would never return. Fix 1 registers fork handlers (pthread_atfork): "
        "before fork the forking thread takes the lock, so no other thread is inside, "
        "and after it the parent and the child each release their copy - the child's "
        "copy is then held by the child's own thread. Fix 2 forks and at once execs: "
        "between the two the child calls only async-signal-safe functions and takes no "
        "lock, and exec replaces the copied memory, locked locks and all.",
    .coffman =
        "Not a cycle, so not the four conditions as for deadlock.abba: table_lock is "
        "exclusive (mutual exclusion), its holder in the child is a thread that never "
        "runs there and so holds it for ever (hold and wait, with a holder that waits "
        "for nothing), and lock() cannot take it back (no preemption); there is no "
        "circular wait - the monitor names it fork-deadlock, not deadlock.",
    .detector_note =
        "TSan sees one process at a time and no report here: the child's lock() blocks "
        "(a blocked thread is not a report), its trylock simply fails. The live monitor "
        "sees the child as a process of its own (the lab's fork handler gives the child's "
        "thread a slot recording the locks other threads held at the fork) and gives "
        "the fork-deadlock verdict; the potential mode's oracle proves it by trylock. "
        "Under TSan the child of a multithreaded process must not start threads, and "
        "none does here.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .has_modes = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "oracle:violated", .expect_actual = "monitor:fork-deadlock",
         .about = "fork while 'holder' holds table_lock; the child asks for it (potential: "
                  "trylock; actual: lock)"},
        {.name = "fixed-atfork", .role = TL_ROLE_FIXED, .entry = fixed_atfork, .expect = "",
         .about = "pthread_atfork: take table_lock before fork, release it after, in the "
                  "parent and in the child",
         .breaks = "hold and wait: at the fork no other thread holds the lock (prepare "
                   "waits for it), so no thread absent in the child holds anything there"},
        {.name = "fixed-exec", .role = TL_ROLE_FIXED, .entry = fixed_exec, .expect = "",
         .about = "fork then exec at once: only async-signal-safe calls in the child, no lock",
         .breaks = "hold and wait: the child waits for no lock at all - exec replaces the "
                   "copied memory, locked locks included"},
    },
};
