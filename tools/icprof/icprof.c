// SPDX-License-Identifier: GPL-2.0
/*
 * icprof: a QEMU TCG plugin that counts guest instructions per translation block, for `make bench`
 * profiles (BENCH_PROFILE). Under -icount shift=0 one guest instruction is one guest ns, so these
 * counts are exactly what the bench's ns/pkt is made of.
 *
 *   -plugin tools/icprof/icprof.so,mark=0xffffffff81234560,out=/tmp/prof
 *
 * Every time the block holding guest address `mark` runs (the guest calls a function there, e.g.
 * __x64_sys_sync() through `sync`), the counts since the previous mark are written to `out`.N (N = 0,
 * 1, ...) as "vaddr insns execs" lines and reset. tests/bench/icprof.py folds them into functions
 * with the guest's /proc/kallsyms.
 *
 * Only the few plugin API calls used here are declared (QEMU's include/qemu/qemu-plugin.h is not
 * installed by distribution packages); they are in QEMU's plugin API since version 2.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 2;

struct block {
	uint64_t vaddr, insns, execs;
	struct block *next;
};

static struct block *blocks;	/* every translation, newest first (single vCPU: no locking) */
static uint64_t mark;
static const char *out = "icprof";
static unsigned int dumps;

static void dump(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%u", out, dumps++);
	f = fopen(path, "w");
	for (struct block *b = blocks; b; b = b->next) {
		if (b->execs && f)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n", b->vaddr, b->insns, b->execs);
		b->execs = 0;
	}
	if (f)
		fclose(f);
}

static void on_exec(unsigned int vcpu, void *udata)
{
	((struct block *)udata)->execs++;
	(void)vcpu;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	dump();
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));
	struct qemu_plugin_insn *last;

	(void)id;
	if (!b)
		return;
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	b->next = blocks;
	blocks = b;
	last = qemu_plugin_tb_get_insn(tb, b->insns - 1);
	/* A block may start before the mark (TCG does not always end blocks at calls). */
	if (mark >= b->vaddr && mark < qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last))
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	dump();
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
