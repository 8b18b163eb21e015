/* Helpers shared by the unit tests: reading vector files from ../shared. */
#ifndef ATT_TESTUTIL_H
#define ATT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of a file under the shared directory (ATT_SHARED_DIR or ../shared beside the
 * source tree). Returns a static buffer. */
const char *tu_shared_path(const char *rel);
/* Path of a file under the source tree. Static buffer. */
const char *tu_source_path(const char *rel);
/* Reads a whole file (malloc'd, NUL-terminated; caller frees). Fails the test if absent. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* A fresh empty temporary directory (static buffer); removed by tu_rmtree. */
const char *tu_tmpdir(void);
void tu_rmtree(const char *path);

#endif
