/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spec layer: parse, emit, defaults, names, editing, error positions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "spec/spec.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/util.h"

/* `runc spec` and `runc spec --rootless` (run as uid/gid 65534) from
 * runc 1.1.5, Debian 12. */
static const char runc_spec[] =
    "{\n"
    "\t\"ociVersion\": \"1.0.2-dev\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"user\": {\n"
    "\t\t\t\"uid\": 0,\n"
    "\t\t\t\"gid\": 0\n"
    "\t\t},\n"
    "\t\t\"args\": [\n"
    "\t\t\t\"sh\"\n"
    "\t\t],\n"
    "\t\t\"env\": [\n"
    "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "\t\t\t\"TERM=xterm\"\n"
    "\t\t],\n"
    "\t\t\"cwd\": \"/\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"effective\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"permitted\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"ambient\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
    "\t\t\t\t\"hard\": 1024,\n"
    "\t\t\t\t\"soft\": 1024\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"noNewPrivileges\": true\n"
    "\t},\n"
    "\t\"root\": {\n"
    "\t\t\"path\": \"rootfs\",\n"
    "\t\t\"readonly\": true\n"
    "\t},\n"
    "\t\"hostname\": \"runc\",\n"
    "\t\"mounts\": [\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/proc\",\n"
    "\t\t\t\"type\": \"proc\",\n"
    "\t\t\t\"source\": \"proc\"\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev\",\n"
    "\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"tmpfs\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"strictatime\",\n"
    "\t\t\t\t\"mode=755\",\n"
    "\t\t\t\t\"size=65536k\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/pts\",\n"
    "\t\t\t\"type\": \"devpts\",\n"
    "\t\t\t\"source\": \"devpts\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"newinstance\",\n"
    "\t\t\t\t\"ptmxmode=0666\",\n"
    "\t\t\t\t\"mode=0620\",\n"
    "\t\t\t\t\"gid=5\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/shm\",\n"
    "\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"shm\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"mode=1777\",\n"
    "\t\t\t\t\"size=65536k\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/mqueue\",\n"
    "\t\t\t\"type\": \"mqueue\",\n"
    "\t\t\t\"source\": \"mqueue\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/sys\",\n"
    "\t\t\t\"type\": \"sysfs\",\n"
    "\t\t\t\"source\": \"sysfs\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"ro\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/sys/fs/cgroup\",\n"
    "\t\t\t\"type\": \"cgroup\",\n"
    "\t\t\t\"source\": \"cgroup\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"relatime\",\n"
    "\t\t\t\t\"ro\"\n"
    "\t\t\t]\n"
    "\t\t}\n"
    "\t],\n"
    "\t\"linux\": {\n"
    "\t\t\"resources\": {\n"
    "\t\t\t\"devices\": [\n"
    "\t\t\t\t{\n"
    "\t\t\t\t\t\"allow\": false,\n"
    "\t\t\t\t\t\"access\": \"rwm\"\n"
    "\t\t\t\t}\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t\"namespaces\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"pid\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"network\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"ipc\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"uts\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"mount\"\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"maskedPaths\": [\n"
    "\t\t\t\"/proc/acpi\",\n"
    "\t\t\t\"/proc/asound\",\n"
    "\t\t\t\"/proc/kcore\",\n"
    "\t\t\t\"/proc/keys\",\n"
    "\t\t\t\"/proc/latency_stats\",\n"
    "\t\t\t\"/proc/timer_list\",\n"
    "\t\t\t\"/proc/timer_stats\",\n"
    "\t\t\t\"/proc/sched_debug\",\n"
    "\t\t\t\"/sys/firmware\",\n"
    "\t\t\t\"/proc/scsi\"\n"
    "\t\t],\n"
    "\t\t\"readonlyPaths\": [\n"
    "\t\t\t\"/proc/bus\",\n"
    "\t\t\t\"/proc/fs\",\n"
    "\t\t\t\"/proc/irq\",\n"
    "\t\t\t\"/proc/sys\",\n"
    "\t\t\t\"/proc/sysrq-trigger\"\n"
    "\t\t]\n"
    "\t}\n"
    "}\n";

static const char runc_spec_rootless_65534[] =
    "{\n"
    "\t\"ociVersion\": \"1.0.2-dev\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"user\": {\n"
    "\t\t\t\"uid\": 0,\n"
    "\t\t\t\"gid\": 0\n"
    "\t\t},\n"
    "\t\t\"args\": [\n"
    "\t\t\t\"sh\"\n"
    "\t\t],\n"
    "\t\t\"env\": [\n"
    "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "\t\t\t\"TERM=xterm\"\n"
    "\t\t],\n"
    "\t\t\"cwd\": \"/\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"effective\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"permitted\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t],\n"
    "\t\t\t\"ambient\": [\n"
    "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
    "\t\t\t\t\"CAP_KILL\",\n"
    "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
    "\t\t\t\t\"hard\": 1024,\n"
    "\t\t\t\t\"soft\": 1024\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"noNewPrivileges\": true\n"
    "\t},\n"
    "\t\"root\": {\n"
    "\t\t\"path\": \"rootfs\",\n"
    "\t\t\"readonly\": true\n"
    "\t},\n"
    "\t\"hostname\": \"runc\",\n"
    "\t\"mounts\": [\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/proc\",\n"
    "\t\t\t\"type\": \"proc\",\n"
    "\t\t\t\"source\": \"proc\"\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev\",\n"
    "\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"tmpfs\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"strictatime\",\n"
    "\t\t\t\t\"mode=755\",\n"
    "\t\t\t\t\"size=65536k\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/pts\",\n"
    "\t\t\t\"type\": \"devpts\",\n"
    "\t\t\t\"source\": \"devpts\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"newinstance\",\n"
    "\t\t\t\t\"ptmxmode=0666\",\n"
    "\t\t\t\t\"mode=0620\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/shm\",\n"
    "\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"shm\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"mode=1777\",\n"
    "\t\t\t\t\"size=65536k\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/dev/mqueue\",\n"
    "\t\t\t\"type\": \"mqueue\",\n"
    "\t\t\t\"source\": \"mqueue\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/sys\",\n"
    "\t\t\t\"type\": \"none\",\n"
    "\t\t\t\"source\": \"/sys\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"rbind\",\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"ro\"\n"
    "\t\t\t]\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"destination\": \"/sys/fs/cgroup\",\n"
    "\t\t\t\"type\": \"cgroup\",\n"
    "\t\t\t\"source\": \"cgroup\",\n"
    "\t\t\t\"options\": [\n"
    "\t\t\t\t\"nosuid\",\n"
    "\t\t\t\t\"noexec\",\n"
    "\t\t\t\t\"nodev\",\n"
    "\t\t\t\t\"relatime\",\n"
    "\t\t\t\t\"ro\"\n"
    "\t\t\t]\n"
    "\t\t}\n"
    "\t],\n"
    "\t\"linux\": {\n"
    "\t\t\"uidMappings\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"containerID\": 0,\n"
    "\t\t\t\t\"hostID\": 65534,\n"
    "\t\t\t\t\"size\": 1\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"gidMappings\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"containerID\": 0,\n"
    "\t\t\t\t\"hostID\": 65534,\n"
    "\t\t\t\t\"size\": 1\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"namespaces\": [\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"pid\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"ipc\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"uts\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"mount\"\n"
    "\t\t\t},\n"
    "\t\t\t{\n"
    "\t\t\t\t\"type\": \"user\"\n"
    "\t\t\t}\n"
    "\t\t],\n"
    "\t\t\"maskedPaths\": [\n"
    "\t\t\t\"/proc/acpi\",\n"
    "\t\t\t\"/proc/asound\",\n"
    "\t\t\t\"/proc/kcore\",\n"
    "\t\t\t\"/proc/keys\",\n"
    "\t\t\t\"/proc/latency_stats\",\n"
    "\t\t\t\"/proc/timer_list\",\n"
    "\t\t\t\"/proc/timer_stats\",\n"
    "\t\t\t\"/proc/sched_debug\",\n"
    "\t\t\t\"/sys/firmware\",\n"
    "\t\t\t\"/proc/scsi\"\n"
    "\t\t],\n"
    "\t\t\"readonlyPaths\": [\n"
    "\t\t\t\"/proc/bus\",\n"
    "\t\t\t\"/proc/fs\",\n"
    "\t\t\t\"/proc/irq\",\n"
    "\t\t\t\"/proc/sys\",\n"
    "\t\t\t\"/proc/sysrq-trigger\"\n"
    "\t\t]\n"
    "\t}\n"
    "}\n";

