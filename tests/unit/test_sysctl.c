/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: which namespace a sysctl key belongs to. */
#include "kernel/sysctl.h"
#include "unit.h"

static void test_namespaces(void)
{
	CHECK(sysctl_namespace("net.ipv4.ip_forward") == CELLA_NS_NET);
	CHECK(sysctl_namespace("net.core.somaxconn") == CELLA_NS_NET);
	CHECK(sysctl_namespace("kernel.shmmax") == CELLA_NS_IPC);
	CHECK(sysctl_namespace("kernel.msgmnb") == CELLA_NS_IPC);
	CHECK(sysctl_namespace("kernel.sem") == CELLA_NS_IPC);
	CHECK(sysctl_namespace("fs.mqueue.msg_max") == CELLA_NS_IPC);
	CHECK(sysctl_namespace("kernel.hostname") == CELLA_NS_UTS);
	CHECK(sysctl_namespace("kernel.domainname") == CELLA_NS_UTS);
}

static void test_host_keys(void)
{
	CHECK(sysctl_namespace("kernel.panic") == -1);
	CHECK(sysctl_namespace("vm.swappiness") == -1);
	CHECK(sysctl_namespace("kernel.semx") == -1);
	CHECK(sysctl_namespace("fs.file-max") == -1);
	CHECK(sysctl_namespace("network") == -1);
}

int main(void)
{
	RUN(test_namespaces);
	RUN(test_host_keys);
	return unit_done();
}
