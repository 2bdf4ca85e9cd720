#define _GNU_SOURCE
#include "hostfiles.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

/* include/uapi/linux/openat2.h (not in bookworm's glibc headers). */
struct hostfile_open_how {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#define HOSTFILE_RESOLVE_NO_MAGICLINKS 0x02
#define HOSTFILE_RESOLVE_BENEATH 0x08

/* openat2 beneath dirfd, or openat where the kernel has no openat2 (before 5.6) or a sandbox
   refuses it: the caller resolved the path inside the root already, so only a change of the tree
   during the call could then lead out. */
static int open_beneath(int dirfd, const char *path, int flags, unsigned mode, int beneath) {
  if (beneath) {
    struct hostfile_open_how how = {(uint64_t)flags, (flags & O_CREAT) ? mode : 0,
                                     HOSTFILE_RESOLVE_BENEATH | HOSTFILE_RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno != ENOSYS && errno != EPERM && errno != E2BIG) return -errno;
  }
  int fd = openat(dirfd, path, flags, mode);
  return fd < 0 ? -errno : fd;
}

int hostfile_open(int dirfd, const char *path, int write, int beneath, int follow, unsigned *mode) {
  int flags = (write ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW);
  int fd = open_beneath(dirfd, path, flags, 0, beneath);
  if (fd == -ENXIO || fd == -ELOOP || fd == -ENODEV) {
    /* A FIFO without a reader (opened to write), a socket, a final symlink: say what is there. */
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
      if (mode) *mode = st.st_mode;
      return HOSTFILE_NOT_REGULAR;
    }
  }
  if (fd < 0) return fd;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (mode) *mode = st.st_mode;
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return HOSTFILE_NOT_REGULAR;
  }
  if (write && st.st_nlink != 1) {
    close(fd);
    return HOSTFILE_LINKED;
  }
  return fd;
}

int hostfile_write(int dirfd, const char *path, int beneath, const char *data, long len, unsigned *mode) {
  int fd = hostfile_open(dirfd, path, 1, beneath, 0, mode);
  if (fd < 0) return fd;
  /* sysfs takes a store in one write(2); a short write is the kernel's answer, not a reason to loop. */
  ssize_t n = write(fd, data, (size_t)len);
  int rc = n < 0 ? -errno : (n < len ? -EIO : 0);
  if (rc == 0) {
    struct statfs fs;
    if (fstatfs(fd, &fs) == 0 && fs.f_type != SYSFS_MAGIC && ftruncate(fd, (off_t)len) != 0) rc = -errno;
  }
  close(fd);
  return rc;
}

int hostfile_open_directory(int dirfd, const char *path, int beneath, int path_only) {
  int flags = O_DIRECTORY | O_CLOEXEC | (path_only ? O_PATH : O_RDONLY);
  return open_beneath(dirfd, path, flags, 0, beneath);
}

int hostfile_create_exclusive(int dirfd, const char *name, unsigned mode) {
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
  return fd < 0 ? -errno : fd;
}

int hostfile_open_lock(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return HOSTFILE_NOT_REGULAR;
  }
  if (st.st_nlink != 1) {
    close(fd);
    return HOSTFILE_LINKED;
  }
  return fd;
}

int hostfile_same_file(int fd, const char *path) {
  struct stat a, b;
  if (fstat(fd, &a) != 0) return -errno;
  if (stat(path, &b) != 0) return -errno;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- list's hot path: reads relative to a directory fd (see FunctionDirectories.swift) ---- */

int cpci_open_directory(int dirfd, const char *path) {
  int fd = dirfd < 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                     : openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  return fd < 0 ? -errno : fd;
}

int cpci_read_at(int dirfd, const char *path, char *buf, int size) {
  /* The root boundary's rules (hostfiles.h): no final link, no blocking open, regular files only. */
  int fd = hostfile_open(dirfd, path, 0, 0, 0, NULL);
  if (fd < 0) return fd;
  ssize_t n = read(fd, buf, (size_t)size);
  int saved = errno;
  close(fd);
  return n < 0 ? -saved : (int)n;
}

int cpci_is_sysfs(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return -errno;
  return fs.f_type == SYSFS_MAGIC;
}

#define HOSTFILE_RESOLVE_NO_XDEV 0x01

int cpci_read_sysfs_at(int dirfd, const char *path, char *buf, int size) {
  struct hostfile_open_how how = {O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0,
                                   HOSTFILE_RESOLVE_NO_XDEV | HOSTFILE_RESOLVE_BENEATH | HOSTFILE_RESOLVE_NO_MAGICLINKS};
  long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOSYS || errno == EPERM || errno == E2BIG) return cpci_read_at(dirfd, path, buf, size);
    /* ELOOP: a link; EXDEV: a mount over the attribute. Either is for the full reader to explain. */
    return -errno;
  }
  ssize_t n = read((int)fd, buf, (size_t)size);
  int saved = errno;
  close((int)fd);
  return n < 0 ? -saved : (int)n;
}

int cpci_readlink_at(int dirfd, const char *path, char *buf, int size) {
  ssize_t n = readlinkat(dirfd, path, buf, (size_t)size);
  return n < 0 ? -errno : (int)n;
}

int cpci_exists_at(int dirfd, const char *path) {
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) return 1;
  return errno == ENOENT ? 0 : -errno;
}

int cpci_read_entries(int fd, char *buf, int size) {
  long n = syscall(SYS_getdents64, fd, buf, (size_t)size);
  return n < 0 ? -errno : (int)n;
}

int cpci_entry(const char *buf, int size, int offset, const char **name, int *is_directory) {
  /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name */
  if (offset < 0 || offset + 19 >= size) return -1;
  unsigned short length;
  memcpy(&length, buf + offset + 16, sizeof length);
  if (length < 20 || offset + length > size) return -1;
  *is_directory = (unsigned char)buf[offset + 18] == 4; /* DT_DIR */
  *name = buf + offset + 19;
  if (!memchr(*name, 0, (size_t)(length - 19))) return -1;
  return offset + length;
}

void cpci_close_fd(int fd) { close(fd); }

int cpci_usable_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int)online : 1;
}
