/*
 * aspace: a user address space with Linux x86-64 semantics.
 *
 * The user half runs from AS_MMAP_MIN_ADDR (64 KiB, vm.mmap_min_addr) to
 * AS_TASK_SIZE (0x7ffffffff000); a space with AS_CAP_SYS_RAWIO may also map
 * (MAP_FIXED, mremap to a fixed place) from 0 up. Placement without a fixed
 * address stays above mmap_min_addr. Each address space has its own root; its
 * kernel half is the kernel's, shared (pt_create_user). VMAs live in a B+tree
 * (O(log n) lookup, conflict search and top-down placement); adjacent VMAs of
 * the same rights and kind are always merged. Anonymous memory is mapped on
 * first touch (demand zero) unless MAP_POPULATE; large VMAs get 2 MiB leaves
 * where alignment allows. as_clone shares private pages copy-on-write.
 * VMAs also carry Linux's lock, seal and fork flags (AS_VMA_*: mlock, mseal,
 * MADV_DONTFORK/WIPEONFORK, MAP_DROPPABLE), split and merged as Linux does;
 * RLIMIT_MEMLOCK and CAP_IPC_LOCK come from the kernel (as_set_memlock), and
 * so do RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK (as_set_limits), enforced as
 * Linux 6.12 does (may_expand_vm, check_data_rlimit, acct_stack_growth).
 *
 * Every operation is all or nothing under lack of memory: -ENOMEM leaves VMAs,
 * page tables and contents as before (except where Linux itself reports an
 * error after a partial change, e.g. mprotect over a hole). Nothing here
 * panics on input or on lack of memory.
 *
 * Functions returning long return a user address on success or -errno.
 */
#ifndef MM_ASPACE_H
#define MM_ASPACE_H

#include "lib/types.h"

#define AS_MMAP_MIN_ADDR 0x10000ULL
#define AS_TASK_SIZE 0x7ffffffff000ULL
#define AS_MAX_MAP_COUNT 65530
#define AS_STACK_LIMIT MiB(8)     /* Linux's default RLIMIT_STACK (soft) */
#define AS_STACK_GUARD_GAP MiB(1) /* stack_guard_gap, 256 pages */

/* Linux values (uapi/asm-generic/mman*.h). */
#ifndef PROT_READ
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#endif
#ifndef MAP_SHARED
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26 /* MAP_HUGETLB: log2 of the huge page size in bits 26..31 */
#define MAP_HUGE_MASK 0x3f
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_NORMAL
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08 /* a map type (Linux 6.11): private, dropped under pressure */
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_CURRENT
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

/*
 * VMA flags beside the MAP_* kind bits of as_vma_info.flags (bootmm's values,
 * Linux's meaning). AS_VMA_LOCKONFAULT comes only with AS_VMA_LOCKED.
 */
#define AS_VMA_LOCKED (1 << 24)      /* VM_LOCKED: mlock, MAP_LOCKED, mlockall */
#define AS_VMA_LOCKONFAULT (1 << 25) /* VM_LOCKONFAULT: locked, not populated */
#define AS_VMA_SEALED (1 << 26)      /* VM_SEALED: mseal */
#define AS_VMA_DONTCOPY (1 << 27)    /* VM_DONTCOPY: MADV_DONTFORK (absent in a clone) */
#define AS_VMA_WIPEONFORK (1 << 28)  /* VM_WIPEONFORK: empty in a clone */
#define AS_VMA_DROPPABLE (1 << 29)   /* VM_DROPPABLE: MAP_DROPPABLE */
#define AS_VMA_DONTDUMP (1 << 30)    /* VM_DONTDUMP: MADV_DONTDUMP, MAP_DROPPABLE */
#define AS_VMA_NOMAYWRITE (1 << 23) /* no VM_MAYWRITE: shared map of a read-only fd or sealed */
/*
 * Soft-dirty tracking is on: clear_refs 4 cleared the VMA's VM_SOFTDIRTY
 * (a VMA is soft-dirty from birth; one merged with a soft-dirty one is
 * soft-dirty). Its pages are then mapped without the write right until a
 * write fault marks them soft-dirty (Linux's vma_wants_writenotify).
 */
#define AS_VMA_SDCLEAN (1 << 22)
#define AS_VMA_HUGEPAGE (1 << 21)   /* VM_HUGEPAGE: MADV_HUGEPAGE */
#define AS_VMA_NOHUGEPAGE (1 << 20) /* VM_NOHUGEPAGE: MADV_NOHUGEPAGE (no 2 MiB leaves) */
/*
 * A mapping of a secret object (memfd_secret, MOBJ_SECRET): always locked
 * (mlock, munlock and mlockall leave it), never executable, and only the
 * process's own accesses reach it: access_user (/proc/<pid>/mem, the
 * kernel's copies into another space) says AS_FAULT_MAPERR.
 */
