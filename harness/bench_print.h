/* SPDX-License-Identifier: MIT */
/* The bench figures as a table (with ratio columns and the targets) and as
 * JSON. */
#ifndef TL_BENCH_PRINT_H
#define TL_BENCH_PRINT_H

#include <jansson.h>
#include <stdio.h>
#include "bench_engine.h"

void tl_bench_print(FILE *to, const tl_bench *b);
json_t *tl_bench_json(const tl_bench *b);

#endif
