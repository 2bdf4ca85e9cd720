#ifndef CPCI_HOSTFILES_H
#define CPCI_HOSTFILES_H

#include <stddef.h>

/*
 * The root boundary, in C because every rule is one flag or one field of a syscall:
 *  - the final component is never followed (O_NOFOLLOW) and opening never blocks (O_NONBLOCK: a
 *    FIFO planted as an attribute would block open(2) forever);
 *  - with a root fd (`beneath` nonzero), the kernel itself resolves the path beneath it
 *    (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): a link swapped in between the caller's
 *    rooted walk and this open cannot lead out. Kernels before 5.6 (ENOSYS) fall back to openat
 *    on the path the caller resolved;
 *  - fstat must say regular file before any byte is read or written (sysfs attributes are
 *    regular files; a device node or FIFO is refused, never opened for data);
 *  - reads are capped, writes never create or truncate the file on open.
 * Errors come back as -errno; a file of another type as HOSTFILE_NOT_REGULAR with its st_mode in
 * *mode, a hard-linked file where writing needs a single
 * link as HOSTFILE_LINKED.
 */

enum {
  HOSTFILE_NOT_REGULAR = -100001,
  HOSTFILE_LINKED = -100002,
};

/* Opens `path` (relative to dirfd; dirfd may be AT_FDCWD) for reading (`write` 0) or writing
   (`write` 1, never O_CREAT or O_TRUNC) and checks it is a regular file; `follow` allows a final
   symlink (only for paths the user typed, such as `-f FILE`). Writing also requires one link
   (st_nlink 1): a hard link planted in a capture could lead to any file on the same filesystem.
   Returns the fd, or an error as above. *mode gets st_mode when the file was opened. */
int hostfile_open(int dirfd, const char *path, int write, int beneath, int follow, unsigned *mode);

/* Writes `len` bytes at offset 0 of the regular file at path. On sysfs that is the store (the kernel
   ignores the file size); on an ordinary tree (a capture, a fixture copy) the file is then cut to
   `len` bytes, so it reads back as the attribute would. Returns 0 or an error as hostfile_open's. */
int hostfile_write(int dirfd, const char *path, int beneath, const char *data, long len, unsigned *mode);

/* A directory fd (O_PATH when `path_only`, else readable for getdents), resolved beneath dirfd when
   `beneath`; -errno. */
int hostfile_open_directory(int dirfd, const char *path, int beneath, int path_only);

/* Creates a file that must not exist yet (O_CREAT|O_EXCL|O_NOFOLLOW), relative to a directory fd;
   fd or -errno. */
int hostfile_create_exclusive(int dirfd, const char *name, unsigned mode);

/* Opens (creating it when absent) the lock file `name` in dirfd: never through a final link, a
   regular file with one link; fd or an error as hostfile_open's. */
int hostfile_open_lock(int dirfd, const char *name);

/* fstat's st_dev/st_ino of fd and stat's (following links, as another library will) of path agree:
   1 same file, 0 not, -errno when path cannot be stat'ed. */
int hostfile_same_file(int fd, const char *path);

/*
 * sysfs reads relative to a directory fd (list's hot path: no path strings, no rooted walk per
 * attribute). None of them follows a symlink in the final component; callers pass names whose
 * other components are known to be real directories. Errors come back as -errno.
 */
/* Opens a directory for *at() calls: by absolute path (dirfd < 0) or relative to dirfd. */
int cpci_open_directory(int dirfd, const char *path);
/* Reads up to size bytes of a regular file (one read: sysfs attributes are at most a page); opened
 * as hostfile_open does (no final link, non-blocking, regular files only: HOSTFILE_NOT_REGULAR). */
int cpci_read_at(int dirfd, const char *path, char *buf, int size);
/* 1 when fd is a directory on sysfs, 0 when not, -errno. */
int cpci_is_sysfs(int fd);
/* cpci_read_at for a dirfd on sysfs (cpci_is_sysfs): opened beneath it without crossing a mount
 * (RESOLVE_NO_XDEV), so what opens is a kernfs node, and kernfs has only directories, links and
 * regular-file attributes: no fstat needed. Falls back to cpci_read_at without openat2. */
int cpci_read_sysfs_at(int dirfd, const char *path, char *buf, int size);
/* The link's target text (not NUL-terminated), its length, or -errno (-EINVAL: not a link). */
int cpci_readlink_at(int dirfd, const char *path, char *buf, int size);
/* 1 when something (file, dir or link) exists at path, 0 when not (ENOENT), else -errno. */
int cpci_exists_at(int dirfd, const char *path);
/* Reads directory entries (getdents64) into buf; bytes filled, 0 at the end, or -errno. Each entry:
 * 8-byte inode, 8-byte offset, 2-byte record length, 1-byte type, NUL-terminated name. */
int cpci_read_entries(int fd, char *buf, int size);
/* Decodes the record at `offset` of what cpci_read_entries filled (`size` bytes): *name points at its
 * NUL-terminated name, *is_directory is 1 for DT_DIR. Returns the next record's offset, or -1 when
 * the record is damaged. */
int cpci_entry(const char *buf, int size, int offset, const char **name, int *is_directory);
void cpci_close_fd(int fd);

/* CPUs this process may run on (its affinity mask, which containers and taskset narrow), at least 1. */
int cpci_usable_cpus(void);

#endif