#define AS_VMA_SECRET (1 << 15)
#define AS_VMA_LOCK_MASK (AS_VMA_LOCKED | AS_VMA_LOCKONFAULT)
/*
 * The VMA's protection key (Linux's VM_PKEY_BIT0-3): 0 unless
 * as_mprotect_pkey gave another or the mapping is execute-only. Its pages'
 * leaves carry it (PT_PKEY); two VMAs merge only with equal keys.
 */
#define AS_VMA_PKEY_SHIFT 16
#define AS_VMA_PKEY_MASK (0xf << AS_VMA_PKEY_SHIFT)
#define AS_VMA_PKEY(flags) (((flags) & AS_VMA_PKEY_MASK) >> AS_VMA_PKEY_SHIFT)
/*
 * The VMA's NUMA memory policy (Linux's vm_policy): a value below
 * AS_POLICY_LIMIT that the kernel's mempolicy code gives it (0: none, the
 * process's policy applies). mm only keeps it: split halves keep it, VMAs
 * merge only with equal ones (Linux's mpol_equal), fork copies it.
 */
#define AS_VMA_MPOL_SHIFT 2
#define AS_VMA_MPOL_MASK (0x3f << AS_VMA_MPOL_SHIFT)
#define AS_VMA_MPOL(flags) (((flags) & AS_VMA_MPOL_MASK) >> AS_VMA_MPOL_SHIFT)
#define AS_POLICY_LIMIT 64u

/*
 * The credential (as_set_memlock): AS_CAP_IPC_LOCK exempts the process
 * from RLIMIT_MEMLOCK (Linux's CAP_IPC_LOCK), AS_CAP_SYS_RAWIO lets it map
 * below mmap_min_addr (CAP_SYS_RAWIO); the kernel derives both from the
 * process's effective capabilities.
 */
#define AS_CAP_IPC_LOCK (1u << 0)
#define AS_CAP_SYS_RAWIO (1u << 1) /* may map below mmap_min_addr (cap_mmap_addr) */
#define AS_RLIM_INFINITY (~0ULL)
#define AS_MEMLOCK_DEFAULT MiB(8) /* Linux's default RLIMIT_MEMLOCK, soft and hard */

/* Page-fault error code bits (as x86 reports them). */
#define AS_PF_PRESENT (1u << 0) /* the page was present: a rights violation */
#define AS_PF_WRITE (1u << 1)
#define AS_PF_USER (1u << 2)
#define AS_PF_EXEC (1u << 4)
#define AS_PF_PK (1u << 5) /* the leaf's protection key forbade the access */
/*
 * Not a CPU bit: a forced access (Linux's FOLL_FORCE, mm/access.h's
 * ACCESS_FORCE). The VMA's rights are overridden (a read of any VMA; a
 * write into a private one breaks copy-on-write, the copy keeping the VMA's
 * rights in the tables; a write into a shared VMA without PROT_WRITE is
 * AS_FAULT_ACCERR) and no stack grows (AS_FAULT_MAPERR outside a VMA).
 */
#define AS_PF_FORCE (1u << 16)

/* Verdicts of as_fault. */
enum as_fault_result {
	AS_FAULT_OK = 0,     /* resolved; retry the access */
	AS_FAULT_MAPERR = 1, /* no VMA there: SIGSEGV, SEGV_MAPERR */
	AS_FAULT_ACCERR = 2, /* VMA forbids the access: SIGSEGV, SEGV_ACCERR */
	AS_FAULT_OOM = 3,    /* no memory to serve it: SIGBUS */
	AS_FAULT_SIGBUS = 4, /* past the end of the object it maps: SIGBUS, BUS_ADRERR */
	AS_FAULT_PKUERR = 5, /* the VMA's key forbids it: SIGSEGV, SEGV_PKUERR, the VMA's key */
};

struct aspace;
struct mobj;

/* A snapshot of one VMA, for tests and diagnostics. */
struct as_vma_info {
	vaddr_t start, end; /* [start, end) */
	int prot;           /* PROT_* */
	int flags;          /* MAP_PRIVATE/MAP_SHARED, MAP_GROWSDOWN, MAP_NORESERVE, AS_VMA_* */
	const struct mobj *obj; /* the object it is a window onto; NULL: anonymous */
	uint64_t pgoff;         /* the object's page at start (0 when anonymous) */
};

/* A fresh, empty address space, or NULL when out of memory. */
struct aspace *as_create(void);

/*
 * Return every frame and table of `as` and free it. NULL is ignored. For a
 * space with a single user (as_create, as_clone): a space that other users
 * still hold (as_get) must be dropped with as_put instead (panics otherwise).
 */
void as_destroy(struct aspace *as);

/*
 * One more user of `as` (vfork, clone(CLONE_VM): the child borrows the
 * parent's space): the space lives until every user has called as_put.
 * as_create and as_clone hand out a space with one user. Returns `as`.
 * Users are counted, not locked: the callers serialise the operations on a
 * space (one CPU, no preemption inside mm).
 */
