#define _GNU_SOURCE
#include "cpci.h"

#include <pci/pci.h>
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct cpci_handle {
  struct pci_access *access;
};

/* libpci is loaded with dlopen on the first cpci_open, not linked: `list` (names from the checked
   pci.ids table, no config space) and `--version` then never map libpci and what it pulls in
   (libudev, libz, ...), which was most of the start-up time. pci.h gives the prototypes; dlsym gives
   each symbol's default version, the one a link against libpci.so.3 would bind. */
static struct {
  __typeof__(&pci_alloc) alloc;
  __typeof__(&pci_init) init;
  __typeof__(&pci_cleanup) cleanup;
  __typeof__(&pci_set_param) set_param;
  __typeof__(&pci_set_name_list_path) set_name_list_path;
  __typeof__(&pci_get_dev) get_dev;
  __typeof__(&pci_free_dev) free_dev;
  __typeof__(&pci_read_block) read_block;
  __typeof__(&pci_lookup_name) lookup_name;
} lib;
static int lib_loaded;
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local jmp_buf *active_jump;
static _Thread_local char last_message[512];

static void record(const char *prefix, const char *fmt, va_list ap) {
  size_t n = (size_t)snprintf(last_message, sizeof last_message, "%s", prefix);
  if (n < sizeof last_message) vsnprintf(last_message + n, sizeof last_message - n, fmt, ap);
}

__attribute__((noreturn)) static void on_error(char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record("", fmt, ap);
  va_end(ap);
  if (active_jump) longjmp(*active_jump, 1);
  abort(); /* an unguarded libpci call: a bug in this shim */
}

static void on_warning(char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record("", fmt, ap);
  va_end(ap);
}

static void on_debug(char *fmt, ...) { (void)fmt; }

const char *cpci_last_error(void) { return last_message; }

int cpci_load(const char *library) {
  last_message[0] = 0;
  pthread_mutex_lock(&lib_lock);
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  int rc = 0;
  if (!handle) {
    const char *why = dlerror();
    snprintf(last_message, sizeof last_message, "%s", why ? why : "dlopen failed");
    rc = -1;
  } else if (!lib_loaded) {
#define CPCI_SYMBOL(field, name)                                                          \
  if (rc == 0 && !(*(void **)&lib.field = dlsym(handle, name))) {                          \
    snprintf(last_message, sizeof last_message, "%s has no %s", library, name);            \
    rc = -1;                                                                               \
  }
    CPCI_SYMBOL(alloc, "pci_alloc")
    CPCI_SYMBOL(init, "pci_init")
    CPCI_SYMBOL(cleanup, "pci_cleanup")
    CPCI_SYMBOL(set_param, "pci_set_param")
    CPCI_SYMBOL(set_name_list_path, "pci_set_name_list_path")
    CPCI_SYMBOL(get_dev, "pci_get_dev")
    CPCI_SYMBOL(free_dev, "pci_free_dev")
    CPCI_SYMBOL(read_block, "pci_read_block")
    CPCI_SYMBOL(lookup_name, "pci_lookup_name")
#undef CPCI_SYMBOL
    lib_loaded = rc == 0;
  }
  pthread_mutex_unlock(&lib_lock);
  return rc;
}

cpci_handle *cpci_open(const char *sysfs_bus_pci, const char *ids_path) {
  if (cpci_load("libpci.so.3") != 0) return NULL;
  last_message[0] = 0;
  struct pci_access *a = lib.alloc();
  if (!a) {
    snprintf(last_message, sizeof last_message, "pci_alloc failed");
    return NULL;
  }
  a->error = on_error;
  a->warning = on_warning;
  a->debug = on_debug;
  a->method = PCI_ACCESS_SYS_BUS_PCI;
  cpci_handle *h = calloc(1, sizeof *h);
  if (!h) {
    lib.cleanup(a);
    return NULL;
  }
  h->access = a;
  volatile int failed = 0;
  jmp_buf jump;
  active_jump = &jump;
  if (setjmp(jump) == 0) {
    if (sysfs_bus_pci && lib.set_param(a, "sysfs.path", (char *)sysfs_bus_pci) != 0) {
      snprintf(last_message, sizeof last_message, "libpci has no sysfs.path parameter");
      failed = 1;
    }
    if (!failed && ids_path) lib.set_name_list_path(a, strdup(ids_path), 1);
    if (!failed) lib.init(a);
  } else {
    failed = 1;
  }
  active_jump = NULL;
  if (failed) {
    char saved[sizeof last_message];
    memcpy(saved, last_message, sizeof saved);
    cpci_close(h);
    memcpy(last_message, saved, sizeof saved);
    return NULL;
  }
  return h;
}

