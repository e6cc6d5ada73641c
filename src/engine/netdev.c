/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.netDevices in the life cycle: each named host interface is moved
 * into the container's network namespace (renamed when asked) by the
 * runtime once the init exists (#3), before the hooks and the process see
 * the namespace; on delete, and on a failed create, it is moved back to the
 * runtime's namespace under its host name, as runc does. A container that
 * stopped in a namespace of its own took that namespace with it: the kernel
 * then gave physical devices back to the host itself and destroyed virtual
 * ones; a namespace joined by path outlives the container and the devices
 * come back from it.
 *
 * Who runs this: the runtime, root on the host (kernel/net.c does the
 * moves).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/state.h"
#include "kernel/net.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

static const char *inner_name(const struct cella_kv *d)
{
	return d->value != NULL ? d->value : d->key;
}

int engine_netdev_validate(const struct cella_linux *l, cella_error *err)
{
	if (l->n_net_devices == 0)
		return 0;
	if (!l->ns[CELLA_NS_NET].enabled)
		return cella_err_invalid(
		    err, "linux.netDevices: needs a network namespace in linux.namespaces (the "
			 "devices would stay in the host's)");
	if (geteuid() != 0)
		return cella_err(err, EPERM,
				 "linux.netDevices: moving interfaces needs root on the host");
	for (size_t i = 0; i < l->n_net_devices; i++)
		if (if_nametoindex(l->net_devices[i].key) == 0)
			return cella_err(err, errno, "linux.netDevices: no interface `%s` here",
					 l->net_devices[i].key);
	return 0;
}

int engine_netdev_move_in(const struct cella_linux *l, pid_t init, int *ns, size_t *moved,
			  cella_error *err)
{
	char path[64];

	*moved = 0;
	if (l->n_net_devices == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
	*ns = open(path, O_RDONLY | O_CLOEXEC);
	if (*ns < 0)
		return cella_err(err, errno, "linux.netDevices: open `%s`", path);
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct cella_kv *d = &l->net_devices[i];

		if (net_device_move(-1, d->key, *ns, d->value, err) < 0)
			return cella_err_ret(err);
		*moved = i + 1;
	}
	return 0;
}

/* Failures are warnings: the container goes regardless. */
static void move_out(const struct cella_linux *l, int ns, size_t n)
{
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cella_error err;

	if (self < 0) {
		cella_warn("linux.netDevices: open our network namespace: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cella_kv *d = &l->net_devices[i];

		cella_err_clear(&err);
		if (net_device_move(ns, inner_name(d), self, d->key, &err) < 0)
			cella_warn("linux.netDevices: `%s` not moved back: %s", d->key, err.msg);
	}
}

void engine_netdev_move_back(const struct cella_linux *l, int ns, size_t n)
{
	if (n > 0 && ns >= 0)
		move_out(l, ns, n);
}

void engine_netdev_restore(int dirfd, pid_t alive_init)
{
	cleanup_spec struct cella_spec *spec = NULL;
	cleanup_free char *text = NULL;
	cleanup_close int ns = -1;
	const struct cella_linux *l;
	cella_error err;
	ssize_t n;

	cella_err_clear(&err);
	/* Not waiting on a FIFO, nor reading a device, put in its place. */
	n = read_input_file_at(dirfd, APPLIED_CONFIG_FILE, APPLIED_CONFIG_FILE,
			       CELLA_SPEC_MAX_BYTES, &text, &err);
	/* The applied config is our own serialization (cella_spec_to_json),
	 * which names the member when there are devices to move: without the
	 * name, no parse (a tenth of a run's user time, at every delete). */
	if (n < 0 || strstr(text, "\"netDevices\"") == NULL ||
	    cella_spec_parse(text, (size_t)n, APPLIED_CONFIG_FILE, &spec, &err) < 0)
		return;
	l = &spec->linux_;
	if (l->n_net_devices == 0)
		return;
	if (alive_init > 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)alive_init);
		ns = open(path, O_RDONLY | O_CLOEXEC);
	} else if (l->ns[CELLA_NS_NET].path != NULL) {
		ns = open(l->ns[CELLA_NS_NET].path, O_RDONLY | O_CLOEXEC);
	} else {
		return; /* gone with the container (see above) */
	}
	if (ns < 0) {
		cella_warn("linux.netDevices: the container's network namespace: %s",
			   strerror(errno));
		return;
	}
	move_out(l, ns, l->n_net_devices);
}
