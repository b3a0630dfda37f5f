#!/usr/bin/env python3
"""A foreign implementation of the seccomp-spec conformance protocol (spec/14).

Written from the rules of spec/, with the Python standard library only, to
show that the protocol and the corpus are all another implementation needs:
the filter grammar (S2), names from data/syscalls/*.json (S1), the
reduce-only merge (S5.4), the decision (S6.4) and evaluation (S3).

    python3 examples/adapters/seccomp_adapter.py [--bug signed-lt|arg32|precedence]

It speaks protocol versions 1 and 2 (P9): a version-2 install may be a
2011 text or a `rules` filter (the decision form as JSON, R1 to R4), and
each call gets the action of the task's stack of filters (A3).

--bug plants a deliberate mistake, for showing that `seccomp-spec conform`
catches it: `signed-lt` compares < <= > >= signed on arguments, `arg32`
reads only the low 32 bits of native arguments, `precedence` lets the
oldest filter's data win between two answers of one kind.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'data', 'syscalls')

EPERM, E2BIG, EACCES, EINVAL = 1, 7, 13, 22
MAX_TEXT = 64 * 1024          # S5.2: no NUL within 64 KiB is -E2BIG
MAX_FILTER = 255              # S2.3
MAX_TERMS = 32                # S2.3
SPACE = ' \t\n\r\x0b\x0c'     # C1: C isspace()
COMMON = {'common_type': (16, False), 'common_flags': (8, False),
          'common_preempt_count': (8, False), 'common_pid': (32, True)}
BUG = None


class Table:
    """One ABI's system calls (S1): numbers, names, argument names."""

    def __init__(self, abi):
        with open(os.path.join(DATA, 'syscalls-%s.json' % abi)) as f:
            rows = json.load(f)['syscalls']
        self.args = {r['nr']: [a['name'] for a in r['args']] for r in rows}
        self.nr_syscalls = max(self.args) + 1          # S1.2
        self.names = {}
        for r in rows:                                  # S1.3: the lowest number of a shared entry name
            self.names.setdefault('sys_' + r['entry'], r['nr'])
        for r in rows:                                  # sys_ names win over unistd names
            self.names.setdefault(r['name'], r['nr'])

    def resolve(self, name):
        if name in self.names:
            return self.names[name]
        if re.fullmatch(r'0x[0-9a-fA-F]+|[0-9]+', name):   # S1.3, C32: decimal or 0x hex
            n = int(name, 0) if name.startswith('0x') else int(name, 10)
            return n if n < self.nr_syscalls else None
        return None


TABLES = {abi: Table(abi) for abi in ('x86_64', 'ia32')}


class Bad(Exception):
    """A filter or policy error; `errno` is what prctl returns for it."""

    def __init__(self, errno=EINVAL):
        super().__init__(errno)
        self.errno = errno


TOKEN = re.compile(r'\|\||&&|==|!=|<=|>=|<|>|&|!|\(|\)|-?[A-Za-z0-9_]+')


def tokens(s):
    """Split a filter into tokens; anything outside the language is an error (S2.1)."""
    out, i = [], 0
    while i < len(s):
        if s[i] in SPACE:
            i += 1
            continue
        m = TOKEN.match(s, i)
        if m is None:
            raise Bad()
        out.append(m.group())
        i = m.end()
    return out


def integer(text, signed):
    """kstrtoull / kstrtoll with base 0 (C4): decimal, 0x hex, 0 octal, '-' for signed fields only."""
    m = re.fullmatch(r'(-?)(?:0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))', text)
    if m is None:
        raise Bad()
    minus, hx, octal, dec = m.groups()
    v = int(hx, 16) if hx is not None else int(octal or '0', 8) if octal is not None else int(dec)
    if minus:
        if not signed or v > 1 << 63:
            raise Bad()
        return -v
    if v > (1 << 63) - 1 if signed else v >= 1 << 64:
        raise Bad()
    return v


