/**
 * `seccomp-spec conform` and `seccomp-spec adapter` (spec/14, P3-P6): the
 * built-in adapters and the foreign Python adapter pass, the planted bugs
 * are caught and shrunk to a small request, and every protocol breach of a
 * child (bad JSON, wrong id, crash, hang) is exit 2 with a clear message.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { holdRuns } from '../properties/support.ts';
import { decodeRequest, isV2, type ConformReport } from '../src/conform/index.ts';
import { main } from '../src/cli/main.ts';
import { runCli, type Run } from '../src/cli/memory.ts';

const disk = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return undefined;
  }
};
const conform = (impl: string, ...rest: string[]): Promise<Run> => runCli(['conform', '--impl', impl, ...rest], disk);
const seed = (): string => String(Math.floor(Math.random() * 2 ** 31));
const PY = 'python3 examples/adapters/seccomp_adapter.py';
const report = (r: Run): ConformReport => JSON.parse(r.out) as ConformReport;

for (const name of ['model', 'engine', 'bpf', 'linux']) {
  // The linux adapter starts the native probe once a request, so it gets fewer.
  const n = holdRuns(name === 'linux' ? 60 : 150);
  test.serial(
    `the ${name} adapter conforms: the whole corpus and generated requests (cut for CI time; more under npm run props)`,
    async (t) => {
      const s = seed();
      const r = await conform(`bin/seccomp-spec adapter ${name}`, '--runs', String(n), '--seed', s, '--json');
      t.log(`seed ${s}`);
      t.is(r.code, 0, r.out);
      const rep = report(r);
      t.is(rep.protocol, 2);
      t.is(rep.corpus.cases, 80);
      t.is(rep.corpus.agreed + rep.corpus.unsupported, 80);
      t.is(rep.search.requests, n);
      t.deepEqual(rep.disagreements, []);
      // The model never refuses; the engine and BPF only for the reasons spec/14 gives (P4, P7).
      const pending = /^the installed state has a pending on_next_syscall grant/;
      const allowed = {
        model: /^$/,
        engine: /^install [0-9]+: /,
        bpf: pending,
        linux: new RegExp(`${pending.source}|^native uretprobe and uprobe`),
      }[name]!;
      if (name === 'model') t.is(rep.search.unsupported + rep.corpus.unsupported, 0);
      for (const u of rep.unsupportedReasons) t.regex(u.reason, allowed);
      // Most generated requests are answered (about 7 in 10 for the engine); 4 in 10 holds at any run count.
      t.true(rep.search.agreed >= Math.floor(n * 0.4), `only ${rep.search.agreed} of ${n} answered`);
    },
  );
}

const PY_RUNS = holdRuns(600);
test.serial(
  `the foreign Python adapter conforms: the corpus and generated requests (cut for CI time; more under npm run props)`,
  async (t) => {
    const s = seed();
    const r = await conform(PY, '--runs', String(PY_RUNS), '--seed', s);
    t.log(`seed ${s}`);
    t.is(r.code, 0, r.out);
    t.regex(r.out, /^the implementation speaks protocol version 2\ncorpus .*corpus-v2\.jsonl: (\d+) cases, \1 agree\n/);
    t.regex(r.out, new RegExp(`search: ${PY_RUNS} requests \\(seed ${s}\\), ${PY_RUNS} agree\\n`));
  },
);

for (const bug of ['signed-lt', 'arg32']) {
  test.serial(
    `conform catches the Python adapter's --bug ${bug} and shrinks it to one short install and one call`,
    async (t) => {
      const s = seed();
      const r = await conform(`${PY} --bug ${bug}`, '--runs', '3000', '--seed', s, '--corpus', 'none', '--json');
      t.log(`seed ${s}`);
      t.is(r.code, 1, r.out);
      const [d, ...more] = report(r).disagreements;
      t.is(more.length, 0);
      t.is(d?.source, 'search');
      t.is(d?.rule.rule, 'S3.3');
      const shrunk = d!.request;
      t.false(isV2(shrunk), 'a 2011 bug is shown as a version-1 request');
      if (isV2(shrunk)) return;
      t.is(shrunk.installs.length, 1, JSON.stringify(shrunk));
      t.false(shrunk.installs[0]!.includes('\n'), JSON.stringify(shrunk));
      t.true(shrunk.installs[0]!.length <= 80, JSON.stringify(shrunk));
      t.is(shrunk.calls.length, 1, JSON.stringify(shrunk));
      // Every argument that does not matter is zeroed.
      // The JSON report writes arguments as the protocol does, "0x" hex strings.
      t.true(shrunk.calls[0]!.args.filter((a: unknown) => a !== '0x0').length <= 1, JSON.stringify(shrunk));
    },
  );
}

test.serial('the text report prints a pasteable request, both answers and the rule', async (t) => {
  const r = await conform(`${PY} --bug signed-lt`, '--runs', '3000', '--corpus', 'none');
  t.is(r.code, 1);
  const m = /\nrequest: +(\{.*\})\nmodel: +(\{.*\})\nimplementation: +(\{.*\})\nrule: +S3\.3: /.exec(r.out);
  t.truthy(m, r.out);
  t.true(decodeRequest(m![1]!)._tag === 'Right');
  t.notDeepEqual(JSON.parse(m![2]!), JSON.parse(m![3]!));
  t.regex(r.out, /paste the request line into: python3 .*--bug signed-lt\nreplay the search: --seed [0-9]+\n$/);
});

test.serial('a corpus case the implementation gets wrong is reported with its name and rule', async (t) => {
  const r = await conform(`${PY} --bug arg32`, '--runs', '0', '--json');
  t.is(r.code, 1);
  const d = report(r).disagreements;
  t.true(d.length >= 1);
  t.regex(d[0]!.source, /^corpus case [0-9]+ \(S[0-9.]+: .+\)$/);
});

const script = (py: string): string => `python3 -c '${py.replace(/\\n/g, '\n')}'`;

test.serial(
  'protocol errors are exit 2 with what happened: bad JSON, wrong id, short answer, crash, hang, no such command',
  async (t) => {
    const cases: readonly [string, RegExp][] = [
      [
        script('import sys\nfor l in sys.stdin: print("garbage", flush=True)'),
        /PROTOCOL ERROR: request 1: bad answer is not JSON .*"garbage"/,
      ],
      [
        script(
          'import sys,json\nfor l in sys.stdin: print(json.dumps({"id": 999, "installs": [], "calls": []}), flush=True)',
        ),
        /PROTOCOL ERROR: answer id 999 does not match request id 1/,
      ],
      [
        script(
          'import sys,json\nfor l in sys.stdin: r=json.loads(l); print(json.dumps({"id": r["id"], "installs": [], "calls": []}), flush=True)',
        ),
        /PROTOCOL ERROR: answer 1 has 0 install results for 1 installs/,
      ],
      [
        script('import sys\nsys.stdin.readline(); sys.stderr.write("Traceback: boom"); sys.exit(3)'),
        /PROTOCOL ERROR: request 1: the implementation exited \(code 3\) before answering; its stderr ends:\nTraceback: boom/,
      ],
      [
        script(
          'import sys,json,time\nfor l in sys.stdin: print(json.dumps({"id": json.loads(l)["id"], "unsupported": "once"}), flush=True); time.sleep(30)',
        ),
        /PROTOCOL ERROR: request 2: no answer within 400 ms \(the implementation hangs/,
      ],
      [
        '/nonexistent/impl --x',
        /PROTOCOL ERROR: request 1: could not start "\/nonexistent\/impl": spawn \/nonexistent\/impl ENOENT/,
      ],
    ];
    for (const [impl, expected] of cases) {
      const r = await conform(impl, '--runs', '5', '--timeout', '400');
      t.is(r.code, 2, impl);
      t.regex(r.out, expected, impl);
    }
  },
);

test.serial('usage errors are exit 2 and name the problem', async (t) => {
  const r = await runCli(['conform'], disk);
  t.is(r.code, 2);
  t.regex(r.err, /^conform needs --impl "CMD \[ARG\.\.\.\]"/);
  t.regex((await conform('x', '--runs', 'many')).err, /^invalid --runs: /);
  t.regex((await conform('x', '--seed', '-1')).err, /^invalid --seed: /);
  t.regex((await conform('x', '--timeout', '1.5')).err, /^invalid --timeout: /);
  t.regex((await conform("'x")).err, /^unterminated ' quote/);
  t.regex((await conform('x', '--corpus', 'missing.jsonl')).err, /^cannot read the corpus: ENOENT/);
  const bad = await runCli(['conform', '--impl', 'x', '--corpus', 'c.jsonl'], (p) =>
    p === 'c.jsonl'
      ? '{"corpus":"seccomp-spec conformance corpus","version":1,"protocol":1}\n{"rule":"S9","name":"x","request":{},"answer":{"id":1,"installs":[],"calls":[]}}\n'
      : undefined,
  );
  t.is(bad.code, 2);
  t.regex(bad.err, /^c\.jsonl:2: request: id: /);
  t.is((await runCli(['conform', '--help'], disk)).code, 0);
});

test.serial(
  "conform catches the Python adapter's --bug precedence in the version-2 corpus and the search, shrunk to two filters and one call",
  async (t) => {
    const s = seed();
    const r = await conform(`${PY} --bug precedence`, '--runs', '3000', '--seed', s, '--json');
    t.log(`seed ${s}`);
    t.is(r.code, 1, r.out);
    const rep = report(r);
    t.is(rep.protocol, 2);
    t.true(
      rep.disagreements.some((d) => /corpus case 10\d\d \(A3: /.test(d.source)),
      'a precedence case of the corpus',
    );
    const found = rep.disagreements.find((d) => d.source === 'search');
    t.truthy(found, 'the search finds it too');
    const shrunk = found!.request;
    t.true(isV2(shrunk));
    if (!isV2(shrunk)) return;
    t.is(found!.rule.rule, 'A3');
    t.is(shrunk.installs.length, 2, JSON.stringify(shrunk));
    t.is(shrunk.calls.length, 1, JSON.stringify(shrunk));
    t.true(
      shrunk.installs.every((i) => i.dialect === 'rules' && i.text.length < 200),
      JSON.stringify(shrunk),
    );
  },
);

test.serial('an implementation that answers nothing but unsupported does not pass', async (t) => {
  const r = await conform(
    script(
      'import sys,json\nfor l in sys.stdin: print(json.dumps({"id": json.loads(l)["id"], "unsupported": "nothing"}), flush=True)',
    ),
    '--runs',
    '20',
  );
  t.is(r.code, 1);
  t.regex(
    r.out,
    /speaks protocol version 1\ncorpus .*: 67 cases, 0 agree, 67 unsupported \(not agreement\), 13 version-2 cases not asked\nsearch: 20 requests \(seed [0-9]+\), 0 agree, 20 unsupported \(not agreement\)\n {2}unsupported 87x: nothing\n/,
  );
});

test.serial(
  'adapter serves stdin through the named adapter; unknown names and missing stdin are usage errors',
  async (t) => {
    let out = '';
    let err = '';
    const io = {
      out: (s: string) => void (out += s),
      err: (s: string) => void (err += s),
      readFile: () => new Error('no files'),
      openStream: () => new Error('no files'),
      errIsTty: false,
      outBytes: () => undefined,
      outIsTty: false,
      writeFile: () => new Error('no files'),
      stdinLines: async function* () {
        yield '{"id": 1, "abi": "ia32", "installs": ["read: fd == 1"], "calls": [{"vector": "int80", "nr": 3, "args": ["0x100000001", "0x0", "0x0", "0x0", "0x0", "0x0"]}]}';
      },
    };
    t.is(await main(['adapter', 'engine'], io), 0);
    t.is(out, '{"id":1,"installs":[0],"calls":["allow"]}\n');
    t.is(await main(['adapter', 'bogus'], io), 2);
    t.regex(err, /unknown adapter 'bogus' \(valid: model, engine, bpf, linux\)/);
    const none = await runCli(['adapter', 'model'], disk);
    t.is(none.code, 2);
    t.is(none.err, 'adapter needs a standard input to read requests from\n');
  },
);
