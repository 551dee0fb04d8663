#pragma once
// POSIX file helpers shared by the committee key files (dsdn_multi) and the data directory
// (dsdn_da): an owning file descriptor, whole reads and writes that retry EINTR, mkdir -p,
// directory fsync, a mode-checked read of a (secret) file and a created-and-synced write.
//
// Failures are errno-style `file_error`s; each caller maps them to its own error codes and,
// where its wording differs, its own messages.

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dsdn::io {

/// Why a helper refused a path that no system call failed on.
enum class file_refusal {
  none,           ///< a system call failed: see file_error::err
  not_directory,  ///< make_dirs: the path exists but is no directory
  not_regular,    ///< read_mode_checked: not a regular file (a directory, FIFO, device...)
  insecure_mode,  ///< read_mode_checked: the mode has a forbidden bit
  too_big,        ///< read_mode_checked: the file is larger than the limit
};

/// A failed file operation.
struct file_error {
  /// errno of the failed system call (e.g. ENOENT when the file to read does not exist); 0 for
  /// a refusal.
  int err = 0;
  file_refusal refusal = file_refusal::none;
  /// "<what was attempted>: <strerror(err)>", or for a refusal a sentence naming the path.
  std::string message;
};

/// "<what>: <strerror(err)>", the wording of every system-call failure here.
std::string errno_message(const std::string& what, int err);

/// Owns a file descriptor and closes it when it goes out of scope.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard();
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  /// Gives the descriptor up without closing it.
  int release();
  /// Closes now and returns close()'s result (it can carry a deferred write error).
  int close();

 private:
  int fd_;
};

/// Writes all of `data` to `fd`, retrying EINTR and short writes; false with errno set.
bool write_all(int fd, std::string_view data);

/// Reads `fd` from offset 0 (pread) into `out`, at most `limit` bytes; `too_big` tells whether
/// the file holds more. Returns 0, or the errno of the failed read.
int read_at_most(int fd, size_t limit, std::string& out, bool& too_big);

/// mkdir -p: creates each missing component of `path` with mode 0700 (existing ones are left
/// as they are). Fails with "cannot create directory <component>: ..." or, when `path` ends up
/// no directory, with refusal not_directory ("<path> is not a directory").
std::optional<file_error> make_dirs(const std::string& path);

/// fsyncs directory `dir` so the entries created or renamed in it are durable.
std::optional<file_error> fsync_dir(const std::string& dir);

/// What read_mode_checked refuses, and how its messages name the file.
struct read_checks {
  const char* what;         ///< names the file in messages: "identity key"
  mode_t forbidden;         ///< mode bits that refuse the file, e.g. 077
  const char* access_text;  ///< what group or others could do: "access", "write"
  const char* fix_mode;     ///< the mode the message suggests: "600"
  size_t max_size;          ///< larger files are refused (too_big)
};

/// Reads the regular file `path` into `out` after checking its mode. The open is
/// non-blocking, so a FIFO planted in place of the file cannot hang the caller. Failures:
/// "cannot open|stat|read <what> <path>: ..." (err == ENOENT when it does not exist), and the
/// refusals not_regular, insecure_mode ("<what> <path> has mode 0644, so group or others can
/// <access_text> it; fix it with `chmod <fix_mode> <path>`") and too_big. Whatever was read is
/// wiped from memory when the read fails.
std::optional<file_error> read_mode_checked(const std::string& path, const read_checks& checks,
                                            std::string& out);

/// Whether the mode a file is created with is left to the process umask.
enum class umask_policy {
  apply,   ///< `mode` less the umask, as open(2) gives it
  ignore,  ///< exactly `mode` (fchmod after the open)
};

/// Creates `path` with open(2) flags O_WRONLY | O_CREAT | O_CLOEXEC | `flags` (O_EXCL, O_TRUNC)
/// and `mode`, writes `data`, fsyncs and closes it; after a failed write the file is unlinked
/// again. Fails with "cannot create <label>: ..." or "cannot write <label>: ...". Syncing the
/// directory is up to the caller.
std::optional<file_error> write_synced_file(const std::string& path, std::string_view data,
                                            int flags, mode_t mode, umask_policy umask,
                                            const std::string& label);

}  // namespace dsdn::io