void cpci_close(cpci_handle *h) {
  if (!h) return;
  jmp_buf jump;
  active_jump = &jump;
  if (!setjmp(jump)) lib.cleanup(h->access);
  active_jump = NULL;
  free(h);
}

/* Fills only what ConfigSpace's decoders look at: the 64-byte header, each standard capability's
   first dword (ID, next, flags), each extended capability header, and the bodies of ACS (0x0d) and
   SR-IOV (0x10). The rest of buf stays as the caller left it (zeros). The readable size is probed with
   one 4-byte read at the end of the standard and of the extended space. The walks stop where
   ConfigSpace's do (48 standard, 960 extended capabilities), so decoding gives the same result as over
   a full read, at a few dozen bytes per device instead of 4 KiB. */
static int read_caps(struct pci_dev *d, unsigned char *buf) {
  if (!lib.read_block(d, 0, buf, 64)) return -1;
  if (!lib.read_block(d, 252, buf + 252, 4)) return 64;
  int size = 256;
  if (lib.read_block(d, 4092, buf + 4092, 4)) size = 4096;
  unsigned status = buf[6] | (unsigned)buf[7] << 8;
  if (!(status & 0x10)) return size;
  int pointer = buf[0x34] & ~3, count = 0;
  while (pointer >= 0x40 && count < 48 && pointer + 4 <= 256) {
    if (!lib.read_block(d, pointer, buf + pointer, 4)) break;
    count++;
    pointer = buf[pointer + 1] & ~3;
  }
  if (size < 4096) return size;
  int offset = 0x100;
  count = 0;
  while (offset >= 0x100 && count < 960 && offset + 4 <= 4096) {
    if (!lib.read_block(d, offset, buf + offset, 4)) break;
    unsigned header = buf[offset] | (unsigned)buf[offset + 1] << 8 | (unsigned)buf[offset + 2] << 16 |
                      (unsigned)buf[offset + 3] << 24;
    if (header == 0 || header == 0xffffffffu) break;
    count++;
    unsigned id = header & 0xffff;
    int body = id == 0x0d ? 4 : id == 0x10 ? 0x20 : 0;
    if (body && offset + 4 + body <= 4096) lib.read_block(d, offset + 4, buf + offset + 4, body);
    offset = (int)(header >> 20) & ~3;
  }
  return size;
}

int cpci_read_config(cpci_handle *h, int domain, int bus, int dev, int func, unsigned char *buf) {
  last_message[0] = 0;
  struct pci_dev *volatile d = NULL;
  volatile int size = -1;
  jmp_buf jump;
  active_jump = &jump;
  if (setjmp(jump) == 0) {
    d = lib.get_dev(h->access, domain, bus, dev, func);
    size = read_caps(d, buf);
  }
  if (d) {
    if (setjmp(jump) == 0) lib.free_dev(d);
  }
  active_jump = NULL;
  return size;
}

static int lookup(cpci_handle *h, char *buf, int size, int flags, int a1, int a2) {
  char *volatile result = NULL;
  jmp_buf jump;
  active_jump = &jump;
  if (setjmp(jump)) {
    active_jump = NULL;
    return -1;
  }
  result = lib.lookup_name(h->access, buf, size, flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, a1, a2);
  active_jump = NULL;
  return result ? 1 : 0;
}

int cpci_vendor_name(cpci_handle *h, int vendor, char *buf, int size) {
  return lookup(h, buf, size, PCI_LOOKUP_VENDOR, vendor, 0);
}

int cpci_device_name(cpci_handle *h, int vendor, int device, char *buf, int size) {
  return lookup(h, buf, size, PCI_LOOKUP_DEVICE, vendor, device);
}

int cpci_class_name(cpci_handle *h, int class_id, char *buf, int size) {
  return lookup(h, buf, size, PCI_LOOKUP_CLASS, class_id, 0);
}