class Parser:
    """expr := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | '(' expr ')' | pred (S2.1)."""

    def __init__(self, toks, args):
        self.toks, self.i, self.args, self.terms = toks, 0, args, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        t = self.peek()
        if t is None:
            raise Bad()
        self.i += 1
        return t

    def binary(self, op, sub):
        left = sub()
        while self.peek() == op:
            self.i += 1
            self.terms += 1
            left = (op, left, sub())
        return left

    def expr(self):
        return self.binary('||', self.conj)

    def conj(self):
        return self.binary('&&', self.unary)

    def unary(self):
        t = self.take()
        if t == '!':
            self.terms += 1
            return ('!', self.unary())
        if t == '(':
            e = self.expr()
            if self.take() != ')':
                raise Bad()
            return e
        if not re.fullmatch(r'[A-Za-z0-9_]+', t):
            raise Bad()
        op, value = self.take(), self.take()
        if op not in ('==', '!=', '<', '<=', '>', '>=', '&') or not re.fullmatch(r'-?[A-Za-z0-9_]+', value):
            raise Bad()
        self.terms += 1
        return ('pred', self.field(t), op, value)

    def field(self, name):
        """S2.2, C31: argument names first, then nr, then the common fields; (index, bits, signed)."""
        if name in self.args:
            return (self.args.index(name), 64, False)
        if name == 'nr':
            return ('nr', 32, True)
        if name in COMMON:
            return (name,) + COMMON[name]
        raise Bad()


def resolve_values(e):
    """Check every value against its field (C4) once the tree is built, as ftrace does."""
    if e[0] == 'pred':
        _, field, op, text = e
        return ('pred', field, op, integer(text, field[2]))
    if e[0] == '!':
        return ('!', resolve_values(e[1]))
    return (e[0], resolve_values(e[1]), resolve_values(e[2]))


def parse_filter(text, args):
    """A filter string (S2): 'allow', 'drop', or (tree, stored text, terms); Bad on any error."""
    s = text.strip(SPACE)
    if len(s) > MAX_FILTER:
        raise Bad()
    if s == '1':
        return 'allow'
    if s == '0':
        return 'drop'
    p = Parser(tokens(s), args)
    tree = p.expr()
    if p.peek() is not None:
        raise Bad()
    tree = resolve_values(tree)
    if p.terms > MAX_TERMS:
        raise Bad()
    return (tree, re.sub('[\n\r\x0b\x0c]', ' ', s), p.terms)   # C34


