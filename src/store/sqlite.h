/* The SQLite backend of the store (store.h): the embedded default, one database file
 * <data_dir>/attestd.db in WAL mode. See docs/internals/store.md for its durability and
 * concurrency decisions. */
#ifndef ATT_STORE_SQLITE_H
#define ATT_STORE_SQLITE_H

#include "store/store.h"

/* File name of the database inside the data directory. */
#define ATT_STORE_SQLITE_FILE "attestd.db"

/* Default busy timeout: how long a write waits for a lock held by another process
 * (a CLI, a backup) before failing with ATT_EBUSY. */
#define ATT_STORE_SQLITE_BUSY_MS 5000

/* Opens (creating if needed, mode 0600) data_dir/attestd.db, creating data_dir with mode
 * 0700 if it does not exist, and applies pending schema migrations. busy_timeout_ms <= 0
 * means ATT_STORE_SQLITE_BUSY_MS. *out is owned by the caller (att__store_close). */
int att__store_sqlite_open(const char *data_dir, int busy_timeout_ms, att__store **out,
                           att_diag *d);

/* Test hook: the nth statement executed inside write transactions from now on fails as if
 * the disk had failed (counting every statement of every write, COMMIT included), so a
 * test can break a write half way and check that it rolled back. 0 disables. */
void att__store_sqlite_fail_nth(att__store *s, int nth);

#endif
