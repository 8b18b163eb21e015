/* Structured logging: one line per event, `key=value` pairs after a fixed prefix
 * (time, level, request id). Thread-safe; each line is written with one write(2).
 * No secrets in logs: callers never pass key material, tokens or evidence bytes. */
#ifndef ATT_CORE_LOG_H
#define ATT_CORE_LOG_H

enum att__log_level { ATT_LOG_DEBUG = 0, ATT_LOG_INFO, ATT_LOG_WARN, ATT_LOG_ERROR, ATT_LOG_OFF };

/* Parses "debug|info|warn|error|off"; returns -1 if unknown. */
int att__log_level_parse(const char *s);
const char *att__log_level_name(int level);
void att__log_set_level(int level);
int att__log_get_level(void);
/* Log to this fd (default 2). */
void att__log_set_fd(int fd);

/* The current thread's request id ("" when none); set by the server per request. */
void att__log_set_request_id(const char *id);
const char *att__log_request_id(void);

/* Logs `msg` followed by the formatted key=value text (may be NULL). */
void att__log(int level, const char *msg, const char *kvfmt, ...)
    __attribute__((format(printf, 3, 4)));

#define att__debug(msg, ...) att__log(ATT_LOG_DEBUG, msg, __VA_ARGS__)
#define att__info(msg, ...)  att__log(ATT_LOG_INFO, msg, __VA_ARGS__)
#define att__warn(msg, ...)  att__log(ATT_LOG_WARN, msg, __VA_ARGS__)
#define att__error(msg, ...) att__log(ATT_LOG_ERROR, msg, __VA_ARGS__)

#endif
