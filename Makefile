# cella: build, test, install.
#   make                 build/bin/cella, its man pages, the probe and the default rootfs
#   make check           the whole test suite (what .ci/run runs)
#   make SANITIZE=1      an ASan+UBSan build in build-san/
#   make WERROR=1        warnings are errors (make check and CI turn it on)
#   make STATIC=0        link the runtime dynamically (by default it is a
#                        static-pie where the C library's archive is found)
#   make STATIC_LIBS=    link jansson, libseccomp and libcap dynamically too
#                        (by default their archives are linked in when found)
#   make install         PREFIX DESTDIR BINDIR MANDIR and the completion dirs
#                        below (the runtime behind the launcher and the
#                        systemd driver's helper go to BINDIR/../libexec/cella,
#                        see LAUNCHER and STATIC); make install-rootfs adds
#                        the busybox rootfs
#   make format          clang-format the tree; make format-check verifies
#
# Flags, as distributions pass them: the project's own (CELLA_CPPFLAGS,
# CELLA_CFLAGS, CELLA_LDFLAGS) come first, the caller's CPPFLAGS, CFLAGS and
# LDFLAGS after them, so that `make CFLAGS=...` adds to, and overrides, the
# project's defaults instead of dropping -Isrc -std=gnu11. -D_FORTIFY_SOURCE
# is added only where the toolchain and the caller's flags leave it undefined
# (Fedora passes -Wp,-D_FORTIFY_SOURCE=3). Cross-compiling: CROSS_COMPILE=
# aarch64-linux-gnu- (sets CC and PKG_CONFIG, and compiles the default
# seccomp profile at run time, see PREBUILT_SECCOMP).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
INSTALL ?= install
SCDOC ?= scdoc
ifneq ($(CROSS_COMPILE),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
PKG_CONFIG ?= $(CROSS_COMPILE)pkg-config
PREBUILT_SECCOMP ?= 0
endif
PKG_CONFIG ?= pkg-config
# 1: the default seccomp profile is compiled to BPF at build time by a
# generator that runs on the build machine (when it cannot run there, the
# table is left empty, with a note, and cella compiles the profile at run
# time, as it does for every other profile). 0: no generator.
PREBUILT_SECCOMP ?= 1
SANITIZE ?= 0
WERROR ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
else
BUILD ?= build
endif

PKGS := jansson libseccomp libcap
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# The libraries linked in statically when the toolchain has their archive
# (libNAME.a): each process start skips their loading and symbol binding.
# `make STATIC_LIBS=` links every library dynamically, as a distribution may
# want.
STATIC_LIBS ?= jansson seccomp cap
# A file the toolchain has (its path), or nothing.
cc_file = $(filter /%,$(shell $(CC) -print-file-name=$(1) 2>/dev/null))
STATIC_ARCHIVES := $(foreach l,$(STATIC_LIBS),$(call cc_file,lib$(l).a))
STATIC_FOUND := $(patsubst lib%.a,%,$(notdir $(STATIC_ARCHIVES)))
PKG_LIBS := $(STATIC_ARCHIVES) $(filter-out $(addprefix -l,$(STATIC_FOUND)),$(PKG_LIBS))

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wformat-nonliteral -Wvla -Wswitch-default -Wpointer-arith \
	-Wundef -Wcast-align -Wwrite-strings -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS ?= -O2 -g

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CELLA_CPPFLAGS := -Isrc -D_GNU_SOURCE $(PKG_CFLAGS) \
	-DCELLA_VERSION='"$(VERSION)"' -DCELLA_COMMIT='"$(COMMIT)"'
CELLA_CFLAGS := -std=gnu11 $(WARN) -fstack-protector-strong -fPIE
CELLA_LDFLAGS := -pie -Wl,-z,relro,-z,now
ifeq ($(SANITIZE),1)
CELLA_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CELLA_LDFLAGS += -fsanitize=address,undefined
else
# The toolchain's (or the caller's) fortify level wins; 2 where there is none.
ifeq ($(shell echo | $(CC) $(CPPFLAGS) $(CFLAGS) -O2 -dM -E - 2>/dev/null | grep -c ' _FORTIFY_SOURCE '),0)
CELLA_CPPFLAGS += -D_FORTIFY_SOURCE=2
endif
endif
COMPILE = $(CC) $(CELLA_CPPFLAGS) $(CPPFLAGS) $(CELLA_CFLAGS) $(CFLAGS)
LINK = $(CC) $(CELLA_CFLAGS) $(CFLAGS) $(CELLA_LDFLAGS) $(LDFLAGS)
LDLIBS += $(PKG_LIBS)
# STATIC=1 (the default where the C library has its archive, libc.a, and
# the other libraries theirs, and not with sanitizers): the runtime is a
# static-pie, C library included: no dynamic loader, no symbol binding at
# each start, and about 0.8 MiB less resident memory than with glibc's
# shared object mapped (issue 17). Nothing in it loads a shared object:
# the systemd cgroup driver's D-Bus calls go through a small dynamically
# linked helper, cella-systemd (src/sdhelper/), beside the runtime.
# STATIC=0: a dynamically linked runtime.
# (the C library's archive and static-pie start file, and every other
# library found as an archive: no -lNAME left)
STATIC_OK := $(and $(call cc_file,libc.a),$(call cc_file,rcrt1.o),$(PKG_LIBS),$(if $(filter -l%,$(PKG_LIBS)),,yes))
ifeq ($(SANITIZE),1)
STATIC ?= 0
else
STATIC ?= $(if $(STATIC_OK),1,0)
endif
ifeq ($(STATIC),1)
RUNTIME_LDFLAGS := -static-pie
endif
SDHELPER_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)
# Fault injection (util/fault.h, CELLA_FAULT=POINT[:ACTION]) is compiled into
# the test builds; `make RELEASE=1` leaves it out.
RELEASE ?= 0
ifneq ($(RELEASE),1)
CELLA_CPPFLAGS += -DCELLA_FAULT_INJECTION
endif

