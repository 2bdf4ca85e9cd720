#ifndef CPCI_H
#define CPCI_H

#include <stddef.h>

/*
 * A tiny shim over libpci. libpci's default error handler prints and calls exit(1), and libpci
 * assumes error() never returns. Every function here runs its libpci calls under its own setjmp;
 * the installed handler longjmps back into that function, so only libpci's C frames are skipped,
 * never Swift frames. Failures come back as -1 / NULL with a message in cpci_last_error().
 * One handle per thread: libpci keeps all its state in struct pci_access.
 */

typedef struct cpci_handle cpci_handle;

/* Loads libpci (dlopen of `library`, normally "libpci.so.3") and its symbols once per process; 0, or
 * -1 with the loader's message in cpci_last_error(). cpci_open calls it with "libpci.so.3". */
int cpci_load(const char *library);

/* Opens libpci with the sysfs access method forced (no silent fallback to the real machine) and
 * sysfs.path set to `sysfs_bus_pci`. `ids_path` (nullable) overrides pci.ids. NULL on failure. */
cpci_handle *cpci_open(const char *sysfs_bus_pci, const char *ids_path);
void cpci_close(cpci_handle *h);

/* Reads what the decoders need of the device's config space into buf (capacity 4096, pass it
 * zeroed): the 64-byte header, the capability chains and the ACS and SR-IOV capability bodies, in
 * small reads (a full 4 KiB read is slow on hardware). Every other byte stays untouched. Returns the
 * readable size (64 without CAP_SYS_ADMIN, 256 for conventional PCI, 4096 for PCIe) or -1 if not
 * even the header could be read. */
int cpci_read_config(cpci_handle *h, int domain, int bus, int dev, int func, unsigned char *buf);

/* Name lookups in pci.ids (udev hwdb off, for determinism). 1 found, 0 not in the database, -1 error. */
int cpci_vendor_name(cpci_handle *h, int vendor, char *buf, int size);
int cpci_device_name(cpci_handle *h, int vendor, int device, char *buf, int size);
int cpci_class_name(cpci_handle *h, int class_id, char *buf, int size);

/* The last error (or, when no error was raised, the last warning) libpci reported on this thread. */
const char *cpci_last_error(void);

#endif
