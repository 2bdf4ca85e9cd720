#ifndef CPCI_PCIIDS_H
#define CPCI_PCIIDS_H

/*
 * pci.ids lookups without libpci's full load (see pciids.c). cpci_ids_open reads and checks the whole
 * file with libpci's rules and returns NULL whenever libpci might answer differently (a parse error,
 * anything unusual): then use cpci_*_name. Lookups: 1 found (name in buf), 0 not in the file.
 */
typedef struct cpci_ids cpci_ids;
/* The largest pci.ids either reader accepts (the real one is about 1.3 MB). */
#define CPCI_IDS_MAX_SIZE (64 << 20)
cpci_ids *cpci_ids_open(const char *path);
void cpci_ids_close(cpci_ids *ids);
int cpci_ids_vendor(cpci_ids *ids, int vendor, char *buf, int size);
int cpci_ids_device(cpci_ids *ids, int vendor, int device, char *buf, int size);
int cpci_ids_class(cpci_ids *ids, int class_id, char *buf, int size);

#endif