/* Every field cella reads, plus keys it must ignore. */
static const char full_spec[] =
    "{\n"
    "\t\"ociVersion\": \"1.2.0\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"consoleSize\": {\"height\": 25, \"width\": 80},\n"
    "\t\t\"user\": {\"uid\": 1000, \"gid\": 1000, \"umask\": 18, \"additionalGids\": [5, 20], "
    "\"username\": \"u\"},\n"
    "\t\t\"args\": [\"/bin/echo\", \"h\\u00e9llo\", \"tab\\there \\\"quoted\\\"\"],\n"
    "\t\t\"commandLine\": \"echo hello\",\n"
    "\t\t\"env\": [\"PATH=/bin\", \"EMPTY=\", \"X=a=b\"],\n"
    "\t\t\"cwd\": \"/work\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"],\n"
    "\t\t\t\"effective\": [\"CAP_CHOWN\"],\n"
    "\t\t\t\"inheritable\": [\"CAP_KILL\"],\n"
    "\t\t\t\"permitted\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"],\n"
    "\t\t\t\"ambient\": [\"CAP_CHOWN\"]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [\n"
    "\t\t\t{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 1024},\n"
    "\t\t\t{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": "
    "18446744073709551615}\n"
    "\t\t],\n"
    "\t\t\"noNewPrivileges\": true,\n"
    "\t\t\"apparmorProfile\": \"cella-default\",\n"
    "\t\t\"oomScoreAdj\": -500,\n"
    "\t\t\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5, \"flags\": "
    "[\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_KEEP_PARAMS\"]},\n"
    "\t\t\"selinuxLabel\": \"system_u:system_r:container_t:s0\",\n"
    "\t\t\"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 4}\n"
    "\t},\n"
    "\t\"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "\t\"hostname\": \"box\",\n"
    "\t\"domainname\": \"example.org\",\n"
    "\t\"mounts\": [\n"
    "\t\t{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "\t\t{\"destination\": \"/data\", \"type\": \"none\", \"source\": \"/srv/data\", \"options\": "
    "[\"rbind\", \"ro\"],\n"
    "\t\t \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
    "\t\t \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}\n"
    "\t],\n"
    "\t\"hooks\": {\n"
    "\t\t\"prestart\": [{\"path\": \"/usr/bin/true\"}],\n"
    "\t\t\"createRuntime\": [{\"path\": \"/usr/bin/hook\", \"args\": [\"hook\", \"create\"], "
    "\"env\": [\"A=1\"], \"timeout\": 5}],\n"
    "\t\t\"createContainer\": [{\"path\": \"/a\"}, {\"path\": \"/b\"}],\n"
    "\t\t\"startContainer\": [{\"path\": \"/c\"}],\n"
    "\t\t\"poststart\": [{\"path\": \"/d\"}],\n"
    "\t\t\"poststop\": [{\"path\": \"/e\", \"timeout\": 1}]\n"
    "\t},\n"
    "\t\"annotations\": {\"org.example.key\": \"value\", \"b\": \"2\"},\n"
    "\t\"linux\": {\n"
    "\t\t\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}, {\"containerID\": "
    "1, \"hostID\": 100000, \"size\": 65536}],\n"
    "\t\t\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],\n"
    "\t\t\"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"4096\"},\n"
    "\t\t\"resources\": {\"memory\": {\"limit\": 536870912, \"swap\": -1}, \"pids\": {\"limit\": "
    "100}},\n"
    "\t\t\"cgroupsPath\": \"/cella/box\",\n"
    "\t\t\"namespaces\": [\n"
    "\t\t\t{\"type\": \"user\"}, {\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": "
    "\"network\", \"path\": \"/var/run/netns/x\"},\n"
    "\t\t\t{\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}\n"
    "\t\t],\n"
    "\t\t\"devices\": [\n"
    "\t\t\t{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229, \"fileMode\": "
    "438, \"uid\": 0, \"gid\": 0},\n"
    "\t\t\t{\"path\": \"/dev/fifo\", \"type\": \"p\"},\n"
    "\t\t\t{\"path\": \"/dev/sda\", \"type\": \"b\", \"major\": 8, \"minor\": 0}\n"
    "\t\t],\n"
    "\t\t\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
    "[\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]},\n"
    "\t\t\"rootfsPropagation\": \"rslave\",\n"
    "\t\t\"maskedPaths\": [\"/proc/kcore\"],\n"
    "\t\t\"readonlyPaths\": [\"/proc/sys\"],\n"
    "\t\t\"mountLabel\": \"system_u:object_r:container_file_t:s0\",\n"
    "\t\t\"intelRdt\": {\"closID\": \"g1\"},\n"
    "\t\t\"personality\": {\"domain\": \"LINUX32\"},\n"
    "\t\t\"timeOffsets\": {\"monotonic\": {\"secs\": -5, \"nanosecs\": 10}, \"boottime\": "
    "{\"secs\": 3600, \"nanosecs\": 0}}\n"
    "\t},\n"
    "\t\"solaris\": {\"milestone\": \"ignored\"},\n"
    "\t\"vm\": {\"hypervisor\": {\"path\": \"/x\"}}\n"
    "}\n";

static struct cella_spec *parse_ok(const char *text)
{
	struct cella_spec *spec = NULL;
	cella_error err = {0};

	if (cella_spec_parse(text, strlen(text), "config.json", &spec, &err) < 0) {
		fprintf(stderr, "unexpected parse error: %s\n", err.msg);
		return NULL;
	}
	return spec;
}

/* Parse what emit wrote. */
static struct cella_spec *reparse(const struct cella_spec *spec)
{
	cleanup_free char *text = cella_spec_to_json(spec);

	if (text == NULL)
		return NULL;
	return parse_ok(text);
}

static void check_strv_eq(char *const *a, char *const *b, const char *what)
{
	size_t n = strv_len(a);

	if (n != strv_len(b)) {
		fprintf(stderr, "%s: %zu vs %zu elements\n", what, n, strv_len(b));
		unit_failed_checks++;
		return;
	}
	for (size_t i = 0; i < n; i++)
		CHECK_STR(a[i], b[i]);
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_json_eq(const char *a, const char *b, const char *what)
{
	json_t *ja, *jb;

	if (a == NULL || b == NULL) {
		if (a != b) {
			fprintf(stderr, "%s: one side absent\n", what);
			unit_failed_checks++;
		}
		return;
	}
	ja = json_loads(a, 0, NULL);
	jb = json_loads(b, 0, NULL);
	if (ja == NULL || jb == NULL || !json_equal(ja, jb)) {
		fprintf(stderr, "%s: %s vs %s\n", what, a, b);
		unit_failed_checks++;
	}
	json_decref(ja);
	json_decref(jb);
}

static void check_idmaps_eq(const struct cella_idmap *a, size_t na, const struct cella_idmap *b,
			    size_t nb)
{
	CHECK(na == nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		CHECK(a[i].container_id == b[i].container_id);
		CHECK(a[i].host_id == b[i].host_id);
		CHECK(a[i].size == b[i].size);
	}
}

static void check_kvs_eq(const struct cella_kv *a, size_t na, const struct cella_kv *b, size_t nb)
{
	CHECK(na == nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		CHECK_STR(a[i].key, b[i].key);
		CHECK_STR(a[i].value, b[i].value);
	}
}

static void check_process_eq(const struct cella_process *a, const struct cella_process *b)
{
	CHECK((a == NULL) == (b == NULL));
	if (a == NULL || b == NULL)
		return;
	CHECK(a->terminal == b->terminal);
	CHECK(a->has_console_size == b->has_console_size);
	CHECK(a->console_height == b->console_height && a->console_width == b->console_width);
	CHECK(a->user.uid == b->user.uid && a->user.gid == b->user.gid);
	CHECK(a->user.has_umask == b->user.has_umask && a->user.umask == b->user.umask);
	CHECK(a->user.n_additional_gids == b->user.n_additional_gids);
	for (size_t i = 0; i < a->user.n_additional_gids && i < b->user.n_additional_gids; i++)
		CHECK(a->user.additional_gids[i] == b->user.additional_gids[i]);
	CHECK(str_eq(a->user.username, b->user.username));
	check_strv_eq(a->args, b->args, "args");
	CHECK(str_eq(a->command_line, b->command_line));
	check_strv_eq(a->env, b->env, "env");
	CHECK_STR(a->cwd, b->cwd);
	CHECK(a->has_caps == b->has_caps);
	CHECK(a->caps.bounding == b->caps.bounding);
	CHECK(a->caps.effective == b->caps.effective);
	CHECK(a->caps.inheritable == b->caps.inheritable);
	CHECK(a->caps.permitted == b->caps.permitted);
	CHECK(a->caps.ambient == b->caps.ambient);
	CHECK(a->n_rlimits == b->n_rlimits);
	for (size_t i = 0; i < a->n_rlimits && i < b->n_rlimits; i++) {
		CHECK(a->rlimits[i].resource == b->rlimits[i].resource);
		CHECK_STR(a->rlimits[i].type, b->rlimits[i].type);
		CHECK(a->rlimits[i].soft == b->rlimits[i].soft);
		CHECK(a->rlimits[i].hard == b->rlimits[i].hard);
	}
	CHECK(a->no_new_privileges == b->no_new_privileges);
	CHECK(a->has_oom_score_adj == b->has_oom_score_adj && a->oom_score_adj == b->oom_score_adj);
	CHECK(str_eq(a->apparmor_profile, b->apparmor_profile));
	CHECK(str_eq(a->selinux_label, b->selinux_label));
	CHECK(a->has_scheduler == b->has_scheduler);
	CHECK(a->scheduler.policy == b->scheduler.policy && a->scheduler.nice == b->scheduler.nice);
	CHECK(a->scheduler.priority == b->scheduler.priority);
	CHECK(a->scheduler.flags == b->scheduler.flags);
	CHECK(a->scheduler.runtime == b->scheduler.runtime);
	CHECK(a->scheduler.deadline == b->scheduler.deadline);
	CHECK(a->scheduler.period == b->scheduler.period);
	CHECK(a->has_io_priority == b->has_io_priority);
	CHECK(a->io_priority.class_ == b->io_priority.class_);
	CHECK(a->io_priority.priority == b->io_priority.priority);
}

static void check_linux_eq(const struct cella_linux *a, const struct cella_linux *b)
{
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		CHECK(a->ns[t].enabled == b->ns[t].enabled);
		CHECK(str_eq(a->ns[t].path, b->ns[t].path));
	}
	check_idmaps_eq(a->uid_mappings, a->n_uid_mappings, b->uid_mappings, b->n_uid_mappings);
	check_idmaps_eq(a->gid_mappings, a->n_gid_mappings, b->gid_mappings, b->n_gid_mappings);
	check_kvs_eq(a->sysctl, a->n_sysctl, b->sysctl, b->n_sysctl);
	CHECK(str_eq(a->rootfs_propagation, b->rootfs_propagation));
	check_strv_eq(a->masked_paths, b->masked_paths, "maskedPaths");
	check_strv_eq(a->readonly_paths, b->readonly_paths, "readonlyPaths");
	CHECK(a->n_devices == b->n_devices);
	for (size_t i = 0; i < a->n_devices && i < b->n_devices; i++) {
		const struct cella_device *x = &a->devices[i], *y = &b->devices[i];
		CHECK(x->type == y->type);
		CHECK_STR(x->path, y->path);
		CHECK(x->major == y->major && x->minor == y->minor);
		CHECK(x->has_file_mode == y->has_file_mode && x->file_mode == y->file_mode);
		CHECK(x->has_uid == y->has_uid && x->uid == y->uid);
		CHECK(x->has_gid == y->has_gid && x->gid == y->gid);
	}
	CHECK(a->time_monotonic.set == b->time_monotonic.set);
	CHECK(a->time_monotonic.secs == b->time_monotonic.secs);
	CHECK(a->time_monotonic.nanosecs == b->time_monotonic.nanosecs);
	CHECK(a->time_boottime.set == b->time_boottime.set);
	CHECK(a->time_boottime.secs == b->time_boottime.secs);
	CHECK(a->time_boottime.nanosecs == b->time_boottime.nanosecs);
	CHECK(str_eq(a->cgroups_path, b->cgroups_path));
	CHECK(str_eq(a->mount_label, b->mount_label));
	check_json_eq(a->resources_json, b->resources_json, "resources");
	check_json_eq(a->seccomp_json, b->seccomp_json, "seccomp");
	check_json_eq(a->intel_rdt_json, b->intel_rdt_json, "intelRdt");
	CHECK(a->has_personality == b->has_personality);
	CHECK(a->personality.domain == b->personality.domain);
}

/* Field by field; ociVersion is compared only when check_version. */
static void check_spec_eq(const struct cella_spec *a, const struct cella_spec *b,
			  bool check_version)
{
	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	if (check_version)
		CHECK_STR(a->oci_version, b->oci_version);
	CHECK_STR(a->root_path, b->root_path);
	CHECK(a->root_readonly == b->root_readonly);
	CHECK(str_eq(a->hostname, b->hostname));
	CHECK(str_eq(a->domainname, b->domainname));
	check_process_eq(a->process, b->process);
	CHECK(a->n_mounts == b->n_mounts);
	for (size_t i = 0; i < a->n_mounts && i < b->n_mounts; i++) {
		const struct cella_mount *x = &a->mounts[i], *y = &b->mounts[i];
		CHECK_STR(x->destination, y->destination);
		CHECK(str_eq(x->type, y->type));
		CHECK(str_eq(x->source, y->source));
		check_strv_eq(x->options, y->options, x->destination);
		check_idmaps_eq(x->uid_mappings, x->n_uid_mappings, y->uid_mappings,
				y->n_uid_mappings);
		check_idmaps_eq(x->gid_mappings, x->n_gid_mappings, y->gid_mappings,
				y->n_gid_mappings);
	}
	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		CHECK(a->hooks.count[k] == b->hooks.count[k]);
		for (size_t i = 0; i < a->hooks.count[k] && i < b->hooks.count[k]; i++) {
			const struct cella_hook *x = &a->hooks.list[k][i],
						*y = &b->hooks.list[k][i];
			CHECK_STR(x->path, y->path);
			check_strv_eq(x->args, y->args, "hook args");
			check_strv_eq(x->env, y->env, "hook env");
			CHECK(x->has_timeout == y->has_timeout && x->timeout == y->timeout);
		}
	}
	check_kvs_eq(a->annotations, a->n_annotations, b->annotations, b->n_annotations);
	CHECK(a->has_linux == b->has_linux);
	check_linux_eq(&a->linux_, &b->linux_);
}

