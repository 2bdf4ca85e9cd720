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

#endif