LIB_SRCS := $(wildcard src/util/*.c src/spec/*.c src/kernel/*.c src/engine/*.c src/inspect/*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
DEPS := $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(BUILD)/obj/src/sdhelper/cella-systemd.d

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

CELLA := $(BUILD)/bin/cella
PROBE := $(BUILD)/bin/cella-probe
# LAUNCHER=1 (the default where src/launcher has the target's system call
# glue: x86_64): `cella` is a small static program without a C library that
# starts the runtime, BINDIR/../libexec/cella/cella, from its read-only
# overlay at once for the commands that enter a container, sparing them the
# runtime's second start (src/launcher/launcher.c). LAUNCHER=0: `cella` is
# the runtime itself, as on every other target. The launcher looks from its
# real directory (symlinks resolved): with BINDIR=/sbin on a merged-/usr
# system, install with BINDIR=/usr/sbin.
LAUNCHER ?= $(if $(filter x86_64-%,$(shell $(CC) -dumpmachine 2>/dev/null)),1,0)
SDHELPER := $(BUILD)/libexec/cella/cella-systemd
ifeq ($(LAUNCHER),1)
RUNTIME := $(BUILD)/libexec/cella/cella
CELLA_CPPFLAGS += -DCELLA_ROOTFS_REL='"../../share/cella/rootfs"' \
	-DCELLA_SYSTEMD_HELPER_REL='"cella-systemd"'
else
RUNTIME := $(CELLA)
endif
RUNTIME_DIR = $(abspath $(BINDIR)/../libexec/cella)
ROOTFS := $(BUILD)/share/cella/rootfs
PYTEST ?= /usr/bin/python3 -m pytest

.PHONY: all check check-layers check-unit check-integration check-san check-v2 check-docs \
	check-distro check-package check-static check-deps format format-check \
	clean install install-rootfs uninstall fuzz bench rootfs man stress check-systemd
all: $(CELLA) $(SDHELPER) man $(PROBE) $(BUILD)/share/cella/.rootfs.stamp

# The flags in use, kept in BUILD/.flags: objects are rebuilt when they change
# (make WERROR=1, CFLAGS=...), not only when their sources do.
FLAGS_NOW := $(filter-out -DCELLA_COMMIT=%,$(COMPILE)) | $(LINK) $(LDLIBS) | $(PREBUILT_SECCOMP) | $(LAUNCHER) | $(STATIC)
ifneq ($(FLAGS_NOW),$(file <$(BUILD)/.flags))
$(shell mkdir -p $(BUILD))$(file >$(BUILD)/.flags,$(FLAGS_NOW))
endif

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(COMPILE) -MMD -MP -c -o $@ $<

$(BUILD)/libcella.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# The quick door's default seccomp profile, compiled to BPF at build time
# (engine/seccomp_prebuilt.h): a generator linked against the library writes
# the table, which only the cella binary links.
# When the generator cannot run on the build machine (cross-compiling; exit
# 126/127: not executable here), the table is empty and cella compiles the
# profile at run time; any other failure of the generator fails the build.
$(BUILD)/gen/gen-seccomp-default: tools/gen-seccomp-default.c $(BUILD)/libcella.a
	@mkdir -p $(dir $@)
	$(LINK) $(CELLA_CPPFLAGS) $(CPPFLAGS) -o $@ $< $(BUILD)/libcella.a $(LDLIBS)
$(BUILD)/gen/seccomp_prebuilt.c: $(BUILD)/gen/gen-seccomp-default
	@rc=0; $< > $@.tmp || rc=$$?; \
	if [ $$rc = 126 ] || [ $$rc = 127 ]; then \
		echo "note: $< cannot run on this machine: the default seccomp profile will be compiled at run time"; \
		printf '#include "engine/seccomp_prebuilt.h"\nconst struct cella_seccomp_prebuilt cella_seccomp_prebuilt[] = {{0}};\n' > $@.tmp; \
	elif [ $$rc != 0 ]; then rm -f $@.tmp; exit $$rc; fi; \
	mv $@.tmp $@
$(BUILD)/gen/seccomp_prebuilt.o: $(BUILD)/gen/seccomp_prebuilt.c
	$(COMPILE) -c -o $@ $<

ifeq ($(PREBUILT_SECCOMP),1)
PREBUILT_OBJ := $(BUILD)/gen/seccomp_prebuilt.o
endif
$(RUNTIME): $(CLI_OBJS) $(BUILD)/libcella.a $(PREBUILT_OBJ)
	@mkdir -p $(dir $@)
	$(LINK) $(RUNTIME_LDFLAGS) -o $@ $(CLI_OBJS) $(PREBUILT_OBJ) $(BUILD)/libcella.a $(LDLIBS)
ifneq ($(LAUNCHER),1)
	@# (no runtime of an earlier LAUNCHER=1 build left for the tests to find)
	rm -f $(BUILD)/libexec/cella/cella
endif

# The systemd driver's helper (kernel/systemd_bus.c): linked dynamically,
# with libsystemd.
$(SDHELPER): $(BUILD)/obj/src/sdhelper/cella-systemd.o $(BUILD)/libcella.a
	@mkdir -p $(dir $@)
	$(LINK) -o $@ $< $(BUILD)/libcella.a $(LDLIBS) $(SDHELPER_LIBS)

# The launcher: none of the caller's flags (no C library: no stack protector,
# fortify or sanitizer, which need one), static-pie with no relocation at all
# (no jump or switch tables), built with the runtime it starts.
ifeq ($(LAUNCHER),1)
cc_option = $(shell $(CC) -Werror $(1) -x c -c -o /dev/null /dev/null 2>/dev/null && echo $(1))
READELF ?= $(CROSS_COMPILE)readelf
LAUNCHER_CFLAGS := -std=gnu11 $(WARN) -Isrc -Os -fPIE -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-jump-tables -fno-asynchronous-unwind-tables -fno-lto \
	$(call cc_option,-fno-tree-switch-conversion) \
	$(call cc_option,-fno-tree-loop-distribute-patterns)
$(CELLA): src/launcher/launcher.c src/cli/entry.h $(BUILD)/.flags | $(RUNTIME)
	@mkdir -p $(dir $@)
	$(CC) $(LAUNCHER_CFLAGS) -nostdlib -static-pie -Wl,-z,noexecstack,-z,relro,-z,now \
		-o $@.tmp src/launcher/launcher.c
	$(READELF) -r $@.tmp > $@.relocs
	@if grep -q '^Relocation section' $@.relocs; then \
		echo "$@: the launcher has relocations, which nothing applies" >&2; exit 1; fi
	rm -f $@.relocs
	mv $@.tmp $@
endif

# The probe runs inside containers whose rootfs has no libc: static, and
# built without sanitizers (it is a test fixture, not cella).
$(PROBE): tests/probe/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra $(filter -Werror,$(WARN)) -D_GNU_SOURCE -static -o $@ $<

$(BUILD)/share/cella/.rootfs.stamp: scripts/mkrootfs.sh
	scripts/mkrootfs.sh $(ROOTFS)
	touch $@
rootfs: $(BUILD)/share/cella/.rootfs.stamp

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libcella.a
	@mkdir -p $(dir $@)
	$(LINK) $(CELLA_CPPFLAGS) $(CPPFLAGS) -Itests/unit -o $@ $< $(BUILD)/libcella.a $(LDLIBS)

# The layers: the container path (util, spec, kernel, engine) never reaches
# into the diagnostics (inspect), which only the CLI and tests call.
check-layers:
	@if grep -rn '#include "inspect/' src/util src/spec src/kernel src/engine; then \
		echo "the container path must not call the inspect layer" >&2; exit 1; fi
	@if grep -rnE '#include "(kernel|engine|inspect|cli)/' src/spec src/util; then \
		echo "src/spec depends only on src/util (and jansson): the kernel layer includes spec headers, never the reverse" >&2; exit 1; fi

check-unit: check-layers $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: all
	CELLA=$(abspath $(CELLA)) CELLA_RUNTIME=$(abspath $(RUNTIME)) CELLA_PROBE=$(abspath $(PROBE)) \
	CELLA_SANITIZE=$(SANITIZE) \
	CELLA_ROOTFS=$(abspath $(ROOTFS)) $(PYTEST) -q tests/integration $(PYTEST_ARGS)

# cella under load and SIGKILL (tests/stress/stress.py): 1,000 cycles, 50
# concurrent ids, 20 commands on one id, 200 live containers, and kills of
# create, run, their children and exec at random moments; each phase must end
# with zero leaks. A few minutes; STRESS_SCALE scales the counts.
stress: all
	CELLA=$(abspath $(CELLA)) CELLA_RUNTIME=$(abspath $(RUNTIME)) CELLA_PROBE=$(abspath $(PROBE)) \
	CELLA_ROOTFS=$(abspath $(ROOTFS)) /usr/bin/python3 tests/stress/stress.py $(STRESS_ARGS)

# The cgroup tests again on a pure cgroup v2 kernel: Debian's, booted under
# qemu with cgroup_no_v1=all (tests/vm/run.sh), one boot for all of them.
# The containers' rootfs is copied onto the guest's tmpfs: on the 9p share,
# the v2 memory controller keeps reclaiming instead of OOM-killing.
V2_TESTS := tests/integration/test_cgroup.py tests/integration/test_cgroup_flags.py \
	tests/integration/test_cgroup_events.py tests/integration/test_lsm.py tests/integration/test_cgroup_io.py \
	tests/integration/test_cgroup_rootless.py tests/integration/test_cgroup_engines.py \
	tests/integration/test_cgroup_cpuset.py
check-v2: all $(BUILD)/tests/test_cgroup_live
	tests/vm/run.sh sh -c 'set -e; $(BUILD)/tests/test_cgroup_live; \
		cp -a $(ROOTFS) /tmp/rootfs; \
		CELLA=$(abspath $(CELLA)) CELLA_RUNTIME=$(abspath $(RUNTIME)) \
		CELLA_PROBE=$(abspath $(PROBE)) CELLA_ROOTFS=/tmp/rootfs \
		$(PYTEST) -q -p no:cacheprovider $(V2_TESTS) $(PYTEST_ARGS)'

# The whole suite: the test dependencies, formatting, the packaging checks,
# unit and integration tests, the stress run, unit and integration tests again
# under ASan+UBSan, 20 s of fuzzing each parser, then the cgroup tests on a
# pure cgroup v2 kernel, and the systemd tests under a booted systemd.
# What the tests need (qemu, clang, podman, containerd...), installed when
# missing: make check is the README's second command on a fresh machine.
check-deps:
	scripts/setup.sh --deps-only

check: check-deps
	$(MAKE) format-check
	$(MAKE) WERROR=1 check-package
	$(MAKE) WERROR=1 check-unit check-integration
	$(MAKE) WERROR=1 stress
	$(MAKE) WERROR=1 SANITIZE=1 check-unit check-integration
	$(MAKE) -C tests/fuzz smoke
	$(MAKE) WERROR=1 check-v2
	$(MAKE) WERROR=1 check-systemd

# Packaging: the man pages and completions against --help, and a fresh copy
# of the tree built with Debian's and Fedora's flags, cross-compiling's shape,
# install and uninstall (tests/packaging/).
check-docs: $(CELLA) man
	tests/packaging/check-docs.py $(CELLA) $(BUILD)/man
check-distro:
	tests/packaging/distro-build.sh
check-package: check-docs check-distro check-static

# Static analysis: cppcheck and clang-tidy (.clang-tidy), with the
# suppressions and the baseline documented in tests/static/.
check-static:
	BUILD=$(BUILD) tests/static/run.sh

# Under a booted systemd (PID 1 in the VM, tests/vm/run.sh CELLA_VM_SYSTEMD=1):
# the systemd cgroup driver and NOTIFY_SOCKET with a real manager.
SYSTEMD_TESTS := tests/integration/test_systemd.py tests/integration/test_notify.py
check-systemd: all
	CELLA_VM_SYSTEMD=1 tests/vm/run.sh sh -c 'set -e; cp -a $(ROOTFS) /tmp/rootfs; \
		CELLA=$(abspath $(CELLA)) CELLA_RUNTIME=$(abspath $(RUNTIME)) \
		CELLA_PROBE=$(abspath $(PROBE)) CELLA_ROOTFS=/tmp/rootfs \
		$(PYTEST) -q -p no:cacheprovider $(SYSTEMD_TESTS) $(PYTEST_ARGS)'

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

fuzz:
	$(MAKE) -C tests/fuzz

# The bench's own programs (bench/README.md): the floor, a bare C program
# doing the kernel work of an OCI run, and launch, which starts every measured
# command (the private mount namespace crun needs on a hybrid cgroup host, the
# rootless user, peak RSS and CPU time). Static: the floor pays no dynamic
# linking, launch's small RSS is what a measured command starts from. `make bench BENCH_ARGS="-n 10 -c run"`.
BENCH_BINS := $(BUILD)/bench/floor $(BUILD)/bench/launch
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -static -o $@ $<
bench: all $(BENCH_BINS)
	BENCH_BIN=$(BUILD)/bench bench/bench.sh $(BENCH_ARGS)

# Man pages: scdoc sources in man/, one page per command.
MAN_SRCS := $(wildcard man/*.scd)
MAN_PAGES := $(MAN_SRCS:man/%.scd=$(BUILD)/man/%)
man: $(MAN_PAGES)
$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(SCDOC) < $< > $@.tmp && mv $@.tmp $@

# What a package holds: the binary (with the runtime behind the launcher and
# the systemd driver's helper), its man pages, the shell completions
# (static scripts asking `cella __complete` at run time, so they follow the
# command table). The busybox rootfs (another project's GPL binary) is a
# separate, optional install-rootfs.
install: $(CELLA) $(SDHELPER) man
	$(INSTALL) -D -m 0755 $(CELLA) $(DESTDIR)$(BINDIR)/cella
ifeq ($(LAUNCHER),1)
	$(INSTALL) -D -m 0755 $(RUNTIME) $(DESTDIR)$(RUNTIME_DIR)/cella
endif
	$(INSTALL) -D -m 0755 $(SDHELPER) $(DESTDIR)$(RUNTIME_DIR)/cella-systemd
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -D -m 0644 completions/cella.bash $(DESTDIR)$(BASHCOMPDIR)/cella
	$(INSTALL) -D -m 0644 completions/_cella $(DESTDIR)$(ZSHCOMPDIR)/_cella
	$(INSTALL) -D -m 0644 completions/cella.fish $(DESTDIR)$(FISHCOMPDIR)/cella.fish
install-rootfs: $(BUILD)/share/cella/.rootfs.stamp
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/cella
	rm -rf $(DESTDIR)$(DATADIR)/cella/rootfs
	cp -a $(ROOTFS) $(DESTDIR)$(DATADIR)/cella/
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cella $(DESTDIR)$(BASHCOMPDIR)/cella \
		$(DESTDIR)$(ZSHCOMPDIR)/_cella $(DESTDIR)$(FISHCOMPDIR)/cella.fish
	rm -f $(DESTDIR)$(RUNTIME_DIR)/cella $(DESTDIR)$(RUNTIME_DIR)/cella-systemd
	-rmdir $(DESTDIR)$(RUNTIME_DIR) 2>/dev/null
	rm -f $(MAN_SRCS:man/%.scd=$(DESTDIR)$(MANDIR)/man1/%)
	rm -rf $(DESTDIR)$(DATADIR)/cella/rootfs
	-rmdir $(DESTDIR)$(DATADIR)/cella 2>/dev/null

clean:
	rm -rf build build-san

-include $(DEPS)
