/* SPDX-License-Identifier: MIT */
/* The list of lock kinds behind the generic interface. Each kind's file
 * defines its descriptor (tl_lock_kind, with its adaptors); adding a kind is
 * that file and one row here. The order of the rows is the listing order. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "tl_lock.h"
#include "tl_lock_node.h"

#define TL_LOCK_KINDS(ROW)                                                                 \
    ROW(mutex)         /* mutex.c */                                                       \
    ROW(fifo_mutex)    /* fifo_mutex.c */                                                  \
    ROW(tas)           /* spin_tas.c */                                                    \
    ROW(ttas)          /* spin_ttas.c */                                                   \
    ROW(ttas_eb)       /* spin_ttas_eb.c */                                                \
    ROW(ticket)        /* spin_ticket.c */                                                 \
    ROW(mcs)           /* spin_mcs.c */                                                    \
    ROW(clh)           /* spin_clh.c */                                                    \
    ROW(rwlock_rp)     /* rwlock_rp.c */                                                   \
    ROW(rwlock_wp)     /* rwlock_wp.c */                                                   \
    ROW(pthread_mutex) /* libc_mutex.c */                                                  \
    ROW(pthread_spin)  /* libc_spin.c */                                                   \
    ROW(broken_tas)    /* broken_tas.c */                                                  \
    ROW(relaxed_tas)   /* relaxed_tas.c */

#define DECLARE(ident) extern const tl_lock_kind tl_kind_##ident;
TL_LOCK_KINDS(DECLARE)
#undef DECLARE

#define ADDRESS(ident) &tl_kind_##ident,
static const tl_lock_kind *const kinds[] = {TL_LOCK_KINDS(ADDRESS)};
#undef ADDRESS

size_t tl_lock_kind_count(void)
{
    return sizeof kinds / sizeof kinds[0];
}

const tl_lock_kind *tl_lock_kind_at(size_t i)
{
    return i < tl_lock_kind_count() ? kinds[i] : NULL;
}

const tl_lock_kind *tl_lock_kind_find(const char *name)
{
    for (size_t i = 0; name && i < tl_lock_kind_count(); i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

/* Built once from the table; every caller only reads it. */
static const char *join_names(char *buf, size_t size, unsigned need)
{
    if (!buf[0]) {
        size_t off = 0;
        for (size_t i = 0; i < tl_lock_kind_count() && off < size; i++) {
            const tl_lock_kind *k = kinds[i];
            if ((k->flags & need) != need)
                continue;
            off += (size_t)snprintf(buf + off, size - off, "%s%s%s", off ? ", " : "", k->name,
                                    tl_lock_kind_is_broken(k) ? " (BROKEN)" : "");
        }
    }
    return buf;
}

const char *tl_lock_kind_names(void)
{
    static char names[512];
    return join_names(names, sizeof names, 0);
}

const char *tl_lock_kind_shared_names(void)
{
    static char names[256];
    return join_names(names, sizeof names, TL_KIND_SHARED);
}

const char *tl_lock_kind_check(const tl_lock_kind *k)
{
    if (!k->name || !k->name[0] || strlen(k->name) > TL_LOCK_KIND_NAME_MAX)
        return "its name is empty or longer than TL_LOCK_KIND_NAME_MAX";
    for (const char *c = k->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return "its name has a character other than a-z, 0-9 and '-'";
    if (!k->summary || !k->summary[0])
        return "it has no summary";
    if (!k->init || !k->lock || !k->trylock || !k->unlock || !k->raw)
        return "an operation is missing (init, lock, trylock, unlock and raw are required)";
    if (k->size == 0 || k->size > TL_LOCK_STORAGE)
        return "its storage size is 0 or larger than TL_LOCK_STORAGE";
    if (k->align == 0 || (k->align & (k->align - 1)) != 0 || k->align > TL_CACHE_LINE)
        return "its alignment is not a power of two up to TL_CACHE_LINE";
    if (k->node_size > TL_LOCK_NODE_PAYLOAD)
        return "its queue node is larger than a pool node's payload";
    if (!!(k->flags & TL_KIND_SHARED) != !!k->shared)
        return "shared operations without TL_KIND_SHARED, or the flag without them";
    if (k->shared && (!k->shared->rdlock || !k->shared->tryrdlock || !k->shared->rdunlock))
        return "a shared operation is missing";
    if ((k->flags & TL_KIND_WRITER_PREF) && !(k->flags & TL_KIND_SHARED))
        return "writer preference without a shared mode";
    if (!k->lock_ticket != !k->trylock_ticket)
        return "lock_ticket and trylock_ticket come together";
    if ((k->flags & TL_KIND_FIFO) && !k->waiters)
        return "a FIFO kind counts its waiters (the FIFO tests force arrival order with it)";
    const tl_lock_word *w = &k->word;
    if ((w->take == TL_WORD_NONE) != (w->release == TL_WORD_NONE))
        return "an inline word path needs both a take and a release";
    if (w->take != TL_WORD_NONE) {
        if (w->take != TL_WORD_EXCHANGE && w->take != TL_WORD_CAS)
            return "a word path takes by EXCHANGE or CAS";
        if (w->held == w->free || k->size < sizeof(uint32_t))
            return "a word path needs a 32-bit word with distinct free and held values";
        if (!w->lock_wait)
            return "a word path needs lock_wait, for a take that fails";
        if (w->release != TL_WORD_STORE && !w->unlock_wake)
            return "a word path released by EXCHANGE or CAS needs unlock_wake";
        if (k->flags & TL_KIND_BROKEN)
            return "a broken kind must run its own (broken) code: no inline word path";
    }
    if (k->libc != TL_LIBC_NONE && ((k->flags & TL_KIND_HANDBUILT) || w->take != TL_WORD_NONE ||
                                    k->size < (k->libc == TL_LIBC_PTHREAD_MUTEX
                                                   ? sizeof(pthread_mutex_t)
                                                   : sizeof(pthread_spinlock_t))))
        return "a libc kind is not hand-built, has no word path, and its storage is the libc lock";
    if ((k->flags & (TL_KIND_BROKEN | TL_KIND_HANDBUILT)) == TL_KIND_BROKEN)
        return "a broken kind is a hand-built one";
    return NULL;
}
