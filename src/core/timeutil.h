/* Time helpers: UTC formatting and RFC 3339 parsing, reentrant and locale-free. */
#ifndef ATT_CORE_TIMEUTIL_H
#define ATT_CORE_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Seconds since the epoch, now. */
int64_t att__now(void);
/* Monotonic nanoseconds, for durations. */
uint64_t att__mono_ns(void);
/* "2026-11-23T17:40:00Z" into out (cap >= 21). Returns out. */
char *att__time_format(int64_t t, char *out, size_t cap);
/* "2026-11-23T17:40:00.123Z" into out (cap >= 25). */
char *att__time_format_ms(int64_t t, int ms, char *out, size_t cap);
/* Parses RFC 3339 ("2026-11-23T17:40:00Z", "...T17:40:00.5+01:00") into epoch seconds.
 * Fractions are truncated. ATT_EPARSE on anything else. */
int att__time_parse(const char *s, int64_t *t);
/* Days-from-civil conversions (proleptic Gregorian, UTC). */
int64_t att__days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
