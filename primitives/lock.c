/* SPDX-License-Identifier: MIT */
/* The generic lock layer: dispatch to the kind, plus detector annotations for
 * the hand-built correct kinds (see tl_annotate.h for why only those). */
#include <string.h>
#include "tl_annotate.h"
#include "tl_lock.h"

static bool annotated(const tl_lock_t *l)
{
    return (l->kind->flags & (TL_KIND_HANDBUILT | TL_KIND_BROKEN)) == TL_KIND_HANDBUILT;
}

void tl_lock_init(tl_lock_t *l, const tl_lock_kind *kind, const char *name)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->name = name ? name : "lock";
    kind->init(l);
    if (annotated(l))
        TL__ANN_CREATE(l, &l->u, sizeof l->u);
}

int tl_lock_init_by_name(tl_lock_t *l, const char *kind_name, const char *name)
{
    const tl_lock_kind *k = tl_lock_kind_find(kind_name);
    if (!k)
        return -1;
    tl_lock_init(l, k, name);
    return 0;
}

void tl_lock_lock(tl_lock_t *l)
{
    if (annotated(l)) {
        TL__ANN_PRE_LOCK(l);
        l->kind->lock(l);
        TL__ANN_POST_LOCK(l);
    } else {
        l->kind->lock(l);
    }
}

bool tl_lock_trylock(tl_lock_t *l)
{
    if (!annotated(l))
        return l->kind->trylock(l);
    TL__ANN_PRE_TRYLOCK(l);
    bool ok = l->kind->trylock(l);
    TL__ANN_POST_TRYLOCK(l, ok);
    return ok;
}

void tl_lock_unlock(tl_lock_t *l)
{
    if (annotated(l)) {
        TL__ANN_PRE_UNLOCK(l);
        l->kind->unlock(l);
        TL__ANN_POST_UNLOCK(l);
    } else {
        l->kind->unlock(l);
    }
}

void tl_lock_destroy(tl_lock_t *l)
{
    if (annotated(l))
        TL__ANN_DESTROY(l);
    if (l->kind->destroy)
        l->kind->destroy(l);
}

unsigned tl_lock_waiters(tl_lock_t *l)
{
    return l->kind->waiters ? l->kind->waiters(l) : 0;
}

const char *tl_lock_annotations(void)
{
    return TL__ANNOTATIONS;
}
