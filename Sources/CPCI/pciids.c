#define _GNU_SOURCE
#include "pciids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- pci.ids without libpci's full load ----
   libpci parses all of pci.ids (1.3 MB, ~40k hash entries) on its first name lookup. A report needs
   a handful of names, so this reads the file once, checks every line with the same rules as libpci's
   parser (names-parse.c: syntax, nesting, duplicates), remembers where each vendor and class block
   starts, and answers lookups by rescanning one block. Whatever it cannot vouch for (a parse error,
   a generic subsystem block, NUL bytes, long lines, gzip) makes cpci_ids_open return NULL, and the
   caller asks libpci, which gives the real answer or its own error message.

   The check is most of `list`'s work on a small host, so it reads each line where it lies (no copy)
   and keeps its tables small (a vendor hash, not 64k-entry arrays: fewer pages to fault in). */

#define IDS_LINE 1024

/* A vendor's block: where its name is and where its device lines start. */
struct ids_vendor {
  int32_t block;    /* offset of the line after the vendor line */
  int32_t name;     /* offset of the vendor's name text */
  int16_t name_len; /* 0: a free slot (names are never empty) */
  uint16_t id;
};

struct cpci_ids {
  const char *data; /* the file's bytes (an anonymous mapping) */
  size_t size;
  struct ids_vendor *vendors; /* open addressing, a power of two of slots, at most half full */
  uint32_t vendor_slots, vendor_count, vendor_bits;
  int has_cr; /* whether any line needs cutting at a CR (most files have none) */
  int32_t class_block[256]; /* -1 when absent */
  int32_t class_name[256];
  int16_t class_name_len[256];
};

static inline int ids_white(int c) { return c == ' ' || c == '\t'; }

