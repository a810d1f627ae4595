// Process-wide SQLite settings a program may choose; the library never changes them itself,
// because they belong to every SQLite user in the process.
#pragma once

#include "saga/status.h"

namespace saga {

// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS 0). Debian's SQLite keeps them on,
// so every SQLite allocation in the process takes one global mutex to count itself; off, the
// engine and the participants spend about 10 % fewer instructions per saga (docs/performance.md,
// "CPU per saga"). Nothing durable changes: only sqlite3_memory_used() and
// sqlite3_soft_heap_limit64() stop working.
//
// Call it first in main(), before any database is opened: SQLite accepts the setting only before
// it initializes. Afterwards it returns kFailedPrecondition and changes nothing (the program
// runs as before). Not thread-safe with other SQLite calls.
Status disable_sqlite_memory_statistics();

}  // namespace saga