static void test_runc_default(void)
{
	cleanup_spec struct cella_spec *runc = parse_ok(runc_spec);
	cleanup_spec struct cella_spec *def = cella_spec_default(false, 0, 0);
	cleanup_spec struct cella_spec *emitted = reparse(def);

	CHECK(runc != NULL);
	CHECK_STR(def->oci_version, CELLA_OCI_VERSION);
	check_spec_eq(runc, def, false);
	check_spec_eq(runc, emitted, false);
	if (runc == NULL)
		return;
	CHECK(runc->process->terminal);
	CHECK_STR(runc->process->args[0], "sh");
	CHECK(runc->process->caps.bounding ==
	      (UINT64_C(1) << cella_cap_from_name("CAP_AUDIT_WRITE") |
	       UINT64_C(1) << cella_cap_from_name("CAP_KILL") |
	       UINT64_C(1) << cella_cap_from_name("CAP_NET_BIND_SERVICE")));
	CHECK(runc->process->caps.inheritable == 0);
	CHECK(runc->linux_.ns[CELLA_NS_NET].enabled);
	CHECK(!runc->linux_.ns[CELLA_NS_USER].enabled);
	CHECK(runc->process->rlimits[0].resource == RLIMIT_NOFILE);
}

static void test_runc_default_rootless(void)
{
	cleanup_spec struct cella_spec *runc = parse_ok(runc_spec_rootless_65534);
	cleanup_spec struct cella_spec *def = cella_spec_default(true, 65534, 65534);
	cleanup_spec struct cella_spec *emitted = reparse(def);
	cleanup_spec struct cella_spec *other = cella_spec_default(true, 1000, 1001);

	CHECK(runc != NULL);
	check_spec_eq(runc, def, false);
	check_spec_eq(runc, emitted, false);
	CHECK(def->linux_.ns[CELLA_NS_USER].enabled);
	CHECK(!def->linux_.ns[CELLA_NS_NET].enabled);
	CHECK(def->linux_.resources_json == NULL);
	CHECK(other->linux_.uid_mappings[0].host_id == 1000);
	CHECK(other->linux_.gid_mappings[0].host_id == 1001);
	CHECK(other->linux_.uid_mappings[0].container_id == 0);
}