struct aspace *as_get(struct aspace *as);

/*
 * One user less: the last as_put destroys the space (as_destroy). NULL is
 * ignored. Panics when the space has no user left (a put without its get).
 */
void as_put(struct aspace *as);

/*
 * Memory-Deny-Write-Execute (prctl PR_SET_MDWE, Linux's MMF_HAS_MDWE): with
 * AS_MDWE_REFUSE_EXEC_GAIN, mmap of memory both writable and executable
 * says EACCES (nothing changes), and so does mprotect making a VMA
 * executable that was not, or writable and executable (the VMAs before it
 * in the range are changed, as Linux). AS_MDWE_NO_INHERIT: a clone (fork)
 * or the space of an exec starts without either (as_mdwe_inherited).
 */
#define AS_MDWE_REFUSE_EXEC_GAIN (1u << 0) /* PR_MDWE_REFUSE_EXEC_GAIN */
#define AS_MDWE_NO_INHERIT (1u << 1)       /* PR_MDWE_NO_INHERIT */

/* Set the AS_MDWE_* bits of `as` (the caller checks that set bits are never cleared). */
void as_set_mdwe(struct aspace *as, unsigned bits);

/* The AS_MDWE_* bits of `as`. */
unsigned as_mdwe(const struct aspace *as);

/* The AS_MDWE_* bits a clone or an exec'd space of `as` starts with. */
unsigned as_mdwe_inherited(const struct aspace *as);

/* How many users hold `as` (1 for a space nobody borrowed). */
unsigned as_users(const struct aspace *as);

/*
 * A copy-on-write copy of `as` (VMAs, brk, stack, lock credential), as fork
 * makes it: MADV_DONTFORK VMAs absent, MADV_WIPEONFORK ones empty (they read
 * zero), no VMA locked and no MCL_FUTURE. MAP_SHARED memory maps the same
 * frames on both sides, writable as before. Private pages (anonymous, and
 * the pages a private file mapping has copied or read) are mapped read-only
 * on both sides with one more reference per frame; pages of a private file
 * mapping not yet faulted in keep reading the file. 2 MiB leaves are shared
 * as 2 MiB leaves; the first write to one splits the writer's leaf into
 * 4 KiB pages and copies the one page written (as Linux's
 * do_huge_pmd_wp_page: a copy of 2 MiB costs a 2 MiB frame and 512 times
 * the copy for a page a forked child most often never writes; make bench
 * rows fork.*). A write to a private page whose frame has one reference
 * left (the other side exited or copied it) makes it writable in place, no
 * copy (Linux's wp_page_reuse); a 2 MiB leaf whose frames all have one
 * reference is reused whole. NULL when out of memory, with `as` exactly as
 * before and nothing taken.
 */
struct aspace *as_clone(struct aspace *as);

/* The root table (for mm_load_root). */
paddr_t as_root(const struct aspace *as);

/*
 * Hand over the lock credential of the process owning `as`: its
 * RLIMIT_MEMLOCK in bytes (AS_RLIM_INFINITY for none) and its capabilities
 * (AS_CAP_IPC_LOCK, AS_CAP_SYS_RAWIO or 0). A fresh space has AS_MEMLOCK_DEFAULT and none;
 * as_clone copies them. The kernel calls it when it makes a process's space.
 */
void as_set_memlock(struct aspace *as, uint64_t limit, unsigned caps);

/*
 * The resource limits of the process owning a space, in bytes as Linux's
 * rlimit() reads them (soft limits; AS_RLIM_INFINITY for none). Linux 6.12's
 * rules, checked before anything changes (except where Linux itself changes
 * something first: the VMAs before the one refused by mprotect):
 *  - as_bytes (RLIMIT_AS): the pages of every VMA (total_vm) plus a new
 *    mapping, an mremap growth, a brk growth or a stack growth may not pass
 *    it: mmap, mremap and mprotect say ENOMEM, brk stays, a stack fault is
 *    SIGSEGV (AS_FAULT_MAPERR).
 *  - data_bytes (RLIMIT_DATA): the same for the pages of private writable
 *    non-stack VMAs (data_vm, VmData) when the new or grown memory is such;
 *    data_max_bytes (the hard limit) lets a soft limit of 0 pass up to it
 *    (Linux's Valgrind exception). brk also stays when the break's distance
 *    from its start plus the image's data segment (as_brk_data) passes
 *    data_bytes, even to shrink (check_data_rlimit). mprotect making a
 *    VMA private and writable past it says ENOMEM.
 *  - stack_bytes (RLIMIT_STACK): a MAP_GROWSDOWN VMA grows by faults to at
 *    most this size (SIGSEGV past it); as_stack_init maps no more than it.
 *  - memlock_bytes (RLIMIT_MEMLOCK): see as_mlock, as_mmap.
 * The placement of mmap (mmap_base) does not follow a later RLIMIT_STACK:
 * Linux fixes it at exec (as_pick_layout).
 */
