/**
 * Names of x86 system call numbers that the kernel's tables reserve for
 * calls it no longer implements (or never did), which this project's
 * tables leave out and libseccomp still resolves: a profile naming one
 * gets a rule at that number, as runc with libseccomp gives it. Numbers
 * from the kernel's syscall_64.tbl and syscall_32.tbl history, checked
 * against libseccomp 2.5.4's resolver by test/oci-oracle.test.ts.
 */
export const RETIRED: Readonly<Record<'x86_64' | 'x86', ReadonlyMap<string, number>>> = {
  x86_64: new Map([
    ['uselib', 134],
    ['_sysctl', 156],
    ['create_module', 174],
    ['get_kernel_syms', 177],
    ['query_module', 178],
    ['nfsservctl', 180],
    ['getpmsg', 181],
    ['putpmsg', 182],
    ['afs_syscall', 183],
    ['tuxcall', 184],
    ['security', 185],
    ['set_thread_area', 205],
    ['get_thread_area', 211],
    ['lookup_dcookie', 212],
    ['epoll_ctl_old', 214],
    ['epoll_wait_old', 215],
    ['vserver', 236],
  ]),
  x86: new Map([
    ['break', 17],
    ['stty', 31],
    ['gtty', 32],
    ['ftime', 35],
    ['prof', 44],
    ['lock', 53],
    ['mpx', 56],
    ['ulimit', 58],
    ['uselib', 86],
    ['profil', 98],
    ['idle', 112],
    ['vm86old', 113],
    ['create_module', 127],
    ['get_kernel_syms', 130],
    ['bdflush', 134],
    ['afs_syscall', 137],
    ['_sysctl', 149],
    ['vm86', 166],
    ['query_module', 167],
    ['nfsservctl', 169],
    ['getpmsg', 188],
    ['putpmsg', 189],
    ['lookup_dcookie', 253],
    ['vserver', 273],
  ]),
};
