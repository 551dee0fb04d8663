#include "key_file_io.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

namespace dsdn::multi::detail {
namespace {

constexpr size_t max_file_size = size_t{1} << 20;

fail_t io_fail(const std::string& what, int err) {
  return fail(committee_errc::io_error, what + ": " + std::generic_category().message(err));
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

fail_t fail(committee_errc c, std::string m) {
  return fail_t{c, std::move(m)};
}

void wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

committee_result<std::string> read_mode_checked(const std::string& path, const char* what,
                                                mode_t forbidden, const char* access_text,
                                                const char* fix_mode) {
  // O_NONBLOCK so a FIFO planted in place of the file cannot hang the start.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return io_fail(std::string("cannot open ") + what + " " + path, errno);
  }
  fd_guard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return io_fail(std::string("cannot stat ") + what + " " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(committee_errc::io_error, std::string(what) + " " + path + " is not a file");
  }
  if ((st.st_mode & forbidden) != 0) {
    return fail(committee_errc::insecure_permissions,
                std::string(what) + " " + path + " has mode " + octal_mode(st.st_mode) +
                    ", so group or others can " + access_text + " it; fix it with `chmod " +
                    fix_mode + " " + path + "`");
  }
  std::string text(max_file_size + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int err = errno;
      wipe(text);
      return io_fail(std::string("cannot read ") + what + " " + path, err);
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got > max_file_size) {
    wipe(text);
    return fail(committee_errc::malformed, std::string(what) + " " + path + " is over 1 MiB");
  }
  text.resize(got);
  return text;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::optional<fail_t> make_dirs(const std::string& path) {
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    const std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix.back() != '/' && ::mkdir(prefix.c_str(), 0700) != 0) {
      const int err = errno;
      // Some file systems report EACCES/EROFS for a component that already exists.
      if (err != EEXIST && !is_directory(prefix)) {
        return io_fail("cannot create directory " + prefix, err);
      }
    }
    if (pos == std::string::npos) {
      break;
    }
  }
  if (!is_directory(path)) {
    return fail(committee_errc::io_error, path + " is not a directory");
  }
  return std::nullopt;
}

std::optional<fail_t> fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_fail("cannot open directory " + dir + " to sync it", errno);
  }
  fd_guard guard(fd);
  if (::fsync(fd) != 0) {
    return io_fail("cannot sync directory " + dir, errno);
  }
  return std::nullopt;
}

std::optional<fail_t> write_new_file(const std::string& dir, std::string_view name,
                                     const std::string& text, mode_t mode) {
  const std::string path = dir + "/" + std::string(name);
  const std::string temp = dir + "/." + std::string(name) + ".tmp";
  ::unlink(temp.c_str());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return io_fail("cannot create " + temp, errno);
  }
  fd_guard guard(fd);
  if (::fchmod(fd, mode) != 0 || !write_all(fd, text) || ::fsync(fd) != 0 || guard.close() != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot write " + temp, err);
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    return err == EEXIST ? fail(committee_errc::already_exists,
                                path + " already exists; refusing to overwrite key material")
                         : io_fail("cannot create " + path, err);
  }
  return std::nullopt;
}

}  // namespace dsdn::multi::detail