struct as_limits {
	uint64_t as_bytes;
	uint64_t data_bytes;
	uint64_t data_max_bytes;
	uint64_t stack_bytes;
	uint64_t memlock_bytes;
};

/*
 * Hand `as` all the limits of its owner (capabilities stay: as_set_memlock).
 * A fresh space has Linux's defaults (AS and DATA unlimited, STACK and
 * MEMLOCK 8 MiB); as_clone copies them. The kernel calls it when it makes a
 * process's space and after every change of a limit.
 */
void as_set_limits(struct aspace *as, const struct as_limits *lim);

/* The limits `as` enforces. */
void as_get_limits(const struct aspace *as, struct as_limits *out);

/*
 * Linux x86-64's mmap_base without randomisation for a process exec'ed with
 * RLIMIT_STACK `stack_rlimit` (arch/x86/mm/mmap.c mmap_base): TASK_SIZE less
 * the limit and the stack guard gap, the gap clamped to [128 MiB, 5/6 of
 * TASK_SIZE], rounded up to a page. 0x7ffff7fff000 for the default 8 MiB
 * (and for anything up to 127 MiB); 0x155555556000 unlimited.
 */
vaddr_t as_mmap_base_for(uint64_t stack_rlimit);

/*
 * Place the top-down mmap area of a fresh space for RLIMIT_STACK
 * `stack_rlimit` (Linux's arch_pick_mmap_layout at exec); a later change of
 * the limit does not move it. A fresh space is laid out for AS_STACK_LIMIT.
 */
void as_pick_layout(struct aspace *as, uint64_t stack_rlimit);

/*
 * The data segment of the loaded image, Linux's end_data - start_data (the
 * highest PT_LOAD's start to the highest end of file bytes): brk counts it
 * against RLIMIT_DATA (check_data_rlimit). 0 in a fresh space; as_clone copies it.
 */
void as_brk_data(struct aspace *as, uint64_t bytes);

/*
 * The loaded image's code and data ranges, Linux's mm->start_code, end_code,
 * start_data, end_data (load_elf_binary: the lowest executable PT_LOAD's
 * start to the highest end of executable file bytes; the highest PT_LOAD's
 * start to the highest end of file bytes), as /proc's VmExe, statm and stat
 * show them. All 0 in a fresh space; as_clone copies them.
 */
struct as_image {
	vaddr_t start_code, end_code, start_data, end_data;
};
void as_set_image(struct aspace *as, const struct as_image *img);
void as_get_image(const struct aspace *as, struct as_image *out);

/*
 * mmap of anonymous memory (the caller handles MAP_ANONYMOUS; files go
 * through as_mmap_obj). MAP_SHARED memory is a new shmem object of len bytes
 * (shared by as_clone; a fault past its size, after mremap growth, is SIGBUS).
 * Errors: EINVAL (len 0, neither PRIVATE nor SHARED, FIXED unaligned;
 * unknown prot bits are ignored, as Linux does), ENOMEM (no room, beyond TASK_SIZE, max_map_count,
 * RLIMIT_AS or RLIMIT_DATA: see as_limits),
 * EEXIST (MAP_FIXED_NOREPLACE overlap), EPERM (fixed below mmap_min_addr
 * without AS_CAP_SYS_RAWIO;
 * MAP_LOCKED with RLIMIT_MEMLOCK 0 and no AS_CAP_IPC_LOCK; MAP_FIXED over a
 * sealed VMA), EAGAIN (MAP_LOCKED or mlockall(MCL_FUTURE) past
 * RLIMIT_MEMLOCK), EINVAL (MAP_DROPPABLE with MAP_LOCKED, MAP_HUGETLB or
 * MAP_GROWSDOWN). MAP_LOCKED and MCL_FUTURE lock and populate the mapping
 * (MCL_ONFAULT: lock only); MAP_DROPPABLE is never locked.
 * MAP_HUGETLB: bootmm has no hugetlb pool, and answers as Linux whose pools
 * are empty: EINVAL for a size field (MAP_HUGE_SHIFT) other than 0, 2 MiB
 * or 1 GiB, or a MAP_FIXED address not aligned to that size; after every
 * other check ENOMEM (hugetlb_reserve_pages finds no free page). Linux maps
 * a MAP_NORESERVE one and sends SIGBUS at its first touch: ENOMEM here.
 */
long as_mmap(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int flags);

struct mobj;

/*
 * mmap of a window onto the memory object `obj` from page `pgoff` (a tmpfs
 * file, a memfd): MAP_SHARED maps the object's pages, MAP_PRIVATE reads them
 * and copies a page on its first write. The mapping takes its own reference
 * to obj; a fault past the object's size is AS_FAULT_SIGBUS. obj NULL is
 * as_mmap (anonymous: MAP_SHARED gets a new shmem object of len bytes).
 * vflags AS_VMA_NOMAYWRITE makes a shared mapping one that mprotect can
 * never make writable (EACCES). The caller checks the file's access mode
 * and seals. A secret object (MOBJ_SECRET) maps shared only (else EINVAL),
 * never with PROT_EXEC (EPERM, its mount is noexec), locked (EAGAIN past
 * RLIMIT_MEMLOCK without AS_CAP_IPC_LOCK) but not populated, and
 * AS_VMA_SECRET. Errors as as_mmap.
 */