/* The value of `cnt` hex digits at p, or -1; reads stop at `end` (the end of the line). */
/* Hex digit values by byte; 0x80 for anything else. */
static const unsigned char ids_digit[256] = {
  [0 ... '0' - 1] = 0x80,
  ['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7, ['8'] = 8, ['9'] = 9,
  ['9' + 1 ... 'A' - 1] = 0x80,
  ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
  ['F' + 1 ... 'a' - 1] = 0x80,
  ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15,
  ['f' + 1 ... 255] = 0x80,
};

/* The value of `cnt` (2 or 4) hex digits at p, or -1; reads stop at `end` (the end of the line). */
static inline int ids_hex(const char *p, const char *end, int cnt) {
  if (end - p < cnt) return -1; /* a short line has a non-digit (its end) among the first cnt */
  const unsigned char *u = (const unsigned char *)p;
  unsigned a = ids_digit[u[0]], b = ids_digit[u[1]];
  if (cnt == 2) return (a | b) & 0x80 ? -1 : (int)(a << 4 | b);
  unsigned c = ids_digit[u[2]], d = ids_digit[u[3]];
  return (a | b | c | d) & 0x80 ? -1 : (int)(a << 12 | b << 8 | c << 4 | d);
}

enum { IDS_NONE = -1, IDS_VENDOR, IDS_DEVICE, IDS_SUBSYSTEM, IDS_CLASS, IDS_SUBCLASS, IDS_PROGIF, IDS_UNKNOWN };

/* One line as libpci sees it: [*line, *end) in the file, cut at CR/LF, one trailing blank dropped
   (libpci reads with fgets and then trims one). Returns the offset of the next line, or -1 when the
   line is one libpci might read differently (too long; NUL bytes are refused for the whole file). */
static inline long ids_line(const struct cpci_ids *ids, size_t at, const char **line, const char **end) {
  const char *start = ids->data + at;
  const char *newline = memchr(start, '\n', ids->size - at);
  size_t n = newline ? (size_t)(newline - start) : ids->size - at;
  if (n >= IDS_LINE - 2) return -1;
  size_t next = newline ? at + n + 1 : ids->size;
  if (ids->has_cr) {
    const char *cr = memchr(start, '\r', n);
    if (cr) n = (size_t)(cr - start);
  }
  if (n > 0 && ids_white(start[n - 1])) n--;
  *line = start;
  *end = start + n;
  return (long)next;
}

/* Byte q of the line [line, end), 0 past its end: what libpci's NUL-terminated copy would show. */
#define IDS_AT(q) ((q) < end ? *(q) : 0)

static struct ids_vendor *ids_vendor_slot(const struct cpci_ids *ids, int id) {
  uint32_t mask = ids->vendor_slots - 1;
  for (uint32_t h = ((uint32_t)id * 2654435761u) >> (32 - ids->vendor_bits);; h = (h + 1) & mask) {
    struct ids_vendor *slot = &ids->vendors[h];
    if (!slot->name_len || slot->id == id) return slot;
  }
}

/* Adds a vendor; 0 when it is already there (libpci: "Duplicate entry") or memory runs out. */
static int ids_add_vendor(struct cpci_ids *ids, int id, int32_t block, int32_t name, int16_t name_len) {
  if (4 * (ids->vendor_count + 1) > 3 * ids->vendor_slots) {
    struct ids_vendor *old = ids->vendors;
    uint32_t old_slots = ids->vendor_slots, old_bits = ids->vendor_bits;
    ids->vendor_bits = old_bits ? old_bits + 1 : 12;
    ids->vendor_slots = 1u << ids->vendor_bits;
    ids->vendors = calloc(ids->vendor_slots, sizeof *ids->vendors);
    if (!ids->vendors) { ids->vendors = old; ids->vendor_slots = old_slots; ids->vendor_bits = old_bits; return 0; }
    for (uint32_t i = 0; i < old_slots; i++)
      if (old[i].name_len) *ids_vendor_slot(ids, old[i].id) = old[i];
    free(old);
  }
  struct ids_vendor *slot = ids_vendor_slot(ids, id);
  if (slot->name_len) return 0;
  *slot = (struct ids_vendor){ block, name, name_len, (uint16_t)id };
  ids->vendor_count++;
  return 1;
}

/* Per-block duplicate tracking, as libpci's hash insert would report "Duplicate entry". The current
   device's subsystems are listed in order and hashed; a hash entry counts only while its stamp is
   current, and the hash starts small for each device and grows with its list (a large table would
   be pages to fault in for devices with a handful of subsystems). */
#define IDS_SUBSYSTEMS 4096
struct ids_seen {
  unsigned char devices[65536 / 8], classes[32], subclasses[32], progifs[32];
  uint16_t touched[65536];
  int touched_count;
  uint32_t subsystems[IDS_SUBSYSTEMS + 1];
  int subsystem_count;
  uint32_t hash_key[2 * IDS_SUBSYSTEMS + 2], hash_stamp[2 * IDS_SUBSYSTEMS + 2];
  uint32_t stamp;
  int hash_bits;
};

static int ids_mark(unsigned char *bits, int id) {
  if (bits[id >> 3] & (1 << (id & 7))) return 1;
  bits[id >> 3] |= (unsigned char)(1 << (id & 7));
  return 0;
}

static void ids_new_subsystem_list(struct ids_seen *seen) {
  seen->stamp++;
  seen->subsystem_count = 0;
  seen->hash_bits = 5;
}

/* 1 when the key is in the hash; otherwise adds it. */
static int ids_hash_subsystem(struct ids_seen *seen, uint32_t key) {
  uint32_t mask = (1u << seen->hash_bits) - 1;
  uint32_t h = (key * 2654435761u) >> (32 - seen->hash_bits);
  while (seen->hash_stamp[h] == seen->stamp) {
    if (seen->hash_key[h] == key) return 1;
    h = (h + 1) & mask;
  }
  seen->hash_stamp[h] = seen->stamp;
  seen->hash_key[h] = key;
  return 0;
}

/* Lists a subsystem of the current device: 1 when it was already listed (or the list is full, which
   libpci's parser would not mind: leave such a file to libpci). */
static int ids_mark_subsystem(struct ids_seen *seen, uint32_t key) {
  if (ids_hash_subsystem(seen, key)) return 1;
  if (seen->subsystem_count == IDS_SUBSYSTEMS) return 1;
  seen->subsystems[seen->subsystem_count++] = key;
  if (2 * seen->subsystem_count > (1 << seen->hash_bits)) {
    seen->stamp++;
    seen->hash_bits++;
    for (int i = 0; i < seen->subsystem_count; i++) ids_hash_subsystem(seen, seen->subsystems[i]);
  }
  return 0;
}

static int ids_validate(struct cpci_ids *ids) {
  struct ids_seen *seen = calloc(1, sizeof *seen);
  if (!seen) return 0;
  ids_new_subsystem_list(seen);
  int cat = IDS_NONE, id1 = 0, id2 = 0, id3 = 0, id4 = 0, ok = 1;
  size_t at = 0;
  for (int i = 0; i < 256; i++) ids->class_block[i] = -1;
  while (ok && at < ids->size) {
    size_t line_at = at;
    const char *line, *end;
    long next = ids_line(ids, at, &line, &end);
    if (next < 0) { ok = 0; break; }
    at = (size_t)next;
    const char *p = line;
    while (IDS_AT(p) == '\t') p++;
    int nest = (int)(p - line);
    /* blank (spaces and tabs only) or a comment: skipped */
    const char *first = p;
    while (ids_white(IDS_AT(first))) first++;
    if (!IDS_AT(first) || *first == '#') continue;
    if (!nest) {
      if (IDS_AT(p) == 'C' && IDS_AT(p + 1) == ' ') {
        if ((id1 = ids_hex(p + 2, end, 2)) < 0 || !ids_white(IDS_AT(p + 4))) { ok = 0; break; }
        cat = IDS_CLASS;
        p += 5;
      } else if (IDS_AT(p) == 'S' && IDS_AT(p + 1) == ' ') {
        ok = 0; /* generic subsystem blocks: leave them to libpci */
        break;
      } else if (IDS_AT(p) >= 'A' && IDS_AT(p) <= 'Z' && IDS_AT(p + 1) == ' ') {
        cat = IDS_UNKNOWN;
        continue;
      } else {
        if ((id1 = ids_hex(p, end, 4)) < 0 || !ids_white(IDS_AT(p + 4))) { ok = 0; break; }
        cat = IDS_VENDOR;
        p += 5;
      }
      id2 = id3 = id4 = 0;
    } else if (cat == IDS_UNKNOWN) {
      continue;
    } else if (nest == 1) {
      switch (cat) {
      case IDS_VENDOR: case IDS_DEVICE: case IDS_SUBSYSTEM:
        if ((id2 = ids_hex(p, end, 4)) < 0 || !ids_white(IDS_AT(p + 4))) ok = 0;
        p += 5;
        cat = IDS_DEVICE;
        id3 = id4 = 0;
        break;
      case IDS_CLASS: case IDS_SUBCLASS: case IDS_PROGIF:
        if ((id2 = ids_hex(p, end, 2)) < 0 || !ids_white(IDS_AT(p + 2))) ok = 0;
        p += 3;
        cat = IDS_SUBCLASS;
        id3 = id4 = 0;
        break;
      default: ok = 0;
      }
    } else if (nest == 2) {
      switch (cat) {
      case IDS_DEVICE: case IDS_SUBSYSTEM:
        if ((id3 = ids_hex(p, end, 4)) < 0 || !ids_white(IDS_AT(p + 4)) || (id4 = ids_hex(p + 5, end, 4)) < 0 || !ids_white(IDS_AT(p + 9))) ok = 0;
        p += 10;
        cat = IDS_SUBSYSTEM;
        break;
      case IDS_SUBCLASS: case IDS_PROGIF:
        if ((id3 = ids_hex(p, end, 2)) < 0 || !ids_white(IDS_AT(p + 2))) ok = 0;
        p += 3;
        cat = IDS_PROGIF;
        id4 = 0;
        break;
      default: ok = 0; /* includes a prog-if straight under a class: leave it to libpci */
      }
    } else {
      ok = 0;
    }
    if (!ok) break;
    while (ids_white(IDS_AT(p))) p++;
    if (!IDS_AT(p)) { ok = 0; break; }
    int16_t name_len = (int16_t)(end - p);
    int32_t name_at = (int32_t)(line_at + (size_t)(p - line));
    switch (cat) {
    case IDS_VENDOR:
      if (!ids_add_vendor(ids, id1, (int32_t)at, name_at, name_len)) ok = 0;
      for (int i = 0; i < seen->touched_count; i++) seen->devices[seen->touched[i] >> 3] = 0;
      seen->touched_count = 0;
      ids_new_subsystem_list(seen);
      break;
    case IDS_DEVICE:
      if (ids_mark(seen->devices, id2)) ok = 0;
      seen->touched[seen->touched_count++] = (uint16_t)id2;
      ids_new_subsystem_list(seen);
      break;
    case IDS_SUBSYSTEM:
      if (ids_mark_subsystem(seen, (uint32_t)id3 << 16 | (uint32_t)id4)) ok = 0;
      break;
    case IDS_CLASS:
      if (ids_mark(seen->classes, id1)) ok = 0;
      memset(seen->subclasses, 0, sizeof seen->subclasses);
      memset(seen->progifs, 0, sizeof seen->progifs);
      ids->class_block[id1] = (int32_t)at;
      ids->class_name[id1] = name_at;
      ids->class_name_len[id1] = name_len;
      break;
    case IDS_SUBCLASS:
      if (ids_mark(seen->subclasses, id2)) ok = 0;
      memset(seen->progifs, 0, sizeof seen->progifs);
      break;
    case IDS_PROGIF:
      if (ids_mark(seen->progifs, id3)) ok = 0;
      break;
    }
  }
  free(seen);
  return ok;
}

cpci_ids *cpci_ids_open(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return NULL;
  struct stat st;
  struct cpci_ids *ids = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > CPCI_IDS_MAX_SIZE) goto fail;
  ids = calloc(1, sizeof *ids);
  if (!ids) goto fail;
  /* Read into memory mapped with MAP_POPULATE, which provides every page in one go: a malloc'ed
     buffer took 330 page faults, one per page, which cost more than checking the file. Read, not
     mapped from the file: a mapped file that shrinks under us (truncated in place) would end the
     process with SIGBUS. */
  size_t size = (size_t)st.st_size;
  char *buffer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (buffer == MAP_FAILED) goto fail;
  ids->data = buffer;
  ids->size = size;
  for (size_t got = 0; got < size;) {
    ssize_t n = read(fd, buffer + got, size - got);
    if (n <= 0) goto fail; /* I/O error, or the file shrank: libpci decides */
    got += (size_t)n;
  }
  /* gzip (libpci reads it through zlib) */
  if (ids->size >= 2 && (unsigned char)ids->data[0] == 0x1f && (unsigned char)ids->data[1] == 0x8b) goto fail;
  /* a NUL byte ends a line early for libpci's fgets-based reader */
  if (memchr(ids->data, 0, ids->size)) goto fail;
  ids->has_cr = memchr(ids->data, '\r', ids->size) != NULL;
  if (!ids_validate(ids)) goto fail;
  close(fd);
  return ids;
fail:
  close(fd);
  cpci_ids_close(ids);
  return NULL;
}

