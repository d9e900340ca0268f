/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "install_paths.h"

bool tl_install_self_dir(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0) {
        snprintf(out, size, "?");
        return false;
    }
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    return true;
}

void tl_install_relocated(const char *self_dir, const char *configured, char *out, size_t size)
{
    const char *bin = TL_BINDIR;
    size_t common = 0;
    for (size_t i = 0; bin[i] && bin[i] == configured[i]; i++)
        if (bin[i] == '/')
            common = i; /* the last shared '/' */
    const char *bin_rest = bin + common, *rest = configured + common; /* "/bin" */
    size_t dlen = strlen(self_dir), rlen = strlen(bin_rest);
    out[0] = '\0';
    if (rlen < dlen && strcmp(self_dir + dlen - rlen, bin_rest) == 0)
        snprintf(out, size, "%.*s%s", (int)(dlen - rlen), self_dir, rest);
}
