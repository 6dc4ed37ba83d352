// Preloaded into every test process by run-tests.mjs. A test file whose tests are all done
// but which still holds a handle (a socket or timer a client library left behind) would keep
// the run waiting forever; 15 s after its last test it is made to exit. Not Node's
// --test-force-exit: that exits before the file's results reach the runner, and tests went
// missing from the counts.
import { after } from 'node:test';
import { setTimeout } from 'node:timers';

after(() => {
  const timer = setTimeout(() => {
    process.stderr.write(
      `test file still running 15 s after its tests (a leaked handle); exiting\n`,
    );
    process.exit(process.exitCode ?? 0);
  }, 15_000);
  timer.unref();
});