long as_mmap_obj(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int flags,
		 struct mobj *obj, uint64_t pgoff, int vflags);

/*
 * Errors: EINVAL (unaligned, len 0, beyond TASK_SIZE), ENOMEM (split over
 * max_map_count), EPERM (a sealed VMA in the range: nothing unmapped).
 */
int as_munmap(struct aspace *as, vaddr_t addr, uint64_t len);

/*
 * Errors: EINVAL (unaligned, unknown bits), ENOMEM (unmapped page in range;
 * a VMA turning private and writable past RLIMIT_DATA), EACCES (PROT_WRITE on an AS_VMA_NOMAYWRITE VMA), EPERM (a sealed VMA);
 * the VMAs before the one refused are changed, as Linux.
 * A private locked VMA turning writable is populated for writing (Linux).
 */
int as_mprotect(struct aspace *as, vaddr_t addr, uint64_t len, int prot);

/* as_mprotect_pkey's pkey that keeps each VMA's key (plain mprotect). */
#define AS_PKEY_KEEP (-1)

/*
 * Linux's pkey_mprotect: as_mprotect, and every VMA of the range gets key
 * `pkey` (AS_PKEY_KEEP: its own key, but for execute-only memory as Linux's
 * arch_override_mprotect_pkey: PROT_EXEC alone takes the execute-only key,
 * other rights on an execute-only VMA go back to key 0). Errors as
 * as_mprotect, and EINVAL for a key not allocated (as_pkey_alloc; key 0
 * always is when the machine has keys, none is without; the execute-only
 * key never is to the user).
 */
int as_mprotect_pkey(struct aspace *as, vaddr_t addr, uint64_t len, int prot, int pkey);

/*
 * Linux's pkey_alloc after the argument checks: the lowest key not yet
 * allocated in the space, with the running thread's rights for it set to
 * `rights` (MM_PKEY_*). -ENOSPC when none is left (all 16 taken, counting
 * key 0 and an execute-only key; always without keys in the machine).
 */
int as_pkey_alloc(struct aspace *as, unsigned rights);

/* Linux's pkey_free: 0, or -EINVAL for a key not allocated. VMAs keep the key. */
int as_pkey_free(struct aspace *as, int pkey);

/* How as_set_policy treats holes in its range. */
enum as_policy_holes {
	AS_POLICY_NO_HOLES,  /* a hole is EFAULT (Linux's mbind of a policy) */
	AS_POLICY_HOLES_OK,  /* the VMAs around holes change (mbind of MPOL_DEFAULT) */
};

/*
 * Linux's mbind on the VMAs of [start, end) (page aligned, end > start):
 * each gets policy value `pol` (< AS_POLICY_LIMIT), split at the ends and
 * merged after. -EFAULT, nothing changed, when no VMA meets the range or
 * (AS_POLICY_NO_HOLES) a hole does; -ENOMEM when a split has no room or
 * memory (the VMAs before it keep the change, as Linux's mbind_range).
 */
int as_set_policy(struct aspace *as, vaddr_t start, vaddr_t end, unsigned pol,
		  enum as_policy_holes holes);

/* The policy value of the VMA holding `addr` into *pol; 0 or -EFAULT when none does. */
int as_policy_at(const struct aspace *as, vaddr_t addr, unsigned *pol);

/* True when the machine enforces protection keys (Linux's arch_pkeys_enabled). */
bool as_pkeys_enabled(void);

/* True when `pkey` is allocated to the user (Linux's mm_pkey_is_allocated). */
bool as_pkey_allocated(const struct aspace *as, int pkey);

/*
 * Errors: EINVAL, EFAULT, ENOMEM as Linux mremap(2) (RLIMIT_AS and
 * RLIMIT_DATA as Linux 6.12: with MREMAP_FIXED counted, and on failure left,
 * with the target unmapped); EPERM (the source VMA,
 * an MREMAP_FIXED target or an unmapped tail is sealed); EAGAIN (growing a
 * locked mapping past RLIMIT_MEMLOCK). A locked mapping stays locked and its
 * new part is populated (not with MLOCK_ONFAULT); MREMAP_DONTUNMAP unlocks
 * the old range.
 */
long as_mremap(struct aspace *as, vaddr_t old_addr, uint64_t old_len,
	       uint64_t new_len, int flags, vaddr_t new_addr);

