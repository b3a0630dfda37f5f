/**
 * `node --import tsx test/support/measured-cli.ts ARGS...`: the
 * seccomp-spec command line, then one last stderr line with this process's
 * peak resident memory, `peak-rss-mb: N`, measured by the process itself.
 */
import { main, processIo } from '../../src/cli/index.ts';

const code = await main(process.argv.slice(2), processIo);
process.stderr.write(`peak-rss-mb: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)}\n`);
process.exitCode = code;