/* Against the runc on this machine, when there is one. */
static void runc_live(bool rootless)
{
	char dir[] = "/tmp/cella-test-runc-XXXXXX";
	cleanup_free char *cmd = NULL, *path = NULL;
	cleanup_spec struct cella_spec *runc = NULL;
	cleanup_spec struct cella_spec *def = cella_spec_default(rootless, geteuid(), getegid());
	cella_error err = {0};

	if (system("command -v runc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "runc not installed: live comparison skipped\n");
		return;
	}
	CHECK(mkdtemp(dir) != NULL);
	cmd = xasprintf("cd %s && runc spec %s", dir, rootless ? "--rootless" : "");
	path = xasprintf("%s/config.json", dir);
	CHECK(system(cmd) == 0);
	CHECK(cella_spec_load(path, &runc, &err) == 0);
	check_spec_eq(runc, def, false);
	unlink(path);
	rmdir(dir);
}

static void test_runc_live(void)
{
	runc_live(false);
	runc_live(true);
}

static void test_full_roundtrip(void)
{
	cleanup_spec struct cella_spec *a = parse_ok(full_spec);
	cleanup_spec struct cella_spec *b = NULL;
	cleanup_spec struct cella_spec *c = NULL;
	cleanup_free char *text1 = NULL, *text2 = NULL;

	CHECK(a != NULL);
	if (a == NULL)
		return;
	/* a few values, to know the parser read them at all */
	CHECK_STR(a->process->args[1], "h\xc3\xa9llo");
	CHECK_STR(a->process->args[2], "tab\there \"quoted\"");
	CHECK(a->process->rlimits[1].soft == UINT64_MAX);
	CHECK(a->process->user.umask == 18 && a->process->user.has_umask);
	CHECK(a->process->oom_score_adj == -500);
	CHECK(a->process->console_width == 80);
	CHECK(a->process->caps.inheritable == UINT64_C(1) << cella_cap_from_name("CAP_KILL"));
	CHECK(a->n_mounts == 2 && a->mounts[1].n_uid_mappings == 1);
	CHECK(a->hooks.count[CELLA_HOOK_CREATE_CONTAINER] == 2);
	CHECK(a->hooks.list[CELLA_HOOK_CREATE_RUNTIME][0].timeout == 5);
	CHECK(a->linux_.devices[1].type == 'p' && a->linux_.devices[1].major == -1);
	CHECK(a->linux_.devices[0].file_mode == 0666);
	CHECK_STR(a->linux_.ns[CELLA_NS_NET].path, "/var/run/netns/x");
	CHECK(a->linux_.time_monotonic.secs == -5);
	CHECK_STR(a->annotations[0].key, "org.example.key");
	CHECK_STR(a->linux_.sysctl[1].key, "kernel.shmmax");
	CHECK_STR(a->linux_.rootfs_propagation, "rslave");
	/* PER_LINUX32 */
	CHECK(a->linux_.has_personality && a->linux_.personality.domain == 0x0008);
	CHECK(a->process->has_scheduler && a->process->scheduler.policy == 3); /* SCHED_BATCH */
	CHECK(a->process->scheduler.nice == 5 && a->process->scheduler.flags == (0x01 | 0x10));
	CHECK(a->process->has_io_priority && a->process->io_priority.class_ == 3); /* IDLE */
	CHECK(a->process->io_priority.priority == 4);

	text1 = cella_spec_to_json(a);
	CHECK(text1 != NULL);
	CHECK_CONTAINS(text1, "\"soft\": 18446744073709551615");
	b = parse_ok(text1);
	check_spec_eq(a, b, true);
	if (b == NULL)
		return;
	/* emit is stable */
	text2 = cella_spec_to_json(b);
	CHECK_STR(text1, text2);
	c = parse_ok(text2);
	check_spec_eq(a, c, true);
}

/* Emit keeps runc's field order. */
static void test_emit_order(void)
{
	cleanup_spec struct cella_spec *def = cella_spec_default(false, 0, 0);
	cleanup_free char *text = cella_spec_to_json(def);
	const char *keys[] = {"\"ociVersion\"",	 "\"process\"",
			      "\"terminal\"",	 "\"user\"",
			      "\"args\"",	 "\"env\"",
			      "\"cwd\"",	 "\"capabilities\"",
			      "\"rlimits\"",	 "\"noNewPrivileges\"",
			      "\"root\"",	 "\"hostname\"",
			      "\"mounts\"",	 "\"linux\"",
			      "\"resources\"",	 "\"namespaces\"",
			      "\"maskedPaths\"", "\"readonlyPaths\""};
	const char *prev = text;

	CHECK(text != NULL);
	if (text == NULL)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *p = strstr(text, keys[i]);
		CHECK(p != NULL && p > prev);
		if (p != NULL)
			prev = p;
	}
	CHECK_CONTAINS(text, "\"type\": \"RLIMIT_NOFILE\",\n        \"hard\": 1024,");
	CHECK(strstr(text, "\"domainname\"") == NULL);
	CHECK(strstr(text, "\"hooks\"") == NULL);
	CHECK(strstr(text, "\"inheritable\"") == NULL);
	/* namespaces in runc's order */
	CHECK(strstr(text, "\"pid\"") < strstr(text, "\"network\""));
	CHECK(strstr(text, "\"uts\"") < strstr(text, "\"mount\""));
}

