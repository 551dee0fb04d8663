#pragma once
// Internal to dsdn_multi: the file-system side of committee key material. A mode-checked read
// (refuses non-regular files, files over 1 MiB and modes that give group/others access), a
// no-overwrite durable write (temp file, fsync, link to the final name, the caller syncs the
// directory), mkdir -p, and the shared failure/secret-wiping helpers. The POSIX work is
// dsdn_io's (dsdn/io/posix_file.hpp); this maps its failures to committee_errc values with the
// messages committee_files.hpp's functions report.

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "dsdn/core/result.hpp"
#include "dsdn/multi/committee_files.hpp"

namespace dsdn::multi::detail {

using fail_t = failure<committee_errc>;

/// A committee failure with code `c` and message `m`.
fail_t fail(committee_errc c, std::string m);

/// Wipes a string that held secrets (hex of a share or key, a member file's text).
void wipe(std::string& s);

/// Reads a regular file of at most 1 MiB; refuses it (insecure_permissions) when its mode has
/// any bit of `forbidden` (e.g. 077 for a key file), saying group or others can `access_text`
/// it and to fix it with `chmod <fix_mode> <path>`. `what` names the file in messages.
committee_result<std::string> read_mode_checked(const std::string& path, const char* what,
                                                mode_t forbidden, const char* access_text,
                                                const char* fix_mode);

/// Whether anything (even a dangling link) exists at `path`.
bool exists(const std::string& path);

/// mkdir -p with mode 0700 for each created component; fails if `path` ends up no directory.
std::optional<fail_t> make_dirs(const std::string& path);

/// fsyncs directory `dir` so entries linked into it are durable.
std::optional<fail_t> fsync_dir(const std::string& dir);

/// Writes `text` to dir/name with `mode`: a temp file (fsync'd) linked to the final name, which
/// fails (already_exists) rather than replace an existing file; the caller syncs the directory.
std::optional<fail_t> write_new_file(const std::string& dir, std::string_view name,
                                     const std::string& text, mode_t mode);

}  // namespace dsdn::multi::detail
