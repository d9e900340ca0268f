/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <string.h>

#include "mermaid.h"

enum { MAX_ATTR = 512, MAX_EDGES = 512 };

typedef struct {
    char label[MAX_ATTR], shape[32], style[32], color[32];
} attrs_t;

/* The value after `key=` in a DOT attribute list, unquoted; "" if absent. */
static void attr(const char *list, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    size_t klen = strlen(key);
    for (const char *p = list; (p = strstr(p, key)) != NULL; p += klen) {
        if ((p > list && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) || p[klen] != '=')
            continue;
        const char *v = p + klen + 1;
        size_t n = 0;
        if (*v == '"') {
            for (v++; *v && *v != '"' && n + 1 < size; v++) {
                if (*v == '\\' && v[1])
                    out[n++] = *v++; /* keep the escape: \n and \" are read below */
                out[n++] = *v;
            }
        } else {
            while (*v && *v != ',' && *v != ']' && !isspace((unsigned char)*v) && n + 1 < size)
                out[n++] = *v++;
        }
        out[n] = '\0';
        return;
    }
}

/* A DOT label in Mermaid's quoted text: \n becomes a line break, a quote
 * Mermaid's entity, and the rest as is. */
static void text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' && s[1] == 'n') {
            fputs("<br/>", out);
            s++;
        } else if (*s == '\\' && s[1]) {
            s++;
            fputs(*s == '"' ? "#quot;" : "", out);
            if (*s != '"')
                fputc(*s, out);
        } else if (*s == '"') {
            fputs("#quot;", out);
        } else {
            fputc(*s, out);
        }
    }
}

/* An identifier: letters, digits and '_'. */
static size_t ident(const char *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    return n;
}

bool tl_dot_to_mermaid(const char *dot, FILE *out)
{
    char red_nodes[4096] = "";
    size_t nred = 0, nodes = 0, edges = 0;
    static unsigned red_edges[MAX_EDGES];
    size_t nred_edges = 0;
    fputs("flowchart LR\n", out);
    for (const char *line = dot; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t a = ident(p);
        if (a == 0 || !strncmp(p, "digraph", 7) || !strncmp(p, "node", 4) ||
            !strncmp(p, "edge", 4) || !strncmp(p, "label", 5) || !strncmp(p, "rankdir", 7) ||
            !strncmp(p, "layout", 6))
            continue;
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char stmt[1024];
        snprintf(stmt, sizeof stmt, "%.*s", (int)len, p);
        const char *list = strchr(stmt, '[');
        if (!list)
            continue;
        attrs_t at;
        attr(list, "label", at.label, sizeof at.label);
        attr(list, "shape", at.shape, sizeof at.shape);
        attr(list, "style", at.style, sizeof at.style);
        attr(list, "color", at.color, sizeof at.color);
        bool red = strcmp(at.color, "red") == 0;
        const char *arrow = strstr(stmt, "->");
        if (arrow && arrow < list) {
            const char *b = arrow + 2;
            while (*b == ' ')
                b++;
            size_t bl = ident(b);
            if (bl == 0)
                continue;
            bool dashed = strstr(at.style, "dashed") || strstr(at.style, "dotted");
            fprintf(out, "  %.*s %s", (int)a, p, dashed ? "-.->" : "-->");
            if (at.label[0]) {
                fputs("|\"", out);
                text(out, at.label);
                fputs("\"|", out);
            }
            fprintf(out, " %.*s\n", (int)bl, b);
            if (red && nred_edges < MAX_EDGES)
                red_edges[nred_edges++] = (unsigned)edges;
            edges++;
        } else {
            bool round = !strcmp(at.shape, "ellipse") || strstr(at.style, "rounded");
            fprintf(out, "  %.*s%s\"", (int)a, p, round ? "([" : "[");
            text(out, at.label[0] ? at.label : "");
            fprintf(out, "\"%s\n", round ? "])" : "]");
            if (red && nred + a + 2 < sizeof red_nodes)
                nred += (size_t)snprintf(red_nodes + nred, sizeof red_nodes - nred, "%s%.*s",
                                         nred ? "," : "", (int)a, p);
            nodes++;
        }
    }
    if (nred) {
        fputs("  classDef cycle stroke:#d00,stroke-width:2px,color:#d00\n", out);
        fprintf(out, "  class %s cycle\n", red_nodes);
    }
    if (nred_edges) {
        fputs("  linkStyle ", out);
        for (size_t i = 0; i < nred_edges; i++)
            fprintf(out, "%s%u", i ? "," : "", red_edges[i]);
        fputs(" stroke:#d00\n", out);
    }
    return nodes > 0;
}