static void test_unknown_keys_ignored(void)
{
	cleanup_spec struct cella_spec *spec = parse_ok(
	    "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\", \"future\": [1, {}]},"
	    " \"future\": {\"a\": [[], {\"b\": null}]}, \"process\": {\"user\": {\"uid\": 1,"
	    " \"gid\": 2, \"sid\": 3}, \"args\": [\"x\"], \"cwd\": \"/\", \"scheduler\":"
	    " {\"policy\": \"SCHED_OTHER\"}, \"futureField\": {}},"
	    " \"linux\": {\"futureLinux\": {\"eth0\": {}}},"
	    " \"hostname\": null}");

	CHECK(spec != NULL);
	if (spec == NULL)
		return;
	CHECK(spec->process->user.uid == 1 && spec->process->user.gid == 2);
	CHECK(spec->hostname == NULL);
	CHECK(spec->has_linux);
	CHECK(spec->process->env == NULL);
	CHECK(spec->process->has_scheduler && !spec->process->has_io_priority);
}

static void expect_error(const char *text, const char *msg)
{
	struct cella_spec *spec = NULL;
	cella_error err = {0};
	int r = cella_spec_parse(text, strlen(text), "config.json", &spec, &err);

	CHECK(r < 0);
	CHECK(spec == NULL);
	CHECK(err.errnum == EINVAL);
	CHECK_STR(err.msg, msg);
	cella_spec_free(spec);
}

#define HEAD "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": {\"path\": \"rootfs\"},\n"
#define PROC                                                                                       \
	"  \"process\": {\n    \"user\": {\"uid\": 0, \"gid\": 0},\n    \"cwd\": \"/\",\n    "     \
	"\"args\": [\"sh\"],\n"

