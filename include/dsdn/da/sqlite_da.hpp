#pragma once
// The embedded DA (default): blobs in SQLite under the data dir, WAL mode, synchronous=FULL,
// a submit acknowledged only after its transaction is durable. A schema version guards
// against opening a database written by an incompatible build.

#include <memory>
#include <string>

#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

inline constexpr int sqlite_da_schema_version = 1;

/// Opens (creating if absent) the DA database at `path`. The caller holds the data dir lock
/// (see data_dir.hpp); the database is also opened with an exclusive SQLite lock.
da_result<std::unique_ptr<da_backend>> open_sqlite_da(const std::string& path);

}  // namespace dsdn::da