void cpci_ids_close(cpci_ids *ids) {
  if (!ids) return;
  if (ids->data) munmap((void *)ids->data, ids->size);
  free(ids->vendors);
  free(ids);
}

/* Copies a name as libpci's format_name does into a caller's buffer (snprintf, "..." when cut). */
static int ids_format(char *buf, int size, const char *fmt, const char *name, int name_len, const char *num) {
  char text[IDS_LINE];
  memcpy(text, name, (size_t)name_len);
  text[name_len] = 0;
  int res = snprintf(buf, (size_t)size, fmt, text, num);
  if (res >= size && size >= 4) buf[size - 2] = buf[size - 3] = buf[size - 4] = '.';
  else if (res < 0 || res >= size) return -1;
  return 1;
}

static const struct ids_vendor *ids_find_vendor(const cpci_ids *ids, int vendor) {
  if (vendor < 0 || vendor > 0xffff || !ids->vendor_slots) return NULL;
  const struct ids_vendor *slot = ids_vendor_slot(ids, vendor);
  return slot->name_len ? slot : NULL;
}

int cpci_ids_vendor(cpci_ids *ids, int vendor, char *buf, int size) {
  const struct ids_vendor *found = ids_find_vendor(ids, vendor);
  if (!found) return 0;
  return ids_format(buf, size, "%s", ids->data + found->name, found->name_len, "");
}

