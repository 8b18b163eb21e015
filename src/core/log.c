/* Structured logging (log.h). */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/timeutil.h"

static atomic_int log_level = ATT_LOG_INFO;
static atomic_int log_fd = 2;
static _Thread_local char request_id[ATT_MAX_REQUEST_ID + 1];

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int att__log_level_parse(const char *s)
{
    for (int i = 0; i <= ATT_LOG_OFF; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return ATT_LOG_WARN;
    return -1;
}

const char *att__log_level_name(int level)
{
    return level >= 0 && level <= ATT_LOG_OFF ? level_names[level] : "?";
}

void att__log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int att__log_get_level(void)
{
    return atomic_load(&log_level);
}

void att__log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

void att__log_set_request_id(const char *id)
{
    if (!id)
        id = "";
    size_t n = strnlen(id, ATT_MAX_REQUEST_ID);
    memcpy(request_id, id, n);
    request_id[n] = '\0';
}

const char *att__log_request_id(void)
{
    return request_id;
}

void att__log(int level, const char *msg, const char *kvfmt, ...)
{
    if (level < atomic_load(&log_level) || level >= ATT_LOG_OFF)
        return;
    char line[2048];
    char ts[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    att__time_format_ms(now.tv_sec, (int)(now.tv_nsec / 1000000), ts, sizeof(ts));
    int n = snprintf(line, sizeof(line), "%s level=%s", ts, level_names[level]);
    if (request_id[0] && n >= 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, " req=%s", request_id);
    if (n >= 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, " msg=\"%s\"", msg);
    if (kvfmt && n >= 0 && (size_t)n < sizeof(line) - 1) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, kvfmt);
        n += vsnprintf(line + n, sizeof(line) - (size_t)n, kvfmt, ap);
        va_end(ap);
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(atomic_load(&log_fd), line, (size_t)n);
    (void)w;
}
