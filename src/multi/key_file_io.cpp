#include "key_file_io.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "dsdn/io/posix_file.hpp"

namespace dsdn::multi::detail {
namespace {

constexpr size_t max_file_size = size_t{1} << 20;

fail_t io_fail(const io::file_error& e) {
  return fail(committee_errc::io_error, e.message);
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
  std::string text;
  const auto e =
      io::read_mode_checked(path, {what, forbidden, access_text, fix_mode, max_file_size}, text);
  if (!e) {
    return text;
  }
  switch (e->refusal) {
    case io::file_refusal::not_regular:
      return fail(committee_errc::io_error, std::string(what) + " " + path + " is not a file");
    case io::file_refusal::insecure_mode:
      return fail(committee_errc::insecure_permissions, e->message);
    case io::file_refusal::too_big:
      return fail(committee_errc::malformed, std::string(what) + " " + path + " is over 1 MiB");
    case io::file_refusal::none:
    case io::file_refusal::not_directory:
      break;
  }
  return io_fail(*e);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::optional<fail_t> make_dirs(const std::string& path) {
  if (auto e = io::make_dirs(path)) {
    return io_fail(*e);
  }
  return std::nullopt;
}

std::optional<fail_t> fsync_dir(const std::string& dir) {
  if (auto e = io::fsync_dir(dir)) {
    return io_fail(*e);
  }
  return std::nullopt;
}

std::optional<fail_t> write_new_file(const std::string& dir, std::string_view name,
                                     const std::string& text, mode_t mode) {
  const std::string path = dir + "/" + std::string(name);
  const std::string temp = dir + "/." + std::string(name) + ".tmp";
  ::unlink(temp.c_str());
  if (auto e = io::write_synced_file(temp, text, O_EXCL, mode, io::umask_policy::ignore, temp)) {
    return io_fail(*e);
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    return err == EEXIST
               ? fail(committee_errc::already_exists,
                      path + " already exists; refusing to overwrite key material")
               : fail(committee_errc::io_error, io::errno_message("cannot create " + path, err));
  }
  return std::nullopt;
}

}  // namespace dsdn::multi::detail
