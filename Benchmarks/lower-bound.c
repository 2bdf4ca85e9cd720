/* A lower bound for `sriovctl list --vfs` (issue 8): the least a C program can do to print the same
   rows. Per PF: its IDs, VF counts, NUMA node, driver, IOMMU group; per VF (from the PF's virtfnN
   links): device ID, NUMA node, driver, IOMMU group; netdevs of both from one pass over
   sys/class/net. Paths are opened relative to directory fds and the kernel follows the
   sys/bus/pci/devices links; nothing is checked against the root (sriovctl keeps every link inside
   it), no pci.ids names are looked up, and no JSON is written: a bound, not a tool.

     cc -O2 -o lower-bound Benchmarks/lower-bound.c && ./lower-bound ROOT */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_text(int dirfd, const char *path, char *buf, size_t size) {
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) n--;
  buf[n] = 0;
  return 0;
}

/* The last component of a link's target, or "-". */
static void link_name(int dirfd, const char *path, char *out, int size) {
  char target[4096];
  ssize_t n = readlinkat(dirfd, path, target, sizeof target - 1);
  if (n <= 0) { snprintf(out, (size_t)size, "-"); return; }
  target[n] = 0;
  const char *slash = strrchr(target, '/');
  snprintf(out, (size_t)size, "%.*s", size - 1, slash ? slash + 1 : target);
}

struct netdev { char address[16]; char name[64]; };
static struct netdev *netdevs;
static size_t netdev_count;

static int by_address(const void *a, const void *b) {
  return strcmp(((const struct netdev *)a)->address, ((const struct netdev *)b)->address);
}

/* The nearest PCI-address-shaped component of each sys/class/net link's target. */
static void read_netdevs(const char *root) {
  char path[4096];
  snprintf(path, sizeof path, "%s/sys/class/net", root);
  DIR *dir = opendir(path);
  if (!dir) return;
  size_t capacity = 1024;
  netdevs = malloc(capacity * sizeof *netdevs);
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    char target[4096];
    ssize_t n = readlinkat(dirfd(dir), e->d_name, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    const char *found = NULL;
    for (char *part = strtok(target, "/"); part; part = strtok(NULL, "/"))
      if (strlen(part) == 12 && part[4] == ':' && part[7] == ':' && part[10] == '.') found = part;
    if (!found) continue;
    if (netdev_count == capacity) netdevs = realloc(netdevs, (capacity *= 2) * sizeof *netdevs);
    snprintf(netdevs[netdev_count].address, 16, "%s", found);
    snprintf(netdevs[netdev_count].name, 64, "%.63s", e->d_name);
    netdev_count++;
  }
  closedir(dir);
  qsort(netdevs, netdev_count, sizeof *netdevs, by_address);
}

static const char *netdev_of(const char *address) {
  struct netdev key;
  snprintf(key.address, sizeof key.address, "%s", address);
  const struct netdev *found = bsearch(&key, netdevs, netdev_count, sizeof *netdevs, by_address);
  return found ? found->name : "-";
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: lower-bound ROOT\n"); return 64; }
  char path[4096];
  snprintf(path, sizeof path, "%s/sys/bus/pci/devices", argv[1]);
  DIR *dir = opendir(path);
  if (!dir) { perror(path); return 1; }
  int devices = dirfd(dir);
  read_netdevs(argv[1]);
  char **names = NULL;
  size_t count = 0, capacity = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    if (count == capacity) names = realloc(names, (capacity = capacity ? 2 * capacity : 1024) * sizeof *names);
    names[count++] = strdup(e->d_name);
  }
  qsort(names, count, sizeof *names, by_name);
  /* VFs are listed under their PF (which sorts first) and not asked again */
  char *skip = calloc(count ? count : 1, 1);
  printf("DEVICE NETDEV DRIVER ID VFS NUMA GROUP\n");
  for (size_t i = 0; i < count; i++) {
    char p[512], total[32], num[32], vendor[32], device[32], numa[32], driver[256], group[32];
    if (skip[i]) continue;
    snprintf(p, sizeof p, "%s/sriov_totalvfs", names[i]);
    if (read_text(devices, p, total, sizeof total) < 0) continue; /* not a PF */
    snprintf(p, sizeof p, "%s/sriov_numvfs", names[i]); read_text(devices, p, num, sizeof num);
    snprintf(p, sizeof p, "%s/vendor", names[i]); read_text(devices, p, vendor, sizeof vendor);
    snprintf(p, sizeof p, "%s/device", names[i]); read_text(devices, p, device, sizeof device);
    snprintf(p, sizeof p, "%s/numa_node", names[i]); read_text(devices, p, numa, sizeof numa);
    snprintf(p, sizeof p, "%s/driver", names[i]); link_name(devices, p, driver, sizeof driver);
    snprintf(p, sizeof p, "%s/iommu_group", names[i]); link_name(devices, p, group, sizeof group);
    printf("%s %s %s %s:%s %s/%s %s %s\n", names[i], netdev_of(names[i]), driver, vendor + 2, device + 2, num, total, numa, group);
    int vfs = atoi(num);
    for (int v = 0; v < vfs; v++) {
      char vf[64];
      snprintf(p, sizeof p, "%s/virtfn%d", names[i], v);
      link_name(devices, p, vf, sizeof vf);
      const char *key = vf;
      char **listed = bsearch(&key, names, count, sizeof *names, by_name);
      if (listed) skip[listed - names] = 1;
      snprintf(p, sizeof p, "%s/device", vf); read_text(devices, p, device, sizeof device);
      snprintf(p, sizeof p, "%s/numa_node", vf); read_text(devices, p, numa, sizeof numa);
      snprintf(p, sizeof p, "%s/driver", vf); link_name(devices, p, driver, sizeof driver);
      snprintf(p, sizeof p, "%s/iommu_group", vf); link_name(devices, p, group, sizeof group);
      printf("  %s %s %s %s:%s vf%d %s %s\n", vf, netdev_of(vf), driver, vendor + 2, device + 2, v, numa, group);
    }
  }
  closedir(dir);
  return 0;
}
