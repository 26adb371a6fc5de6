// A vitest reporter for CI: names the test files (and their last test seen starting) still running
// when a run stalls. A test blocked in synchronous code (a child process waited for with spawnSync,
// an Atomics.wait) cannot be stopped by vitest's testTimeout, so without this a stalled run prints
// nothing until CI's limit ends it.
const REPORT_EVERY_MS = Number(process.env.STALL_REPORT_MS ?? 5 * 60_000);

const label = (module) => `${module.project.name} ${module.moduleId.replace(`${process.cwd()}/`, '')}`;

export default class StallReporter {
  modules = new Map();

  onInit() {
    this.timer = setInterval(() => this.report(), REPORT_EVERY_MS);
    this.timer.unref();
  }

  onTestModuleQueued(module) {
    this.modules.set(module.moduleId + module.project.name, { name: label(module), since: Date.now(), test: '' });
  }

  onTestCaseReady(test) {
    const entry = this.modules.get(test.module.moduleId + test.project.name);
    if (entry) entry.test = test.fullName;
  }

  onTestModuleEnd(module) {
    this.modules.delete(module.moduleId + module.project.name);
  }

  onTestRunEnd() {
    clearInterval(this.timer);
  }

  report() {
    const now = Date.now();
    for (const { name, since, test } of this.modules.values()) {
      if (now - since < REPORT_EVERY_MS) continue;
      const last = test ? ` (last test seen starting: ${test})` : '';
      process.stderr.write(`[stall] ${name} still running after ${Math.round((now - since) / 1000)} s${last}\n`);
    }
  }
}