/* The name on the first line at nesting level 1 of a block whose ID (`digits` hex digits) is `id`. */
static int ids_in_block(cpci_ids *ids, int32_t block, int digits, int id, char *buf, int size, const char *fmt, const char *num) {
  size_t at = (size_t)block;
  while (at < ids->size) {
    const char *line, *end;
    long next = ids_line(ids, at, &line, &end);
    if (next < 0) return -1;
    at = (size_t)next;
    const char *p = line;
    while (ids_white(IDS_AT(p))) p++;
    if (!IDS_AT(p) || *p == '#') continue;
    if (IDS_AT(line) != '\t') return 0; /* the next top-level entry: the block ended */
    if (IDS_AT(line + 1) == '\t') continue;
    p = line + 1;
    if (ids_hex(p, end, digits) != id) continue;
    p += digits + 1;
    while (ids_white(IDS_AT(p))) p++;
    return ids_format(buf, size, fmt, p, (int)(end - p), num);
  }
  return 0;
}

int cpci_ids_device(cpci_ids *ids, int vendor, int device, char *buf, int size) {
  const struct ids_vendor *found = ids_find_vendor(ids, vendor);
  if (!found) return 0;
  return ids_in_block(ids, found->block, 4, device, buf, size, "%s", "");
}

int cpci_ids_class(cpci_ids *ids, int class_id, char *buf, int size) {
  int base = (class_id >> 8) & 0xff;
  if (ids->class_block[base] < 0) return 0;
  int found = ids_in_block(ids, ids->class_block[base], 2, class_id & 0xff, buf, size, "%s", "");
  if (found != 0) return found;
  /* libpci falls back to the class's own name and then prints the number too */
  char num[16];
  snprintf(num, sizeof num, "%04x", class_id & 0xffff);
  return ids_format(buf, size, "%s [%s]", ids->data + ids->class_name[base], ids->class_name_len[base], num);
}