static void test_error_positions(void)
{
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": 0, \"gid\": 0},\n"
			  "    \"cwd\": \"/\",\n    \"args\": [\"sh\", 42]\n  }\n}\n",
		     "config.json:7:20: process.args[1]: expected a string");
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": 0, \"gid\": 0},\n"
			  "    \"args\": [\"sh\"]\n  }\n}\n",
		     "config.json:4:14: process.cwd: required field is missing");
	expect_error(HEAD "  \"mounts\": [\n    {\"destination\": \"/proc\", \"type\": \"proc\"},\n"
			  "    {\"destination\": \"tmp\", \"type\": \"tmpfs\"}\n  ]\n}\n",
		     "config.json:6:21: mounts[1].destination: `tmp` is not an absolute path");
	expect_error(HEAD "  \"linux\": {\n    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": "
			  "\"bogus\"}]\n  }\n}\n",
		     "config.json:5:46: linux.namespaces[1].type: unknown namespace type `bogus`");
	expect_error(HEAD "  \"linux\": {\n    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": "
			  "\"pid\"}]\n  }\n}\n",
		     "config.json:5:46: linux.namespaces[1].type: duplicate namespace type `pid`");
	/* Unknown capability names: ignored with a warning (runtime-spec, runc). */
	{
		struct cella_spec *sp = parse_ok(HEAD PROC "    \"capabilities\": {\n"
							   "      \"bounding\": [\"CAP_KILL\", "
							   "\"CAP_FLY\"],\n"
							   "      \"effective\": [\"cap_kill\"]\n"
							   "    }\n  }\n}\n");
		CHECK(sp->process->caps.bounding == UINT64_C(1) << 5);
		CHECK(sp->process->caps.effective == 0);
		cella_spec_free(sp);
	}
	expect_error(HEAD PROC
		     "    \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": "
		     "1}]\n  }\n}\n",
		     "config.json:8:26: process.rlimits[0].type: unknown rlimit type `RLIMIT_FOO`");
	expect_error(HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, "
			       "\"hard\": 1}, {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": "
			       "2}]\n  }\n}\n",
		     "config.json:8:75: process.rlimits[1].type: duplicate rlimit `RLIMIT_NOFILE`");
	expect_error(
	    HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 9, "
		      "\"hard\": 1}]\n  }\n}\n",
	    "config.json:8:49: process.rlimits[0].soft: soft limit 9 is above hard limit 1");
	expect_error(HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": -1, "
			       "\"hard\": 1}]\n  }\n}\n",
		     "config.json:8:49: process.rlimits[0].soft: -1 is out of range (0 to "
		     "18446744073709551615)");
	expect_error(HEAD "  \"linux\": {\n    \"rootfsPropagation\": \"sideways\"\n  }\n}\n",
		     "config.json:5:26: linux.rootfsPropagation: invalid propagation `sideways`");
	expect_error(HEAD PROC "    \"oomScoreAdj\": 1001\n  }\n}\n",
		     "config.json:8:20: process.oomScoreAdj: 1001 is out of range (-1000 to 1000)");
	expect_error(HEAD PROC "    \"terminal\": \"yes\"\n  }\n}\n",
		     "config.json:8:17: process.terminal: expected a boolean");
	expect_error(HEAD PROC "    \"env\": [\"A=1\", \"NOEQUALS\"]\n  }\n}\n",
		     "config.json:8:20: process.env[1]: expected KEY=VALUE");
	expect_error(HEAD PROC "    \"consoleSize\": {\"height\": 70000, \"width\": 1}\n  }\n}\n",
		     "config.json:8:31: process.consoleSize.height: 70000 is out of range (0 to "
		     "65535)");
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": 0, \"gid\": 0},\n"
			  "    \"cwd\": \"/\",\n    \"args\": []\n  }\n}\n",
		     "config.json:7:13: process.args: must not be empty");
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": -1, \"gid\": 0},\n"
			  "    \"cwd\": \"/\",\n    \"args\": [\"sh\"]\n  }\n}\n",
		     "config.json:5:21: process.user.uid: -1 is out of range (0 to 4294967295)");
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": 1.5, \"gid\": 0},\n"
			  "    \"cwd\": \"/\",\n    \"args\": [\"sh\"]\n  }\n}\n",
		     "config.json:5:21: process.user.uid: expected an integer");
	expect_error(HEAD "  \"process\": {\n    \"user\": {\"uid\": 0},\n"
			  "    \"cwd\": \"relative\",\n    \"args\": [\"sh\"]\n  }\n}\n",
		     "config.json:5:13: process.user.gid: required field is missing");
	expect_error(HEAD "  \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", "
			  "\"major\": 1}]}\n}\n",
		     "config.json:4:25: linux.devices[0].minor: required field is missing");
	expect_error(
	    HEAD "  \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]}\n}\n",
	    "config.json:4:52: linux.devices[0].type: invalid device type `x` (expected c, "
	    "b, u or p)");
	expect_error(HEAD "  \"hooks\": {\"poststop\": [{\"path\": \"/x\", \"timeout\": 0}]}\n}\n",
		     "config.json:4:52: hooks.poststop[0].timeout: 0 is out of range (1 to "
		     "2147483647)");
	expect_error(HEAD "  \"hooks\": {\"prestart\": [{\"path\": \"x\"}]}\n}\n",
		     "config.json:4:35: hooks.prestart[0].path: `x` is not an absolute path");
	expect_error(HEAD "  \"annotations\": {\"org.example\": 5}\n}\n",
		     "config.json:4:34: annotations[\"org.example\"]: expected a string");
	expect_error(HEAD "  \"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}\n}\n",
		     "config.json:4:28: linux.timeOffsets.realtime: unknown clock (expected "
		     "monotonic or boottime)");
	expect_error(HEAD "  \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 0, "
			  "\"size\": 0}]}\n}\n",
		     "config.json:4:29: linux.uidMappings[0].size: must be greater than 0");
	expect_error(HEAD "  \"linux\": {\"resources\": []}\n}\n",
		     "config.json:4:26: linux.resources: expected an object");
	expect_error("{\"root\": {\"path\": \"r\"}}",
		     "config.json:1:1: ociVersion: required field is missing");
	expect_error("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
		     "config.json:1:16: ociVersion: unsupported version `2.0.0` (cella reads 1.x)");
	expect_error("{\"ociVersion\": \"1.0.0\"}",
		     "config.json:1:1: root: required field is missing");
	expect_error("[1, 2]", "config.json:1:1: expected a JSON object at the top level");
}

