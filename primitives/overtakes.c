/* SPDX-License-Identifier: MIT */
/* Overtake counting (tl_overtakes.h).
 *
 * State: `low` is the earliest ticket not yet served; `served` marks which
 * of the next TL_OVERTAKES_WINDOW tickets were served ahead of it. Bit 0 is
 * always clear between calls (low itself is unserved). Tickets and `low`
 * are compared modulo 2^32, so a ticket lock's wrap-around is harmless. */
#include "tl_overtakes.h"

void tl_overtakes_init(tl_overtakes_t *o, uint32_t first)
{
    *o = (tl_overtakes_t){.low = first};
}

static uint32_t popcount64(uint64_t x)
{
    uint32_t n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

uint32_t tl_overtakes_acquired(tl_overtakes_t *o, uint32_t ticket)
{
    o->acquisitions++;
    uint32_t d = ticket - o->low; /* places behind the earliest unserved ticket */
    if (d >= TL_OVERTAKES_WINDOW || (o->served >> d) & 1) {
        /* Served twice, or ahead of more waiters than any run of ours has
         * threads: no FIFO lock does either. Counted, never tracked. */
        o->out_of_window++;
        o->overtakes++;
        return 1;
    }
    /* The tickets in [low, ticket) not yet served are threads still waiting
     * that drew before this one. */
    uint64_t below = d ? o->served & ((UINT64_C(1) << d) - 1) : 0;
    uint32_t overtaken = d - popcount64(below);
    o->overtakes += overtaken;
    o->served |= UINT64_C(1) << d;
    while (o->served & 1) { /* low moves past every served ticket */
        o->served >>= 1;
        o->low++;
    }
    return overtaken;
}