def at_width(v, bits, signed):
    """C5: truncate to the field's width, read signed fields as signed."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if signed and v >> (bits - 1) else v


def evaluate(e, nr, args):
    """S3.3."""
    kind = e[0]
    if kind == '||':
        return evaluate(e[1], nr, args) or evaluate(e[2], nr, args)
    if kind == '&&':
        return evaluate(e[1], nr, args) and evaluate(e[2], nr, args)
    if kind == '!':
        return not evaluate(e[1], nr, args)
    _, (where, bits, signed), op, value = e
    raw = nr if where == 'nr' else 0 if isinstance(where, str) else args[where]
    a, b = at_width(raw, bits, signed), at_width(value, bits, signed)
    if BUG == 'signed-lt' and where not in ('nr',) and not isinstance(where, str):
        a, b = at_width(a, 64, True), at_width(b, 64, True)
    if op == '==':
        return a == b
    if op == '!=':
        return a != b
    if op == '<':
        return a < b
    if op == '<=':
        return a <= b
    if op == '>':
        return a > b
    if op == '>=':
        return a >= b
    return (a & b) != 0


class State:
    """S4.1: mode, abi, filters {nr: 'allow' | (tree, text, terms)}, pending."""

    def __init__(self):
        self.mode, self.abi, self.filters, self.pending = 0, None, {}, False


def merge(old, new, args):
    """S5.4: (old) && (new); '1' keeps old; over 255 characters or 32 terms is -E2BIG (C24)."""
    if new == 'allow':
        return old
    if old == 'allow':
        return new
    text = '(%s) && (%s)' % (old[1], new[1])
    if len(text) > MAX_FILTER or old[2] + new[2] + 1 > MAX_TERMS:
        raise Bad(E2BIG)
    return (('&&', old[0], new[0]), text, old[2] + new[2] + 1)


def parse_line(line, table):
    """S2.5: None (blank, comment), 'directive', or (nr, filter)."""
    s = line.strip(SPACE)
    if s == '' or s.startswith('#'):
        return None
    colon = line.find(':')
    if colon < 0:
        raise Bad()
    name = line[:colon].strip(SPACE)
    if not re.fullmatch(r'[A-Za-z0-9_]+', name):
        raise Bad()
    if name == 'on_next_syscall':
        if line[colon + 1:].strip(SPACE) != '1':
            raise Bad()
        return 'directive'
    nr = table.resolve(name) if len(name) <= 64 else None
    if nr is None:
        raise Bad()
    return (nr, parse_filter(line[colon + 1:], table.args.get(nr, [])))


def install(state, text, abi):
    """prctl(PR_SET_SECCOMP, 2, text) from a task of code `abi` (S5.2, C25, C26): 0 or -errno."""
    if state.mode == 1:
        return -EPERM
    if len(text.encode('latin-1')) >= MAX_TEXT:
        return -E2BIG
    table = TABLES[abi]
    filters, pending, filtering = dict(state.filters), False, state.mode == 2
    try:
        for line in text.split('\n'):         # C26: lines in order, the first failure decides
            entry = parse_line(line, table)
            if entry is None:
                continue
            if entry == 'directive':
                if filtering:
                    raise Bad(EACCES)          # C14
                pending = True
                continue
            nr, f = entry
            if f == 'drop':
                filters.pop(nr, None)
            elif nr in filters:
                filters[nr] = merge(filters[nr], f, table.args.get(nr, []))
            elif filtering:
                raise Bad(EACCES)              # S5.4: a new entry would widen access
            else:
                filters[nr] = f
    except Bad as e:
        return -e.errno                        # S5.5: nothing changes
    state.filters = filters
    if not filtering:
        state.mode, state.abi, state.pending = 2, abi, pending
    return 0


def decide(state, abi, nr, args):
    """S6.4 for a call through `abi` (pending is never spent: each call is a fresh fork, P2)."""
    if state.mode == 0 or state.pending:
        return True
    if abi != state.abi or nr < 0 or nr >= TABLES[abi].nr_syscalls:
        return False
    f = state.filters.get(nr)
    if f is None:
        return False
    if f == 'allow':
        return True
    if abi == 'ia32':
        args = [a & 0xffffffff for a in args]  # S3.2: compat arguments are 32 bits
    elif BUG == 'arg32':
        args = [a & 0xffffffff for a in args]
    return evaluate(f[0], nr, args)


# A3: the kernel's precedence, strongest first; the 2011 kill ranks above every other.
RANK = {'kill': 0, 'kill-process': 1, 'kill-thread': 2, 'trap': 3, 'errno': 4,
        'user-notif': 5, 'trace': 6, 'log': 7, 'allow': 8}
LIMITS = {'errno': 4095, 'trap': 0xffff, 'trace': 0xffff}
OPS = {'==': lambda a, v: a == v, '!=': lambda a, v: a != v, '<': lambda a, v: a < v,
       '<=': lambda a, v: a <= v, '>': lambda a, v: a > v, '>=': lambda a, v: a >= v}
M64 = (1 << 64) - 1


def action(text):
    """A4: an action spelling, checked; Bad for anything else."""
    if not isinstance(text, str):
        raise Bad()
    kind, _, data = text.partition(':')
    if kind not in RANK or (data and (kind not in LIMITS or not re.fullmatch(r'[0-9]{1,5}', data))):
        raise Bad()
    if data and int(data) > LIMITS[kind]:
        raise Bad()
    return text if data or kind not in LIMITS else '%s:0' % kind


def u64(text):
    if not isinstance(text, str) or not re.fullmatch(r'0x[0-9a-fA-F]{1,16}', text):
        raise Bad()
    return int(text, 16)


def cond(c):
    """R2: a condition as a function of the six arguments."""
    if c is True or c is False:
        return lambda a: c
    if not isinstance(c, dict):
        raise Bad()
    if 'and' in c or 'or' in c:
        parts = [cond(x) for x in c.get('and', c.get('or'))]
        return (lambda a: all(p(a) for p in parts)) if 'and' in c else (lambda a: any(p(a) for p in parts))
    if 'not' in c:
        inner = cond(c['not'])
        return lambda a: not inner(a)
    arg, value = c.get('arg'), u64(c.get('value'))
    if arg not in range(6) or isinstance(arg, bool):
        raise Bad()
    if 'mask' in c:
        mask = u64(c['mask'])
        return lambda a: a[arg] & mask == value
    op = OPS.get(c.get('op'))
    if op is None:
        raise Bad()
    return lambda a: op(a[arg], value)


def rules(text):
    """P9: a `rules` text as {arch: (calls {nr: [(cond, action)]}, otherwise)} and otherArch; Bad if it does not parse."""
    try:
        j = json.loads(text)
    except ValueError:
        raise Bad()
    if not isinstance(j, dict) or not isinstance(j.get('arches', {}), dict):
        raise Bad()
    arches = {}
    for name, r in j.get('arches', {}).items():
        if name not in ('x86_64', 'ia32', 'x32') or not isinstance(r, dict) or not isinstance(r.get('calls', {}), dict):
            raise Bad()
        calls = {}
        for key, lst in r.get('calls', {}).items():
            if not re.fullmatch(r'-?[0-9]{1,10}', key) or not -2**31 <= int(key) < 2**31 or not isinstance(lst, list):
                raise Bad()
            calls[int(key)] = [(cond(x.get('when', True)), action(x.get('action'))) for x in lst if isinstance(x, dict)]
            if len(calls[int(key)]) != len(lst):
                raise Bad()
        arches[name] = (calls, action(r.get('otherwise')))
    return arches, action(j.get('otherArch'))


def decide_rules(f, abi, nr, args):
    """R4: the first rule of the call's arch and number that holds; else otherwise; another arch otherArch."""
    arches, other_arch = f
    arch = 'x32' if abi == 'x86_64' and nr & 0xffffffff >= 0x40000000 else abi
    if arch not in arches:
        return other_arch
    calls, otherwise = arches[arch]
    if abi == 'ia32':
        args = [a & 0xffffffff for a in args]  # R2: the filter's rules see the low 32 bits on ia32
    for holds, act in calls.get(nr, []):
        if holds(args):
            return act
    return otherwise