/* The locator walks escaped strings and nested containers correctly. */
static void test_error_positions_tricky(void)
{
	/* brackets and quotes inside strings, escaped keys, nested arrays */
	expect_error("{\"ociVersion\": \"1.0.2\", \"hostname\": \"a\\\\\\\"}][{\",\n"
		     "\"annotations\": {\"x\": \"]\\\"[{\"}, \"root\": {\"path\": \"r\"},\n"
		     "\"\\u0070rocess\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\",\n"
		     "  \"args\": [\"a\", \"b\\u00e9\\\"\", true]}}",
		     "config.json:4:30: process.args[2]: expected a string");
	/* a UTF-8 character counts as one column */
	expect_error("{\"ociVersion\": \"1.0.2\", \"hostname\": \"\xc3\xa9\xc3\xa9\", \"root\": 7}",
		     "config.json:1:51: root: expected an object");
	expect_error(
	    HEAD "  \"mounts\": [{\"destination\": \"/a\", \"uidMappings\": [{\"containerID\": "
		 "0, \"hostID\": 0, \"size\": 1}, {\"containerID\": \"0\"}]}]\n}\n",
	    "config.json:4:112: mounts[0].uidMappings[1].containerID: expected an integer");
	/* big integers switch to exact text reading; errors still located */
	expect_error(
	    HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": "
		      "18446744073709551615, \"hard\": 1}]\n  },\n"
		      "  \"linux\": {\"resources\": {\"x\": 18446744073709551615}}\n}\n",
	    "config.json:8:49: process.rlimits[0].soft: soft limit 18446744073709551615 is "
	    "above hard limit 1");
	expect_error(HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": "
			       "18446744073709551616, \"hard\": 1}]\n  }\n}\n",
		     "config.json:8:49: process.rlimits[0].soft: 18446744073709551616 is out of "
		     "range (0 to 18446744073709551615)");
	expect_error(
	    HEAD "  \"process\": {\n    \"user\": {\"uid\": 1e3, \"gid\": 99999999999999999999},\n"
		 "    \"cwd\": \"/\",\n    \"args\": [\"sh\"]\n  }\n}\n",
	    "config.json:5:21: process.user.uid: expected an integer");
}

static void test_memory_policy(void)
{
	cleanup_spec struct cella_spec *spec = parse_ok(
	    "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"memoryPolicy\":"
	    " {\"mode\": \"MPOL_BIND\", \"nodes\": \"0-2,65\", \"flags\": "
	    "[\"MPOL_F_STATIC_NODES\"]}}}");
	cleanup_free char *text = NULL;

	CHECK(spec != NULL);
	if (spec == NULL)
		return;
	CHECK(spec->linux_.has_memory_policy);
	CHECK(spec->linux_.memory_policy.mode == 2);
	CHECK(spec->linux_.memory_policy.flags == 1U << 15);
	CHECK(spec->linux_.memory_policy.mask[0] == 7);
	CHECK(spec->linux_.memory_policy.mask[1] == 2);
	text = cella_spec_to_json(spec);
	CHECK(strstr(text, "\"MPOL_F_STATIC_NODES\"") != NULL);
	CHECK(strstr(text, "\"0-2,65\"") != NULL);
	expect_error(HEAD "  \"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_LOCAL\", \"nodes\": "
			  "\"1\"}}\n}\n",
		     "config.json:4:61: linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes");
	expect_error(HEAD "  \"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_X\"}}\n}\n",
		     "config.json:4:38: linux.memoryPolicy.mode: unknown mode `MPOL_X`");
}

static void test_big_integers(void)
{
	cleanup_spec struct cella_spec *spec =
	    parse_ok(HEAD PROC "    \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": "
			       "18446744073709551615, \"hard\": 18446744073709551615}],\n"
			       "    \"oomScoreAdj\": 10\n  },\n"
			       "  \"linux\": {\"resources\": {\"memory\": {\"limit\": 1024},"
			       " \"cpu\": {\"shares\": 18446744073709551615}}}\n}\n");
	cleanup_spec struct cella_spec *again = NULL;
	cleanup_free char *text = NULL;

	CHECK(spec != NULL);
	if (spec == NULL)
		return;
	CHECK(spec->process->rlimits[0].hard == UINT64_MAX);
	CHECK(spec->process->oom_score_adj == 10);
	CHECK_STR(spec->linux_.resources_json,
		  "{\"memory\":{\"limit\":1024},\"cpu\":{\"shares\":18446744073709551615}}");
	text = cella_spec_to_json(spec);
	CHECK_CONTAINS(text, "18446744073709551615}}");
	again = parse_ok(text);
	CHECK(again != NULL);
	if (again != NULL) {
		CHECK(again->process->rlimits[0].soft == UINT64_MAX);
		CHECK_STR(again->linux_.resources_json, spec->linux_.resources_json);
	}
}

static void test_malformed_json(void)
{
	struct cella_spec *spec = NULL;
	cella_error err = {0};
	const char *text =
	    "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": {\"path\": \"rootfs\",}\n}\n";

	CHECK(cella_spec_parse(text, strlen(text), "config.json", &spec, &err) < 0);
	CHECK(spec == NULL);
	CHECK(str_has_prefix(err.msg, "config.json:3:"));
	CHECK_CONTAINS(err.msg, ": invalid JSON: ");
	expect_error("", "config.json:1:1: invalid JSON: '[' or '{' expected near end of file");
	expect_error("{\"ociVersion\": \"1.0.2\", \"ociVersion\": \"1.0.2\"}",
		     "config.json:1:36: invalid JSON: duplicate object key near '\"ociVersion\"'");
	/* NUL bytes (jansson would skip one after a number) */
	CHECK(cella_spec_parse("{\"ociVersion\": \"1.0.2\",\n \"x\": 1\0}", 33, "config.json",
			       &spec, &err) < 0);
	CHECK_STR(err.msg, "config.json:2:8: invalid JSON: NUL byte");
	/* only len bytes are read */
	CHECK(cella_spec_parse("{}garbage", 2, "x.json", &spec, &err) < 0);
	CHECK_STR(err.msg, "x.json:1:1: ociVersion: required field is missing");
}

static void test_load(void)
{
	char path[] = "/tmp/cella-test-spec-XXXXXX";
	int fd = mkstemp(path);
	struct cella_spec *spec = NULL;
	cella_error err = {0};

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write_all(fd, runc_spec, strlen(runc_spec)) == (ssize_t)strlen(runc_spec));
	close(fd);
	CHECK(cella_spec_load(path, &spec, &err) == 0);
	CHECK(spec != NULL && spec->n_mounts == 7);
	cella_spec_free(spec);
	unlink(path);
	spec = NULL;
	CHECK(cella_spec_load(path, &spec, &err) < 0);
	CHECK(err.errnum == ENOENT);
}

