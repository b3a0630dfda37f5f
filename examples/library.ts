import { Kernel, model } from 'seccomp-spec';

const k = new Kernel();
const pid = k.spawn('x86_64', 'demo');
console.log(k.installPolicy(pid, 'sys_read: fd == 0\nsys_write: fd == 1 || fd == 2\nexit_group: 1'));
console.log(k.syscall(pid, 'syscall', { rax: 1n, rdi: 2n }));
console.log(k.procSeccompFilter(pid));
console.log(k.syscall(pid, 'syscall', { rax: 1n, rdi: 3n, rip: 0x401000n }));
console.log(k.log);

// The model answers the same, as pure functions over immutable machines.
const [m0, p] = model.spawn(model.initialMachine(), 'x86_64', 'demo');
const { outcome } = model.syscall(m0, p, 'syscall', { rax: 39n });
console.log(outcome);

// A refused policy says why: the errno by name and number, each error with line and column.
const r = k.installPolicy(k.spawn('x86_64', 'typo'), 'sys_read: fd = 0');
if (!r.ok && r.kind === 'return') console.log(r.errno, r.errors[0]?.line, r.errors[0]?.column, r.message);
