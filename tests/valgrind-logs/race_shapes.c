/* SPDX-License-Identifier: MIT */
/* Two races whose memory Valgrind describes differently from a global's:
 * a heap block and a local variable of main's frame, each written by a
 * named thread and then by main with no synchronisation between (a sleep
 * orders them in time, which neither Helgrind nor DRD counts). For the
 * samples of tests/valgrind-logs/README.md; compiled by hand with
 * gcc -g -gdwarf-4 -pthread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *heap_writer(void *arg)
{
    int *cell = arg;
    pthread_setname_np(pthread_self(), "heap-writer");
    cell[1] = 1;
    return NULL;
}

static void *stack_writer(void *arg)
{
    long *local = arg;
    pthread_setname_np(pthread_self(), "stack-writer");
    *local = 2;
    return NULL;
}

static __attribute__((noinline)) void heap_race(void)
{
    pthread_t t;
    int *cell = calloc(4, sizeof *cell);
    pthread_create(&t, NULL, heap_writer, cell);
    usleep(200 * 1000);
    cell[1] = 3;
    pthread_join(t, NULL);
    free(cell);
}

static __attribute__((noinline)) void stack_race(void)
{
    pthread_t t;
    long local = 0;
    pthread_create(&t, NULL, stack_writer, &local);
    usleep(200 * 1000);
    local = 4;
    pthread_join(t, NULL);
}

int main(void)
{
    heap_race();
    stack_race();
    return 0;
}
