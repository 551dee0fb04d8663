#include "dsdn/io/posix_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

namespace dsdn::io {
namespace {

file_error errno_error(const std::string& what, int err) {
  return file_error{err, file_refusal::none, errno_message(what, err)};
}

file_error refusal(file_refusal why, std::string message) {
  return file_error{0, why, std::move(message)};
}

// Zeroes the buffer through a volatile pointer so the stores are not optimized away (the text
// may be a secret key), then empties it.
void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) {
    p[i] = '\0';
  }
  s.clear();
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

std::string errno_message(const std::string& what, int err) {
  return what + ": " + std::generic_category().message(err);
}

fd_guard::~fd_guard() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int fd_guard::release() {
  return std::exchange(fd_, -1);
}

int fd_guard::close() {
  return ::close(std::exchange(fd_, -1));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int read_at_most(int fd, size_t limit, std::string& out, bool& too_big) {
  out.assign(limit + 1, '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  too_big = got > limit;
  if (too_big) {
    out[limit] = '\0';  // leave no text behind the string's end
  }
  out.resize(std::min(got, limit));
  return 0;
}

std::optional<file_error> make_dirs(const std::string& path) {
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    const std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix.back() != '/' && ::mkdir(prefix.c_str(), 0700) != 0) {
      const int err = errno;
      // Some file systems report EACCES/EROFS for a component that already exists.
      if (err != EEXIST && !is_directory(prefix)) {
        return errno_error("cannot create directory " + prefix, err);
      }
    }
    if (pos == std::string::npos) {
      break;
    }
  }
  if (!is_directory(path)) {
    return refusal(file_refusal::not_directory, path + " is not a directory");
  }
  return std::nullopt;
}

std::optional<file_error> fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno_error("cannot open directory " + dir + " to sync it", errno);
  }
  fd_guard guard(fd);
  if (::fsync(fd) != 0) {
    return errno_error("cannot sync directory " + dir, errno);
  }
  return std::nullopt;
}

std::optional<file_error> read_mode_checked(const std::string& path, const read_checks& checks,
                                            std::string& out) {
  const std::string named = std::string(checks.what) + " " + path;
  // O_NONBLOCK so a FIFO planted in place of the file cannot hang the caller.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return errno_error("cannot open " + named, errno);
  }
  fd_guard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return errno_error("cannot stat " + named, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return refusal(file_refusal::not_regular, named + " is not a regular file");
  }
  if ((st.st_mode & checks.forbidden) != 0) {
    return refusal(file_refusal::insecure_mode,
                   named + " has mode " + octal_mode(st.st_mode) + ", so group or others can " +
                       checks.access_text + " it; fix it with `chmod " + checks.fix_mode + " " +
                       path + "`");
  }
  bool too_big = false;
  if (const int err = read_at_most(fd, checks.max_size, out, too_big); err != 0) {
    wipe(out);
    return errno_error("cannot read " + named, err);
  }
  if (too_big) {
    wipe(out);
    return refusal(file_refusal::too_big,
                   named + " is larger than " + std::to_string(checks.max_size) + " bytes");
  }
  return std::nullopt;
}

std::optional<file_error> write_synced_file(const std::string& path, std::string_view data,
                                            int flags, mode_t mode, umask_policy umask,
                                            const std::string& label) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
  if (fd < 0) {
    return errno_error("cannot create " + label, errno);
  }
  fd_guard guard(fd);
  const bool written = (umask == umask_policy::apply || ::fchmod(fd, mode) == 0) &&
                       write_all(fd, data) && ::fsync(fd) == 0 && guard.close() == 0;
  if (!written) {
    const int err = errno;
    ::unlink(path.c_str());
    return errno_error("cannot write " + label, err);
  }
  return std::nullopt;
}

}  // namespace dsdn::io
