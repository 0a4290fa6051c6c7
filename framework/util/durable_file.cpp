#include "util/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace gansweep {
namespace {

void sync_path(const std::filesystem::path& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    throw std::filesystem::filesystem_error(what, path,
                                            std::error_code(errno, std::generic_category()));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  // Some file systems (and /tmp on tmpfs) cannot sync a directory; the
  // rename is still atomic there, which is what matters after a kill.
  if (rc != 0 && saved != EINVAL && saved != EROFS) {
    throw std::filesystem::filesystem_error(what, path,
                                            std::error_code(saved, std::generic_category()));
  }
}

}  // namespace

void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& final_path) {
  sync_path(temporary, O_RDONLY, "cannot flush file to disk");
  std::filesystem::rename(temporary, final_path);
  const std::filesystem::path directory =
      final_path.has_parent_path() ? final_path.parent_path() : std::filesystem::path(".");
  sync_path(directory, O_RDONLY | O_DIRECTORY, "cannot flush directory to disk");
}

}  // namespace gansweep
