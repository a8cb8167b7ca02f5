import type { ChildProcess } from 'node:child_process';

/** SIGKILLs every child in `children` and resolves once each has closed; returns how many. */
export async function killAndWait(children: Iterable<ChildProcess>): Promise<number> {
  const list = [...children];
  await Promise.all(
    list.map(async (child) => {
      const closed = new Promise<void>((done) => child.once('close', () => done()));
      child.kill('SIGKILL');
      await closed;
    }),
  );
  return list.length;
}
