/* SPDX-License-Identifier: MIT */
/* runs.jsonl: the record of every run, appended as each is judged, and the
 * rewriting of the full report files from it (see report.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "matrix.h"
#include "report.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool tl_report_open(tl_report *rep)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/runs.jsonl", rep->dir);
    rep->records_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return rep->records_fd >= 0;
}

void tl_report_close(tl_report *rep)
{
    if (rep->records_fd >= 0)
        close(rep->records_fd);
    rep->records_fd = -1;
}

/* The whole line or an error: a short write (a disk filling up) is retried
 * for the rest, and what could not be written is cut off again, so the
 * file never keeps half a record in front of the next one. */
static bool append_line(int fd, const char *text, size_t len)
{
    off_t before = lseek(fd, 0, SEEK_END);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int saved = n < 0 ? errno : ENOSPC;
            if (before >= 0 && ftruncate(fd, before) != 0) {
                /* Nothing more to do: a reader skips the cut line. */
            }
            errno = saved;
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

bool tl_report_record(tl_report *rep, const tl_run *r)
{
    json_t *rec = tl_report_run_json(r);
    char *line = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);
    if (!line) {
        errno = ENOMEM;
        return false;
    }
    size_t len = strlen(line);
    char *text = realloc(line, len + 2);
    if (!text) {
        free(line);
        errno = ENOMEM;
        return false;
    }
    text[len] = '\n';
    bool ok = append_line(rep->records_fd, text, len + 1);
    free(text);
    if (!ok)
        return false;
    rep->recorded++;
    if (r->state == TL_RUN_INTERRUPTED)
        rep->interrupted++;
    else if (r->env_error[0])
        rep->errors++;
    else if (r->not_demonstrable)
        rep->not_demonstrable++;
    else if (r->met)
        rep->met++;
    else
        rep->not_met++;
    return true;
}

/* Where one record stands in runs.jsonl. */
typedef struct {
    long long index;
    off_t at;
    size_t len;
} record_pos;

static int by_index(const void *a, const void *b)
{
    const record_pos *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

/* Records are appended as runs end, which with --jobs is not plan order;
 * readers get them in plan order. Only their positions are held (16 bytes
 * a run), never the records themselves. */
bool tl_report_each(const tl_report *rep, bool (*fn)(json_t *run, void *user), void *user)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/runs.jsonl", rep->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    record_pos *pos = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    off_t at = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &linecap, f)) > 0) {
        /* The index is the record's first field: no need to parse it all. */
        long long index;
        if (sscanf(line, "{\"index\":%lld", &index) == 1) {
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                record_pos *more = realloc(pos, cap * sizeof *pos);
                ok = more != NULL;
                pos = more ? more : pos;
            }
            if (ok)
                pos[n++] = (record_pos){index, at, (size_t)len};
        }
        at += len;
    }
    ok = ok && !ferror(f);
    if (n > 1) /* qsort wants a real array, even of nothing */
        qsort(pos, n, sizeof *pos, by_index);
    bool go = true;
    for (size_t i = 0; ok && go && i < n; i++) {
        if (fseeko(f, pos[i].at, SEEK_SET) != 0 || getline(&line, &linecap, f) <= 0) {
            ok = false;
            break;
        }
        json_t *run = json_loadb(line, pos[i].len, 0, NULL);
        if (!run)
            continue; /* a line cut short by a kill */
        go = fn(run, user);
        json_decref(run);
    }
    free(pos);
    free(line);
    fclose(f);
    return ok;
}

/* The report formats, each a writer of one file over the records. A new
 * format is one file in reports/ and one row here. The matrix writers
 * write only when the report asks for a matrix (rep->matrix); a writer
 * whose file the user names (`--junit FILE`) has `file` NULL and says
 * where in `elsewhere`. */
static const char *junit_path(const tl_report *rep) { return rep->junit_path; }
static const char *sarif_path(const tl_report *rep) { return rep->sarif_path; }
static const struct {
    const char *file;
    bool (*write)(const tl_report *rep);
    const char *(*elsewhere)(const tl_report *rep);
} writers[] = {
    {"report.json", tl_report_write_json, NULL},
    {"summary.md", tl_report_write_md, NULL},
    {"matrix.md", tl_report_write_matrix_md, NULL},
    {"matrix.json", tl_report_write_matrix_json, NULL},
    {NULL, tl_report_write_junit, junit_path},
    {NULL, tl_report_write_sarif, sarif_path},
};

bool tl_report_write(tl_report *rep)
{
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        if (!writers[i].write(rep)) {
            if (writers[i].file)
                fprintf(stderr, "threadlab: cannot write %s/%s: %s\n", rep->dir, writers[i].file,
                        strerror(errno));
            else
                fprintf(stderr, "threadlab: cannot write %s: %s\n", writers[i].elsewhere(rep),
                        strerror(errno));
            return false;
        }
    return true;
}

bool tl_report_write_due(tl_report *rep)
{
    double start = now_s();
    if (start < rep->next_write_s)
        return true;
    bool ok = tl_report_write(rep);
    double end = now_s();
    /* Twenty times the cost: rewriting then takes at most ~5% of the time,
     * however large the report has grown. */
    rep->next_write_s = end + 20 * (end - start);
    return ok;
}
