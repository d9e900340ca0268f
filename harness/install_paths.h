/* SPDX-License-Identifier: MIT */
/* Where an installed threadlab finds what it installed beside itself (its
 * hosts, the scenario sources): wherever the tree was put - `make install
 * prefix=...`, DESTDIR, or a copy moved elsewhere - the way from its own
 * folder to them is the way from the configured bindir to the configured
 * folder, after the prefix the two share (/usr/local/bin ->
 * /usr/local/libexec/threadlab: "bin" -> "libexec/threadlab"). */
#ifndef TL_INSTALL_PATHS_H
#define TL_INSTALL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* The folder of the running executable; false (out "?") when unknown. */
bool tl_install_self_dir(char *out, size_t size);

/* `configured` (a folder configure chose) as seen from self_dir, the
 * running threadlab's folder; "" when self_dir does not end in the
 * configured bindir's own part. */
void tl_install_relocated(const char *self_dir, const char *configured, char *out, size_t size);

#endif
