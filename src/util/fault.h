/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection, for tests: builds with CELLA_FAULT_INJECTION (the default
 * build; `make RELEASE=1` leaves it out) read CELLA_FAULT=POINT[:ACTION]
 * (several, separated by commas) from the environment. At the named point the process either
 * SIGKILLs itself (ACTION `kill`, the default: nothing of it runs after, as when the host kills
 * it), fails that step (`fail`: EIO, "injected fault at POINT") or stalls there (`stall`: a second,
 * `stallN`: N ms; to open a race window). Points are "WHO:STEP": WHO is the process (create,
 * stage1, init, start, delete, exec, execchild), STEP a sync point number (#N of kernel/sync.h) or
 * a named step; tests/integration/test_faults.py walks them all. A point that fires writes "cella:
 * fault POINT" on stderr first, so a test knows that it did.
 */
#ifndef CELLA_FAULT_H
#define CELLA_FAULT_H

#include "util/error.h"

/* 0, or < 0 with err when the point is set to fail; never returns when it
 * is set to kill. */
int fault_point(const char *point, cella_error *err);

#endif