def combine(newest_first):
    """A3: the strongest kind wins; of one kind the newest (with --bug precedence: the oldest)."""
    best = 'allow'
    for a in (reversed(newest_first) if BUG == 'precedence' else newest_first):
        if RANK[a.partition(':')[0]] < RANK[best.partition(':')[0]] or (
                BUG == 'precedence' and RANK[a.partition(':')[0]] == RANK[best.partition(':')[0]] and best == 'allow'):
            best = a
    return best


def answer_v2(req):
    """P9: the 2011 texts are one filter; each rules install one more; a call gets the stack's action."""
    state, results, layers, has2011 = State(), [], [], False
    for inst in req['installs']:
        dialect, text = ('2011', inst) if isinstance(inst, str) else (inst['dialect'], inst['text'])
        if dialect == '2011':
            has2011 = True
            results.append(install(state, text, req['abi']))
        elif dialect == 'rules':
            try:
                layers.append(rules(text))
                results.append(0)
            except Bad:
                results.append(-EINVAL)
        else:
            return {'version': 2, 'id': req['id'], 'unsupported': "dialect '%s' is not known" % dialect}
    calls = []
    for c in req['calls']:
        abi = req['abi'] if c['vector'] == 'syscall' else 'ia32'
        args = [int(a, 16) for a in c['args']]
        if state.mode == 2 and state.pending:
            # S6.4, A6: a pending grant (on_next_syscall) lets the call through before any filter of the stack answers.
            calls.append('allow')
            continue
        answers = [decide_rules(f, abi, c['nr'], args) for f in reversed(layers)]
        if has2011:
            answers.append('allow' if decide(state, abi, c['nr'], args) else 'kill')
        calls.append(combine(answers))
    return {'version': 2, 'id': req['id'], 'installs': results, 'calls': calls}


def answer(req):
    if req.get('version') == 2:
        return answer_v2(req)
    state = State()
    installs = [install(state, text, req['abi']) for text in req['installs']]
    calls = []
    for c in req['calls']:
        abi = req['abi'] if c['vector'] == 'syscall' else 'ia32'   # S6.1
        args = [int(a, 16) for a in c['args']]
        calls.append('allow' if decide(state, abi, c['nr'], args) else 'kill')
    return {'id': req['id'], 'installs': installs, 'calls': calls}


def main():
    global BUG
    argv = sys.argv[1:]
    if argv[:1] == ['--bug'] and len(argv) == 2 and argv[1] in ('signed-lt', 'arg32', 'precedence'):
        BUG = argv[1]
    elif argv:
        sys.stderr.write('usage: seccomp_adapter.py [--bug signed-lt|arg32|precedence]\n')
        return 2
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            out = answer(req)
        except (ValueError, KeyError, TypeError) as e:
            sys.stderr.write('bad request: %s\n' % e)
            return 2
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