static void test_env_editing(void)
{
	cleanup_spec struct cella_spec *spec = cella_spec_default(false, 0, 0);
	char **env;

	cella_spec_setenv(spec, "TERM=dumb");
	cella_spec_setenv(spec, "FOO=bar=baz");
	cella_spec_setenv(spec, "EMPTY");
	cella_spec_setenv(spec, "PATHX=1");
	env = spec->process->env;
	CHECK(strv_len(env) == 5);
	CHECK_STR(env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK_STR(env[1], "TERM=dumb");
	CHECK_STR(env[2], "FOO=bar=baz");
	CHECK_STR(env[3], "EMPTY=");
	CHECK_STR(env[4], "PATHX=1");
	cella_spec_setenv(spec, "FOO=1");
	CHECK_STR(spec->process->env[2], "FOO=1");
	CHECK(strv_len(spec->process->env) == 5);
}

static void test_editing(void)
{
	cleanup_spec struct cella_spec *spec = cella_spec_default(false, 0, 0);
	cleanup_spec struct cella_spec *bare = calloc(1, sizeof(struct cella_spec));
	cleanup_spec struct cella_spec *again = NULL;
	char a0[] = "/bin/echo", a1[] = "hi", o0[] = "rbind", o1[] = "ro";
	char *args[] = {a0, a1, NULL};
	char *opts[] = {o0, o1, NULL};

	cella_spec_set_args(spec, args);
	CHECK(strv_len(spec->process->args) == 2);
	CHECK_STR(spec->process->args[0], "/bin/echo");
	cella_spec_add_mount(spec, "/data", "none", "/srv", opts);
	cella_spec_add_mount(spec, "/tmp", "tmpfs", NULL, NULL);
	CHECK(spec->n_mounts == 9);
	CHECK_STR(spec->mounts[7].options[1], "ro");
	CHECK(cella_spec_remove_mount(spec, "/dev/shm"));
	CHECK(!cella_spec_remove_mount(spec, "/dev/shm"));
	CHECK(spec->n_mounts == 8);
	CHECK_STR(spec->mounts[3].destination, "/dev/mqueue");
	cella_spec_set_ns(spec, CELLA_NS_NET, true, "/run/netns/a");
	cella_spec_set_ns(spec, CELLA_NS_PID, false, NULL);
	cella_spec_set_ns(spec, CELLA_NS_CGROUP, true, NULL);
	again = reparse(spec);
	check_spec_eq(spec, again, true);
	if (again != NULL) {
		CHECK_STR(again->linux_.ns[CELLA_NS_NET].path, "/run/netns/a");
		CHECK(!again->linux_.ns[CELLA_NS_PID].enabled);
		CHECK(again->linux_.ns[CELLA_NS_CGROUP].enabled);
		CHECK(again->mounts[7].source == NULL);
	}

	/* a spec without a process gets one */
	cella_spec_setenv(bare, "A=b");
	cella_spec_set_args(bare, args);
	CHECK(bare->process != NULL && bare->process->cwd != NULL);
	CHECK_STR(bare->process->env[0], "A=b");
	cella_spec_set_ns(bare, CELLA_NS_USER, true, NULL);
	CHECK(bare->has_linux);
}

static void test_emit_invalid_utf8(void)
{
	cleanup_spec struct cella_spec *spec = cella_spec_default(false, 0, 0);
	cleanup_spec struct cella_spec *again = NULL;
	char a0[] = "echo", a1[] = "caf\xe9";
	char *args[] = {a0, a1, NULL};

	cella_spec_set_args(spec, args);
	again = reparse(spec);
	CHECK(again != NULL);
	if (again != NULL)
		CHECK_STR(again->process->args[1], "caf\xef\xbf\xbd");
}

static void test_names(void)
{
	CHECK_STR(cella_ns_type_name(CELLA_NS_NET), "network");
	CHECK_STR(cella_ns_type_name(CELLA_NS_MOUNT), "mount");
	CHECK(cella_ns_type_name(CELLA_NS_COUNT) == NULL);
	CHECK(cella_ns_type_from_name("network", false) == CELLA_NS_NET);
	CHECK(cella_ns_type_from_name("net", false) == -1);
	CHECK(cella_ns_type_from_name("net", true) == CELLA_NS_NET);
	CHECK(cella_ns_type_from_name("mnt", true) == CELLA_NS_MOUNT);
	CHECK(cella_ns_type_from_name("time", false) == CELLA_NS_TIME);
	CHECK(cella_ns_type_from_name("bogus", true) == -1);
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		CHECK(cella_ns_type_from_name(cella_ns_type_name(t), false) == t);

	CHECK(cella_cap_from_name("CAP_CHOWN") == 0);
	CHECK(cella_cap_from_name("CAP_SYS_ADMIN") == 21);
	CHECK(cella_cap_from_name("cap_chown") == -1);
	CHECK(cella_cap_from_name("CHOWN") == -1);
	CHECK(cella_cap_from_name("0") == -1);
	CHECK(cella_cap_from_name("CAP_NOPE") == -1);
	CHECK_STR(cella_cap_name(0), "CAP_CHOWN");
	CHECK_STR(cella_cap_name(21), "CAP_SYS_ADMIN");
	CHECK(cella_cap_last_known() >= 40); /* CAP_CHECKPOINT_RESTORE */
	CHECK(cella_cap_name(cella_cap_last_known()) != NULL);
	CHECK(cella_cap_name(cella_cap_last_known() + 1) == NULL);
	CHECK(cella_cap_name(-1) == NULL);
	for (int c = 0; c <= cella_cap_last_known(); c++)
		CHECK(cella_cap_from_name(cella_cap_name(c)) == c);

	CHECK(cella_rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE);
	CHECK(cella_rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
	CHECK(cella_rlimit_from_name("NOFILE") == -1);
	CHECK_STR(cella_rlimit_name(RLIMIT_CORE), "RLIMIT_CORE");
	CHECK(cella_rlimit_name(-5) == NULL);
}

int main(void)
{
	RUN(test_runc_default);
	RUN(test_runc_default_rootless);
	RUN(test_runc_live);
	RUN(test_full_roundtrip);
	RUN(test_emit_order);
	RUN(test_unknown_keys_ignored);
	RUN(test_error_positions);
	RUN(test_error_positions_tricky);
	RUN(test_big_integers);
	RUN(test_memory_policy);
	RUN(test_malformed_json);
	RUN(test_load);
	RUN(test_env_editing);
	RUN(test_editing);
	RUN(test_emit_invalid_utf8);
	RUN(test_names);
	return unit_done();
}
