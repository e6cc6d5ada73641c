# cella: build, test, install.
#   make                 build/bin/cella, the probe and the default rootfs
#   make check           the whole test suite (what .ci/run runs)
#   make SANITIZE=1      an ASan+UBSan build in build-san/
#   make format          clang-format the tree; make format-check verifies
PREFIX ?= /usr/local
CC ?= gcc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
else
BUILD ?= build
endif

PKGS := jansson libseccomp libcap libmnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wformat-nonliteral -Wvla -Wswitch-default -Wpointer-arith \
	-Wundef -Wcast-align -Wwrite-strings -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) \
	-fstack-protector-strong -fPIE
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
CFLAGS += -D_FORTIFY_SOURCE=2
endif
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS += $(PKG_LIBS)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CFLAGS += -DCELLA_VERSION='"$(VERSION)"' -DCELLA_COMMIT='"$(COMMIT)"'

LIB_SRCS := $(wildcard src/util/*.c src/spec/*.c src/kernel/*.c src/engine/*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
DEPS := $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

CELLA := $(BUILD)/bin/cella
PROBE := $(BUILD)/bin/cella-probe
ROOTFS := $(BUILD)/share/cella/rootfs
PYTEST ?= /usr/bin/python3 -m pytest

.PHONY: all check check-unit check-integration check-san check-v2 check-systemd format format-check \
	clean install fuzz bench rootfs
all: $(CELLA) $(PROBE) $(BUILD)/share/cella/.rootfs.stamp

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcella.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The quick door's default seccomp profile, compiled to BPF at build time
# (engine/seccomp_prebuilt.h): a generator linked against the library writes
# the table, which only the cella binary links.
$(BUILD)/gen/gen-seccomp-default: tools/gen-seccomp-default.c $(BUILD)/libcella.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcella.a $(LDLIBS)
$(BUILD)/gen/seccomp_prebuilt.c: $(BUILD)/gen/gen-seccomp-default
	$< > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/seccomp_prebuilt.o: $(BUILD)/gen/seccomp_prebuilt.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(CELLA): $(CLI_OBJS) $(BUILD)/libcella.a $(BUILD)/gen/seccomp_prebuilt.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/gen/seccomp_prebuilt.o $(BUILD)/libcella.a $(LDLIBS)

# The probe runs inside containers whose rootfs has no libc: static, and
# built without sanitizers (it is a test fixture, not cella).
$(PROBE): tests/probe/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

$(BUILD)/share/cella/.rootfs.stamp: scripts/mkrootfs.sh
	scripts/mkrootfs.sh $(ROOTFS)
	touch $@
rootfs: $(BUILD)/share/cella/.rootfs.stamp

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libcella.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(BUILD)/libcella.a $(LDLIBS)

check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: all
	CELLA=$(abspath $(CELLA)) CELLA_PROBE=$(abspath $(PROBE)) \
	CELLA_ROOTFS=$(abspath $(ROOTFS)) $(PYTEST) -q tests/integration $(PYTEST_ARGS)

# The cgroup tests again on a pure cgroup v2 kernel: Debian's, booted under
# qemu with cgroup_no_v1=all (tests/vm/run.sh), one boot for all of them.
# The containers' rootfs is copied onto the guest's tmpfs: on the 9p share,
# the v2 memory controller keeps reclaiming instead of OOM-killing.
V2_TESTS := tests/integration/test_cgroup.py tests/integration/test_cgroup_flags.py \
	tests/integration/test_cgroup_events.py tests/integration/test_lsm.py tests/integration/test_cgroup_io.py \
	tests/integration/test_cgroup_rootless.py
check-v2: all $(BUILD)/tests/test_cgroup_live
	tests/vm/run.sh sh -c 'set -e; $(BUILD)/tests/test_cgroup_live; \
		cp -a $(ROOTFS) /tmp/rootfs; \
		CELLA=$(abspath $(CELLA)) CELLA_PROBE=$(abspath $(PROBE)) CELLA_ROOTFS=/tmp/rootfs \
		$(PYTEST) -q -p no:cacheprovider $(V2_TESTS) $(PYTEST_ARGS)'

# Under a booted systemd (PID 1 in the VM, tests/vm/run.sh CELLA_VM_SYSTEMD=1):
# the systemd cgroup driver and NOTIFY_SOCKET with a real manager.
SYSTEMD_TESTS := tests/integration/test_systemd.py tests/integration/test_notify.py
check-systemd: all
	CELLA_VM_SYSTEMD=1 tests/vm/run.sh sh -c 'set -e; cp -a $(ROOTFS) /tmp/rootfs; \
		CELLA=$(abspath $(CELLA)) CELLA_PROBE=$(abspath $(PROBE)) CELLA_ROOTFS=/tmp/rootfs \
		$(PYTEST) -q -p no:cacheprovider $(SYSTEMD_TESTS) $(PYTEST_ARGS)'

# The whole suite: formatting, unit and integration tests, then both again
# under ASan+UBSan, 20 s of fuzzing the config parser, then the cgroup tests on
# a pure cgroup v2 kernel, and the systemd tests under a booted systemd.
check: format-check
	$(MAKE) check-unit check-integration
	$(MAKE) SANITIZE=1 check-unit check-integration
	$(MAKE) -C tests/fuzz smoke
	$(MAKE) check-v2
	$(MAKE) check-systemd

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

fuzz:
	$(MAKE) -C tests/fuzz

bench: all
	bench/bench.sh

install: all
	install -D -m 0755 $(CELLA) $(DESTDIR)$(PREFIX)/bin/cella
	mkdir -p $(DESTDIR)$(PREFIX)/share/cella
	cp -a $(ROOTFS) $(DESTDIR)$(PREFIX)/share/cella/

clean:
	rm -rf build build-san

-include $(DEPS)