/*
 * Errors: EINVAL (unaligned start, unknown advice, a range that wraps, or one
 * that runs past the user half over a mapping for advice that drops or fills
 * pages; DONTNEED, FREE, REMOVE, COLD, PAGEOUT on a locked VMA; FREE on a
 * shared one; WIPEONFORK on a shared one or a private window onto an object
 * (a file, a memfd: anonymous memory only, as Linux); KEEPONFORK and DODUMP on a
 * droppable one), ENOMEM (unmapped page in range), EPERM (discarding advice
 * on a sealed read-only private VMA: 6.12's can_modify_vma_madv), EAGAIN (no
 * memory to split a VMA for DONTFORK/DOFORK/WIPEONFORK/KEEPONFORK/DONTDUMP/
 * DODUMP, which record VMA flags). VMAs
 * before the failing one keep the advice, as Linux. COLD and PAGEOUT change
 * nothing (no swap: anonymous pages stay). MADV_POPULATE_READ/WRITE go VMA
 * by VMA and stop at the first hole (ENOMEM) or the first VMA without
 * PROT_READ / PROT_WRITE (EINVAL), as Linux 6.12's madvise_populate.
 * MADV_COLLAPSE (25) makes each 2 MiB-aligned block inside a VMA's part one
 * 2 MiB leaf holding a copy of its pages: EINVAL for a VMA that is not
 * private anonymous memory allowed 2 MiB leaves or a block with nothing
 * mapped or nothing writable, ENOMEM when no 2 MiB frame is free (all or
 * nothing per block; see as_collapse in aspace_internal.h).
 */
int as_madvise(struct aspace *as, vaddr_t addr, uint64_t len, int advice);

/*
 * mlock(2) (flags 0) and mlock2(2): lock the VMAs of [start & page, start +
 * len rounded up) and fault their pages in (MLOCK_ONFAULT: lock only).
 * Errors: EINVAL (flags other than MLOCK_ONFAULT; a range that wraps),
 * EPERM (RLIMIT_MEMLOCK 0 without AS_CAP_IPC_LOCK), ENOMEM (over
 * RLIMIT_MEMLOCK counting the pages locked already; start unmapped; a hole:
 * the VMAs before it are locked, as Linux; a PROT_NONE VMA, which is locked
 * but not populated), EAGAIN (no memory to populate), as Linux 6.12.
 */
int as_mlock(struct aspace *as, vaddr_t start, uint64_t len, int flags);

/* munlock(2): as as_mlock with the lock taken off. Errors: EINVAL (wraps), ENOMEM (hole). */
int as_munlock(struct aspace *as, vaddr_t start, uint64_t len);

/*
 * mlockall(2): MCL_CURRENT locks (and populates) every VMA, MCL_FUTURE every
 * later mapping and growth; MCL_ONFAULT with either locks without populating.
 * Errors: EINVAL (no flag, unknown bits, MCL_ONFAULT alone), EPERM
 * (RLIMIT_MEMLOCK 0 without AS_CAP_IPC_LOCK), ENOMEM (MCL_CURRENT while the
 * whole space is larger than RLIMIT_MEMLOCK, without AS_CAP_IPC_LOCK).
 */
int as_mlockall(struct aspace *as, int flags);

/* munlockall(2): unlock every VMA and stop MCL_FUTURE. Returns 0. */
int as_munlockall(struct aspace *as);

/*
 * mseal(2) (Linux 6.12): seal the VMAs of [start, start + len rounded up)
 * against munmap, mprotect, mremap, MAP_FIXED over and discarding madvise on
 * read-only private memory. All or nothing. Errors: EINVAL (flags, unaligned
 * start, a length that rounds to 0 or a range that wraps), ENOMEM (a page of
 * the range is unmapped, or no memory or max_map_count room to split).
 */
int as_mseal(struct aspace *as, vaddr_t start, uint64_t len, uint64_t flags);

/* Pages of `as` in locked VMAs (Linux's mm->locked_vm, VmLck). */
uint64_t as_locked_pages(const struct aspace *as);

#ifndef MS_ASYNC
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
#endif

/*
 * msync(2): no backing store to write (anonymous memory, and tmpfs files
 * whose pages are the file): the checks and errnos of Linux. Errors: EINVAL
 * (unknown flags, MS_ASYNC with MS_SYNC, unaligned start), ENOMEM (a range
 * that wraps, or an unmapped page in it: at once for plain MS_ASYNC, after
 * the walk otherwise), EBUSY (MS_INVALIDATE meeting a locked VMA, at once).
 */
int as_msync(struct aspace *as, vaddr_t addr, uint64_t len, int flags);

/*
 * mincore(2) for the npages pages from the page-aligned addr: vec[i] = 1
 * when page i is resident. Fills at most the pages of the VMA holding addr
 * and returns how many it filled (> 0), or -ENOMEM when addr is in no VMA.
 * The caller splits a long request and checks the range against the user half.
 */
long as_mincore(struct aspace *as, vaddr_t addr, uint64_t npages, uint8_t *vec);

/* Set where the program break starts (end of the loaded image). Call once before as_brk. */
void as_brk_init(struct aspace *as, vaddr_t start);

