/*
 * icount: a QEMU TCG plugin (plugin API version 1, QEMU 7.2) counting executed guest
 * instructions. Debian ships no qemu-plugin.h, so the few API functions used are declared here.
 *
 * Arguments (-plugin ./libicount.so,arg=...):
 *   out=PATH          where the counts are written at exit (required)
 *   mark=ADDR         hex address; each time the instruction at ADDR executes, the running total
 *                     is appended to the "marks" line (for inclusive per-region counts)
 *   range=LO:HI       hex [LO, HI): instructions executed inside that address range (repeatable)
 * Output: "total N", "marks a b c ...", "range LO HI N" lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_RANGES 64
#define MAX_MARKS 4096
static uint64_t total;
static uint64_t mark_addr = UINT64_MAX;
static uint64_t marks[MAX_MARKS];
static unsigned n_marks;
static uint64_t range_lo[MAX_RANGES], range_hi[MAX_RANGES], range_count[MAX_RANGES];
static unsigned n_ranges;
static char out_path[1024];

static void on_mark(unsigned int vcpu_index, void *userdata) {
  (void)vcpu_index;
  (void)userdata;
  if (n_marks < MAX_MARKS) marks[n_marks++] = total;
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t i, n = qemu_plugin_tb_n_insns(tb);
  unsigned r;
  (void)id;
  for (i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t pc = qemu_plugin_insn_vaddr(insn);
    if (pc == mark_addr) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
    for (r = 0; r < n_ranges; r++)
      if (pc >= range_lo[r] && pc < range_hi[r])
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &range_count[r], 1);
  }
}

static void on_exit_cb(qemu_plugin_id_t id, void *userdata) {
  FILE *f = fopen(out_path, "w");
  unsigned i;
  (void)id;
  (void)userdata;
  if (!f) return;
  fprintf(f, "total %llu\nmarks", (unsigned long long)total);
  for (i = 0; i < n_marks; i++) fprintf(f, " %llu", (unsigned long long)marks[i]);
  fprintf(f, "\n");
  for (i = 0; i < n_ranges; i++)
    fprintf(f, "range %llx %llx %llu\n", (unsigned long long)range_lo[i], (unsigned long long)range_hi[i],
            (unsigned long long)range_count[i]);
  fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv) {
  int i;
  (void)info;
  for (i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0) {
      strncpy(out_path, argv[i] + 4, sizeof out_path - 1);
    } else if (strncmp(argv[i], "mark=", 5) == 0) {
      mark_addr = strtoull(argv[i] + 5, NULL, 16);
    } else if (strncmp(argv[i], "range=", 6) == 0 && n_ranges < MAX_RANGES) {
      char *colon;
      range_lo[n_ranges] = strtoull(argv[i] + 6, &colon, 16);
      range_hi[n_ranges] = strtoull(colon + 1, NULL, 16);
      n_ranges++;
    } else {
      fprintf(stderr, "icount: unknown argument %s\n", argv[i]);
      return -1;
    }
  }
  if (!out_path[0]) {
    fprintf(stderr, "icount: out=PATH is required\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
  qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
  return 0;
}