/*
 * Linux brk(2): returns the new break, or the old one when the request cannot
 * be met (no room, RLIMIT_DATA or RLIMIT_AS: see as_limits).
 */
vaddr_t as_brk(struct aspace *as, vaddr_t brk);

/*
 * Create the user stack: a MAP_GROWSDOWN VMA ending at `top` (page aligned)
 * with `initial` bytes mapped (at most RLIMIT_STACK, at least a page, as
 * Linux's setup_arg_pages), allowed to grow down to RLIMIT_STACK
 * (as_set_limits), and never within AS_STACK_GUARD_GAP of the VMA below it.
 * Returns 0 or -errno (EINVAL, EEXIST, ENOMEM: no memory or past RLIMIT_AS).
 */
int as_stack_init(struct aspace *as, vaddr_t top, uint64_t initial);

/*
 * Serve a page fault at `va` with x86 error code bits AS_PF_*. Demand-zero,
 * copy-on-write break (a copy, or the reuse of a frame referenced once: see
 * as_clone), stack growth. Returns an enum as_fault_result; AS_FAULT_OOM
 * leaves the page tables and every frame count as they were.
 */
int as_fault(struct aspace *as, vaddr_t va, unsigned error_code);

/* The VMA containing va; false when none. */
bool as_vma_at(const struct aspace *as, vaddr_t va, struct as_vma_info *out);

/*
 * The window of the VMA containing va: the object it maps (NULL for
 * anonymous memory) and the object's page at the VMA's start (0 without an
 * object). False when no VMA holds va.
 */
bool as_vma_object(const struct aspace *as, vaddr_t va, const struct mobj **obj,
		   uint64_t *pgoff);

/* Copy up to `max` VMAs in address order into `out`; returns the total count. */
size_t as_vmas(const struct aspace *as, struct as_vma_info *out, size_t max);

/* Number of VMAs. */
size_t as_vma_count(const struct aspace *as);

/* Frames (4 KiB units) currently mapped into the user half, the zero frames left out (RSS). */
size_t as_resident_frames(const struct aspace *as);

/* ---- read-only queries for /proc (aspace_query.c) ---- */

#define AS_PSS_SHIFT 12 /* Linux's PSS_SHIFT: Pss is kept in bytes << 12 */

/* The first VMA ending above va (the one holding va, or the next one); false when none. */
bool as_vma_next(const struct aspace *as, vaddr_t va, struct as_vma_info *out);

/*
 * Up to `max` VMAs in address order from the first one ending above va,
 * into out[]; returns how many (0: none ends above va). What calling
 * as_vma_next from each one's end would give, with one tree descent.
 */
size_t as_vmas_from(const struct aspace *as, vaddr_t va, struct as_vma_info *out, size_t max);

/*
 * Resident memory of [start, end) as the page tables and frame reference
 * counts tell it (a frame's count is the number of mappings of it: every
 * process sharing it copy-on-write, every shared mapping). Figures in bytes.
 */
struct as_mem_stats {
	uint64_t resident; /* mapped pages */
	uint64_t pss;      /* each page divided by its mappings, << AS_PSS_SHIFT */
	uint64_t shared;   /* pages mapped more than once */
	uint64_t priv;     /* pages mapped once */
	uint64_t huge;     /* pages mapped by leaves of PT_LEVEL_SIZE(1) (2 MiB) or more */
	uint64_t referenced; /* pages of young leaves (accessed since clear_refs) */
	uint64_t anon;     /* pages not of a VMA's object: anonymous, or copied on write */
};

/* Fill *out for the pages mapped in [start, end) (page aligned). */
void as_mem_stats(const struct aspace *as, vaddr_t start, vaddr_t end,
		  struct as_mem_stats *out);

/*
 * High-water marks as Linux keeps them (mm->hiwater_rss, hiwater_vm): taken
 * lazily just before the resident count or total_vm drops (munmap, MAP_FIXED
 * over, mremap, brk shrink, madvise DONTNEED, truncate), so a reader takes the
 * larger of the mark and the current figure (get_mm_hiwater_rss/_vm). The
 * resident count is kept as pages are mapped and unmapped: 4 KiB frames of
 * every kind (anon, file, shmem), zero frames never (as_resident_frames).
 * A fork's copy starts with its own figures as marks (dup_mm); a new space
 * with none.
 */
/* Largest resident count of `as` (VmHWM, in pages): max(mark, now). */
uint64_t as_hiwater_rss_pages(const struct aspace *as);

/* Largest total_vm of `as` (VmPeak, in pages): max(mark, now). */
uint64_t as_hiwater_vm_pages(const struct aspace *as);

/* clear_refs 5 (reset_mm_hiwater_rss): the resident mark becomes the current count. */
void as_reset_hiwater_rss(struct aspace *as);

/* What as_clear_refs clears: Linux's CLEAR_REFS_* (fs/proc/task_mmu.c). */
enum as_clear_refs {
	AS_CLEAR_REFS_ALL = 1,        /* accessed state of every page */
	AS_CLEAR_REFS_ANON = 2,       /* of pages in VMAs without an object */
	AS_CLEAR_REFS_MAPPED = 3,     /* of pages in VMAs onto an object (files, shmem) */
	AS_CLEAR_REFS_SOFT_DIRTY = 4, /* soft-dirty state of every page and VMA */
};

/*
 * /proc/<pid>/clear_refs 1..4 (clear_refs_write): 1-3 make the pages of the
 * VMAs they name old, so smaps' Referenced counts only pages touched since;
 * 4 clears every VMA's VM_SOFTDIRTY (sets AS_VMA_SDCLEAN) and every page's
 * soft-dirty state, write-protecting it, so that the next write faults and
 * marks the page soft-dirty again (copy-on-write and shared mappings keep
 * their meaning: the fault restores the write right where the VMA has it,
 * copying a frame still shared by a private mapping). TLB flushed. Returns
 * 0, or -EINVAL for another value.
 */
int as_clear_refs(struct aspace *as, enum as_clear_refs what);

/* One 4 KiB page as the page tables map it. */
struct as_page_info {
	paddr_t pa;         /* frame of this 4 KiB page */
	uint64_t leaf_size; /* size of the leaf mapping it */
	uint32_t mapcount;  /* mappings of the frame (its references but the object's own; */
			    /* 0 for a zero frame) */
	bool zero;          /* a shared zero frame (mm/zpage.h): read-only, counted nowhere */
	unsigned state;     /* PT_STATE_* of the leaf (mm/pte.h): young, dirty, soft-dirty */
	unsigned kind;      /* AS_PAGE_ANON or AS_PAGE_OBJ */
};

/* as_page_info kind: whose page it is. */
#define AS_PAGE_ANON 0u /* anonymous: private memory or a private copy */
#define AS_PAGE_OBJ 1u  /* the page of the object the VMA is a window onto (file, shmem) */

/* The page at va (any address in it); false when nothing is mapped there. */
bool as_page_query(const struct aspace *as, vaddr_t va, struct as_page_info *out);

/* The program break: where it started (page aligned) and where it is now. */
void as_brk_range(const struct aspace *as, vaddr_t *start, vaddr_t *brk);

/* Page-table frames below the root for the user half (Linux's mm_pgtables_bytes / 4 KiB). */
size_t as_table_frames(const struct aspace *as);

/*
 * What a VMA records beyond its rights and kind, for /proc (VmFlags,
 * Locked:, VmLck, THPeligible): mlock, madvise and mseal marks.
 */
#define AS_MARK_LOCKED (1u << 0)      /* mlock, mlock2, mlockall: VM_LOCKED "lo" */
#define AS_MARK_LOCKONFAULT (1u << 1) /* MLOCK_ONFAULT, MCL_ONFAULT: "lf" */
#define AS_MARK_DONTFORK (1u << 2)    /* MADV_DONTFORK: "dc" */
#define AS_MARK_WIPEONFORK (1u << 3)  /* MADV_WIPEONFORK: "wf" */
#define AS_MARK_DONTDUMP (1u << 4)    /* MADV_DONTDUMP: "dd" */
#define AS_MARK_HUGEPAGE (1u << 5)    /* MADV_HUGEPAGE: "hg" */
#define AS_MARK_NOHUGEPAGE (1u << 6)  /* MADV_NOHUGEPAGE: "nh" (no 2 MiB leaves) */
#define AS_MARK_DROPPABLE (1u << 7)   /* MAP_DROPPABLE: "dp" */
#define AS_MARK_SEALED (1u << 8)      /* mseal: "sl" */
#define AS_MARK_SOFTDIRTY (1u << 9)   /* VM_SOFTDIRTY (no AS_VMA_SDCLEAN): "sd" */

/*
 * The AS_MARK_* bits of the VMA holding va (0 when none), from its AS_VMA_*
 * flags: the one place /proc asks. HUGEPAGE and NOHUGEPAGE are not recorded
 * yet (never set).
 */
unsigned as_vma_marks(const struct aspace *as, vaddr_t va);

/*
 * Linux's THPeligible of the VMA holding va: it is private anonymous memory
 * and holds a whole aligned block of a size the THP policy allows it
 * (as_vma_thp_orders; the 2 MiB one only where the MMU has such leaves).
 * Faults take one when its block has no page yet (fault.c). False without
 * a VMA.
 */
bool as_vma_thp_eligible(const struct aspace *as, vaddr_t va);

/*
 * Check every invariant: tree order and gap fields, no overlap, no mergeable
 * neighbours, every present PTE inside a VMA with matching rights, frame
 * reference counts consistent, object windows registered for their size
 * and every page of a shared window the object's own. Returns 0, or
 * -EINVAL after printing why.
 */
int as_check(struct aspace *as);

#endif
