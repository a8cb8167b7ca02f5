import { constants } from 'node:fs';
import { posix } from 'node:path';
import type { RandomSource } from '../../src/internal/random.js';
import type { CoreFs } from '../../src/stores/file/sync-core.js';

/**
 * An in-memory file system for the file ledger's synchronous I/O core that models
 * what power loss can leave on disk, in the manner of LevelDB's fault-injection env and
 * SQLite's crash VFS. The power-loss tests (B2) and the I/O-error tests (B5) run on it.
 *
 * Model:
 * - Every file has a durable content (as of its last `fsync`/`fdatasync`) and a current
 *   content (the page cache), plus the ordered list of writes and truncations made
 *   since that sync. Reads see the current content.
 * - Every directory has durable entries (as of its last directory `fsync`) and current
 *   entries, plus the ordered list of links, renames and unlinks since that sync. An
 *   `fsync` of a file does not make its name durable (fsync(2)).
 * - Every call is one I/O operation, numbered from 1. {@link CrashFs.crashAt} makes the
 *   n-th throw {@link CrashError} without doing anything: the process died there, so
 *   every later call throws too. {@link CrashFs.powerLoss} then derives what the disk
 *   may hold after the machine lost power at that moment.
 * - {@link CrashFs.failAt} and {@link CrashFs.shortWriteAt} inject I/O errors; every
 *   injected failure is recorded with the operation number and descriptor, so a test
 *   can check what the caller did afterwards (no fsync retried on that descriptor).
 *
 * Descriptors are never reused, so "calls on the failed descriptor afterwards" is exact.
 */

/** Kinds of operations, as counted and as selectable for fault injection. */
export type OpKind =
  | 'open' // open of an existing file or directory without creating it
  | 'create' // open that creates the file ('wx', O_CREAT)
  | 'read'
  | 'readdir'
  | 'write'
  | 'fsync' // fsync of a file
  | 'fdatasync' // fdatasync of a file
  | 'dirFsync' // fsync or fdatasync of a directory
  | 'close'
  | 'rename'
  | 'unlink'
  | 'mkdir'
  | 'chmod'
  | 'truncate'
  | 'copy';

/** Operation kinds that change what is stored (current or durable); reads, opens and closes excluded. */
export const MUTATING_KINDS: readonly OpKind[] = ['create', 'write', 'fsync', 'fdatasync', 'dirFsync', 'rename', 'unlink', 'mkdir', 'chmod', 'truncate', 'copy'];

/** One operation as issued (including the one that crashed or failed). */
export interface OpRecord {
  /** 1-based operation number. */
  readonly index: number;
  readonly kind: OpKind;
  readonly fd?: number;
  readonly path?: string;
}

/** An injected failure that fired. */
export interface InjectedFailure extends OpRecord {
  readonly code: string;
}

/**
 * What power loss leaves of data that was written but not synced (the crash states of
 * the power-loss tests, B2):
 * - `dropUnsynced` (i): every file holds exactly its synced content.
 * - `keepPrefix` (ii): each file keeps a random number of its unsynced writes, in order.
 * - `tearAtByte` (iii): each file keeps its unsynced changes, but its last unsynced
 *   write only up to a random byte inside it (torn).
 * - `sizeBeforeData` (iv): each file keeps a random byte prefix of its unsynced writes
 *   but has the size it had in the page cache, the rest zeros or garbage (the size
 *   reached the disk before the data).
 * - `undoDirOps` (v): directories hold only their synced entries (files created since
 *   vanish, renames revert, unlinked files reappear with their own durable content),
 *   and files hold their synced content.
 */
export type PowerLossVariant = 'dropUnsynced' | 'keepPrefix' | 'tearAtByte' | 'sizeBeforeData' | 'undoDirOps';

/** Every {@link PowerLossVariant}. */
export const POWER_LOSS_VARIANTS: readonly PowerLossVariant[] = ['dropUnsynced', 'keepPrefix', 'tearAtByte', 'sizeBeforeData', 'undoDirOps'];

/**
 * Which unsynced directory operations survive power loss:
 * `keep` all of them (the journal committed them), `undo` all of them, or a random
 * prefix of them per directory (ordered journal).
 */
export type DirDamage = 'keep' | 'undo' | 'prefix';

/** Thrown by the operation chosen with {@link CrashFs.crashAt}, and by every call after it. */
export class CrashError extends Error {
  override readonly name = 'CrashError';
  /** Number of the operation at which the process "died". */
  readonly op: number;
  constructor(op: number, kind: OpKind) {
    super(`simulated crash at I/O operation ${op} (${kind})`);
    this.op = op;
  }
}

type WriteOp = { readonly kind: 'write'; readonly at: number; readonly bytes: Buffer };
type TruncateOp = { readonly kind: 'truncate'; readonly length: number };
type FileOp = WriteOp | TruncateOp;

interface FileNode {
  readonly type: 'file';
  readonly id: number;
  mode: number;
  /** Content as of the last fsync/fdatasync. */
  durable: Buffer;
  /** Current content (page cache). */
  data: Buffer;
  /** Changes since the last sync, in order: applied to `durable` they give `data`. */
  pending: FileOp[];
}

type DirOp =
  | { readonly kind: 'link'; readonly name: string; readonly node: Node }
  | { readonly kind: 'unlink'; readonly name: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string; readonly node: Node };

interface DirNode {
  readonly type: 'dir';
  readonly id: number;
  mode: number;
  /** Entries as of the last directory fsync. */
  durable: Map<string, Node>;
  /** Current entries. */
  entries: Map<string, Node>;
  /** Changes since the last directory fsync, in order: applied to `durable` they give `entries`. */
  pending: DirOp[];
}

type Node = FileNode | DirNode;

interface OpenFile {
  readonly node: Node;
  readonly path: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  position: number;
}

interface Fault {
  readonly nth: number;
  readonly code: string;
  readonly persistent: boolean;
  readonly kinds: ReadonlySet<OpKind> | undefined;
  seen: number;
  fired: boolean;
}

/** Options of {@link CrashFs.failAt}. */
export interface FailAtOptions {
  /**
   * Keep failing every later matching operation after the first failure (SQLite's
   * persistent I/O error), until {@link CrashFs.clearFaults}. @default false (fail once)
   */
  readonly persistent?: boolean;
  /** Count and fail only operations of these kinds. @default every kind */
  readonly kinds?: readonly OpKind[];
}

const fsError = (code: string, syscall: string, path?: string): Error =>
  Object.assign(new Error(`${code}: simulated ${syscall}${path === undefined ? '' : ` '${path}'`}`), { code, syscall, ...(path === undefined ? {} : { path }) });

function applyFileOps(base: Buffer, ops: readonly FileOp[], partialBytes = 0, partialOp?: WriteOp): Buffer {
  let out = Buffer.from(base);
  const write = (at: number, bytes: Buffer): void => {
    if (at + bytes.length > out.length) {
      const grown = Buffer.alloc(at + bytes.length);
      out.copy(grown, 0, 0, out.length);
      out = grown;
    }
    bytes.copy(out, at);
  };
  for (const op of ops) {
    if (op.kind === 'write') write(op.at, op.bytes);
    else out = op.length <= out.length ? Buffer.from(out.subarray(0, op.length)) : Buffer.concat([out, Buffer.alloc(op.length - out.length)]);
  }
  if (partialOp && partialBytes > 0) write(partialOp.at, partialOp.bytes.subarray(0, partialBytes));
  return out;
}

const randomInt = (random: RandomSource, lowInclusive: number, highInclusive: number): number =>
  lowInclusive + Math.floor(random.next() * (highInclusive - lowInclusive + 1));

/** See the module comment. */
export class CrashFs {
  readonly #root: DirNode;
  #nextNodeId = 1;
  #nextFd = 3;
  readonly #fds = new Map<number, OpenFile>();
  #opCount = 0;
  #crashAt: number | undefined;
  #crashed: CrashError | undefined;
  readonly #faults: Fault[] = [];
  #shortWrite: { nth: number; seen: number; code: string } | undefined;
  #diskFull: string | undefined;
  readonly #log: OpRecord[] = [];
  readonly #failures: InjectedFailure[] = [];
  /** A fixed pid, so temp-file names are the same in every run. */
  readonly pid = 4242;

  /** Creates an empty file system: a durable root directory `/` and nothing else. */
  constructor() {
    this.#root = this.#newDir(0o755);
  }

  // ---------------------------------------------------------------- control

  /** Number of operations issued so far (the crashing or failing one included). */
  get opCount(): number {
    return this.#opCount;
  }

  /** Every operation issued so far, in order. */
  get ops(): readonly OpRecord[] {
    return this.#log;
  }

  /** Every injected failure that fired, in order. */
  get failures(): readonly InjectedFailure[] {
    return this.#failures;
  }

  /** The crash that happened, if {@link crashAt} fired. */
  get crash(): CrashError | undefined {
    return this.#crashed;
  }

  /** Makes operation number `n` (1-based, counting from the start) throw {@link CrashError} without effect. */
  crashAt(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`crashAt(n): n must be an integer >= 1, received ${n}`);
    this.#crashAt = n;
  }

  /**
   * Makes the `n`-th operation (1-based; among `options.kinds` when given, counted from
   * this call) throw an `Error` with `code` (e.g. `EIO`, `ENOSPC`, `EDQUOT`) without
   * effect. With `persistent`, every later matching operation fails too.
   */
  failAt(n: number, code: string, options: FailAtOptions = {}): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`failAt(n): n must be an integer >= 1, received ${n}`);
    this.#faults.push({
      nth: n,
      code,
      persistent: options.persistent ?? false,
      kinds: options.kinds ? new Set(options.kinds) : undefined,
      seen: 0,
      fired: false,
    });
  }

  /**
   * Makes the `n`-th `writeSync` (1-based, counted from this call) write only part of
   * its buffer (half, rounded down) and return that count; from then on every write
   * fails with `code` (the disk is full) until {@link clearFaults}.
   */
  shortWriteAt(n: number, code = 'ENOSPC'): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`shortWriteAt(n): n must be an integer >= 1, received ${n}`);
    this.#shortWrite = { nth: n, seen: 0, code };
  }

  /** Removes every injected fault (not a crash): later operations succeed again. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#shortWrite = undefined;
    this.#diskFull = undefined;
  }

  /**
   * Sync calls (`fsync`, `fdatasync`) on `failure.fd` issued after `failure`. Descriptors
   * are never reused, so this counts exactly the retries on the failed descriptor.
   * `undefined` when the failed operation had no descriptor (rename, unlink, ...).
   */
  syncsAfter(failure: InjectedFailure): number | undefined {
    if (failure.fd === undefined) return undefined;
    return this.#log.filter(
      (op) => op.index > failure.index && op.fd === failure.fd && (op.kind === 'fsync' || op.kind === 'fdatasync' || op.kind === 'dirFsync'),
    ).length;
  }

  /** Operations issued after operation number `index`. */
  opsAfter(index: number): readonly OpRecord[] {
    return this.#log.filter((op) => op.index > index);
  }

  /**
   * What the disk may hold after power is lost now: a new file system whose current
   * and durable states are both that crash state. This one is left unchanged.
   *
   * @param random - draws every random choice, so a seed reproduces the state.
   * @param dirs - which unsynced directory operations survive.
   *   @default `'undo'` for `undoDirOps`, `'keep'` otherwise
   */
  powerLoss(variant: PowerLossVariant, random: RandomSource, dirs?: DirDamage): CrashFs {
    const dirDamage = dirs ?? (variant === 'undoDirOps' ? 'undo' : 'keep');
    const out = new CrashFs();
    const files = new Map<number, Buffer>();
    const fileContent = (node: FileNode): Buffer => {
      let content = files.get(node.id);
      if (!content) {
        content = CrashFs.#damage(node, variant, random);
        files.set(node.id, content);
      }
      return content;
    };
    const copyDir = (from: DirNode, to: DirNode, seen: Set<number>): void => {
      seen.add(from.id);
      let entries: Map<string, Node>;
      if (dirDamage === 'keep') entries = from.entries;
      else {
        entries = new Map(from.durable);
        const keep = dirDamage === 'undo' ? 0 : randomInt(random, 0, from.pending.length);
        for (const op of from.pending.slice(0, keep)) {
          if (op.kind === 'link') entries.set(op.name, op.node);
          else if (op.kind === 'unlink') entries.delete(op.name);
          else {
            entries.delete(op.from);
            entries.set(op.to, op.node);
          }
        }
      }
      for (const name of [...entries.keys()].sort()) {
        const node = entries.get(name) as Node;
        if (node.type === 'dir') {
          // A directory can only appear once; a cycle would mean a broken model.
          if (seen.has(node.id)) throw new Error(`crash-fs: directory ${name} reached twice`);
          const child = out.#newDir(node.mode);
          to.entries.set(name, child);
          to.durable.set(name, child);
          copyDir(node, child, seen);
        } else {
          const content = fileContent(node);
          const child = out.#newFile(node.mode, content);
          to.entries.set(name, child);
          to.durable.set(name, child);
        }
      }
    };
    out.#root.mode = this.#root.mode;
    copyDir(this.#root, out.#root, new Set());
    return out;
  }

  /**
   * The state a new process finds after this one was killed without power loss: the
   * current contents, with what is unsynced still unsynced (a later power loss can
   * still lose it). Faults, the crash point and the counters are not copied.
   */
  processCrash(): CrashFs {
    const out = new CrashFs();
    const map = new Map<number, Node>();
    const clone = (node: Node): Node => {
      const known = map.get(node.id);
      if (known) return known;
      if (node.type === 'file') {
        const copy: FileNode = { type: 'file', id: out.#nextNodeId++, mode: node.mode, durable: node.durable, data: Buffer.from(node.data), pending: [...node.pending] };
        map.set(node.id, copy);
        return copy;
      }
      const copy: DirNode = { type: 'dir', id: out.#nextNodeId++, mode: node.mode, durable: new Map(), entries: new Map(), pending: [] };
      map.set(node.id, copy);
      for (const [n, child] of node.entries) copy.entries.set(n, clone(child));
      for (const [n, child] of node.durable) copy.durable.set(n, clone(child));
      copy.pending = node.pending.map((op) => (op.kind === 'unlink' ? op : { ...op, node: clone(op.node) }));
      return copy;
    };
    const root = clone(this.#root) as DirNode;
    out.#root.entries = root.entries;
    out.#root.durable = root.durable;
    out.#root.pending = root.pending;
    out.#root.mode = root.mode;
    return out;
  }

  // ------------------------------------------------------ inspection (not counted)

  /** Current content of the file at `path`, or `undefined`; not an I/O operation. */
  peekFile(path: string): Buffer | undefined {
    const node = this.#lookup(path);
    return node?.type === 'file' ? Buffer.from(node.data) : undefined;
  }

  /** Durable content of the file at `path` (as of its last sync), or `undefined`; not an I/O operation. */
  peekDurable(path: string): Buffer | undefined {
    const node = this.#lookup(path);
    return node?.type === 'file' ? Buffer.from(node.durable) : undefined;
  }

  /** Current names in the directory at `path`, sorted, or `undefined`; not an I/O operation. */
  peekDir(path: string): string[] | undefined {
    const node = this.#lookup(path);
    return node?.type === 'dir' ? [...node.entries.keys()].sort() : undefined;
  }

  /** Whether anything is unsynced (file data or directory entries); not an I/O operation. */
  hasUnsynced(): boolean {
    const walk = (dir: DirNode): boolean =>
      dir.pending.length > 0 || [...dir.entries.values()].some((n) => (n.type === 'dir' ? walk(n) : n.pending.length > 0));
    return walk(this.#root);
  }

  /**
   * The synchronous file functions the ledger's core uses (`createSyncCore(fs.asCoreFs())`).
   * Node's overloaded signatures (e.g. `readFileSync` returning a string or a Buffer
   * by its options) cannot be matched by one implementation, hence the one cast.
   */
  asCoreFs(): CoreFs {
    const fs = {
      openSync: (path: string, flags: string | number, mode?: number) => this.openSync(path, flags, mode),
      writeSync: (fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null) =>
        this.writeSync(fd, buffer, offset, length, position),
      fdatasyncSync: (fd: number) => this.fdatasyncSync(fd),
      fsyncSync: (fd: number) => this.fsyncSync(fd),
      closeSync: (fd: number) => this.closeSync(fd),
      readFileSync: (path: string, options?: BufferEncoding | { encoding?: BufferEncoding | null } | null) => this.readFileSync(path, options),
      readdirSync: (path: string) => this.readdirSync(path),
      renameSync: (from: string, to: string) => this.renameSync(from, to),
      unlinkSync: (path: string) => this.unlinkSync(path),
      mkdirSync: (path: string, options?: { mode?: number } | number) => this.mkdirSync(path, options),
      chmodSync: (path: string, mode: number) => this.chmodSync(path, mode),
      ftruncateSync: (fd: number, length?: number) => this.ftruncateSync(fd, length),
      copyFileSync: (from: string, to: string, mode?: number) => this.copyFileSync(from, to, mode),
      constants,
      join: posix.join,
      dirname: posix.dirname,
      basename: posix.basename,
      pid: this.pid,
    };
    return fs as unknown as CoreFs;
  }

  // ----------------------------------------------------------- fs functions

  openSync(path: string, flags: string | number, mode = 0o666): number {
    const f = CrashFs.#parseFlags(flags);
    const abs = posix.resolve('/', path);
    const existing = this.#lookup(abs);
    this.#op(f.create && !existing ? 'create' : 'open', { path: abs });
    if (existing) {
      if (f.create && f.exclusive) throw fsError('EEXIST', 'open', abs);
      if (existing.type === 'dir' && f.writable) throw fsError('EISDIR', 'open', abs);
      if (f.truncate && existing.type === 'file') this.#fileWrite(existing, { kind: 'truncate', length: 0 });
      return this.#newFd(existing, abs, f);
    }
    if (!f.create) throw fsError('ENOENT', 'open', abs);
    const parent = this.#parentDir(abs, 'open');
    const node = this.#newFile(mode & 0o777, Buffer.alloc(0), true);
    this.#dirChange(parent, { kind: 'link', name: posix.basename(abs), node });
    return this.#newFd(node, abs, f);
  }

  writeSync(fd: number, buffer: Uint8Array, offset = 0, length?: number, position?: number | null): number {
    const file = this.#fds.get(fd);
    this.#op('write', { fd, ...(file ? { path: file.path } : {}) });
    if (!file || !file.writable || file.node.type !== 'file') throw fsError('EBADF', 'write');
    const node = file.node;
    let count = length ?? buffer.byteLength - offset;
    if (this.#diskFull !== undefined) throw this.#fail('write', this.#diskFull, fd, file.path);
    if (this.#shortWrite && ++this.#shortWrite.seen === this.#shortWrite.nth) {
      count = Math.floor(count / 2);
      this.#diskFull = this.#shortWrite.code;
    }
    const at = file.append ? node.data.length : typeof position === 'number' ? position : file.position;
    const bytes = Buffer.from(buffer.buffer, buffer.byteOffset + offset, count);
    this.#fileWrite(node, { kind: 'write', at, bytes: Buffer.from(bytes) });
    if (!(typeof position === 'number') || file.append) file.position = at + count;
    return count;
  }

  fdatasyncSync(fd: number): void {
    this.#sync(fd, 'fdatasync');
  }

  fsyncSync(fd: number): void {
    this.#sync(fd, 'fsync');
  }

  closeSync(fd: number): void {
    const file = this.#fds.get(fd);
    this.#op('close', { fd, ...(file ? { path: file.path } : {}) });
    if (!file) throw fsError('EBADF', 'close');
    this.#fds.delete(fd);
  }

  readFileSync(path: string, options?: BufferEncoding | { encoding?: BufferEncoding | null } | null): Buffer | string {
    const abs = posix.resolve('/', path);
    this.#op('read', { path: abs });
    const node = this.#lookup(abs);
    if (!node) throw fsError('ENOENT', 'open', abs);
    if (node.type === 'dir') throw fsError('EISDIR', 'read', abs);
    const encoding = typeof options === 'string' ? options : options?.encoding ?? undefined;
    return encoding ? node.data.toString(encoding) : Buffer.from(node.data);
  }

  readdirSync(path: string): string[] {
    const abs = posix.resolve('/', path);
    this.#op('readdir', { path: abs });
    const node = this.#lookup(abs);
    if (!node) throw fsError('ENOENT', 'scandir', abs);
    if (node.type !== 'dir') throw fsError('ENOTDIR', 'scandir', abs);
    return [...node.entries.keys()].sort();
  }

  renameSync(from: string, to: string): void {
    const a = posix.resolve('/', from);
    const b = posix.resolve('/', to);
    this.#op('rename', { path: a });
    const node = this.#lookup(a);
    if (!node) throw fsError('ENOENT', 'rename', a);
    const target = this.#lookup(b);
    if (target?.type === 'dir') throw fsError('EISDIR', 'rename', b);
    if (target === node) return;
    const fromDir = this.#parentDir(a, 'rename');
    const toDir = this.#parentDir(b, 'rename');
    if (fromDir === toDir) {
      this.#dirChange(fromDir, { kind: 'rename', from: posix.basename(a), to: posix.basename(b), node });
    } else {
      // Across directories the two entries change independently: each directory's
      // own fsync makes its half durable.
      this.#dirChange(toDir, { kind: 'link', name: posix.basename(b), node });
      this.#dirChange(fromDir, { kind: 'unlink', name: posix.basename(a) });
    }
  }

  unlinkSync(path: string): void {
    const abs = posix.resolve('/', path);
    this.#op('unlink', { path: abs });
    const node = this.#lookup(abs);
    if (!node) throw fsError('ENOENT', 'unlink', abs);
    if (node.type === 'dir') throw fsError('EISDIR', 'unlink', abs);
    this.#dirChange(this.#parentDir(abs, 'unlink'), { kind: 'unlink', name: posix.basename(abs) });
  }

  mkdirSync(path: string, options?: { mode?: number } | number): undefined {
    const abs = posix.resolve('/', path);
    this.#op('mkdir', { path: abs });
    if (this.#lookup(abs)) throw fsError('EEXIST', 'mkdir', abs);
    const parent = this.#parentDir(abs, 'mkdir');
    const mode = typeof options === 'number' ? options : options?.mode ?? 0o777;
    this.#dirChange(parent, { kind: 'link', name: posix.basename(abs), node: this.#newDir(mode & 0o777) });
    return undefined;
  }

  chmodSync(path: string, mode: number): void {
    const abs = posix.resolve('/', path);
    this.#op('chmod', { path: abs });
    const node = this.#lookup(abs);
    if (!node) throw fsError('ENOENT', 'chmod', abs);
    // Permission bits are not part of the crash model.
    node.mode = mode & 0o777;
  }

  ftruncateSync(fd: number, length = 0): void {
    const file = this.#fds.get(fd);
    this.#op('truncate', { fd, ...(file ? { path: file.path } : {}) });
    if (!file || file.node.type !== 'file') throw fsError('EBADF', 'ftruncate');
    if (!file.writable) throw fsError('EINVAL', 'ftruncate', file.path);
    this.#fileWrite(file.node, { kind: 'truncate', length });
  }

  copyFileSync(from: string, to: string, mode = 0): void {
    const a = posix.resolve('/', from);
    const b = posix.resolve('/', to);
    this.#op('copy', { path: b });
    const source = this.#lookup(a);
    if (!source) throw fsError('ENOENT', 'copyfile', a);
    if (source.type === 'dir') throw fsError('EISDIR', 'copyfile', a);
    const target = this.#lookup(b);
    if (target && (mode & constants.COPYFILE_EXCL) !== 0) throw fsError('EEXIST', 'copyfile', b);
    if (target?.type === 'dir') throw fsError('EISDIR', 'copyfile', b);
    if (target?.type === 'file') {
      this.#fileWrite(target, { kind: 'truncate', length: 0 });
      this.#fileWrite(target, { kind: 'write', at: 0, bytes: Buffer.from(source.data) });
      return;
    }
    // The copy's data is unsynced like any other write, and its name like any other create.
    const node = this.#newFile(source.mode, Buffer.alloc(0), true);
    this.#fileWrite(node, { kind: 'write', at: 0, bytes: Buffer.from(source.data) });
    this.#dirChange(this.#parentDir(b, 'copyfile'), { kind: 'link', name: posix.basename(b), node });
  }

  // --------------------------------------------------------------- internals

  #op(kind: OpKind, target: { fd?: number; path?: string }): void {
    if (this.#crashed) throw this.#crashed;
    const index = ++this.#opCount;
    const record: OpRecord = { index, kind, ...target };
    this.#log.push(record);
    if (this.#crashAt === index) {
      this.#crashed = new CrashError(index, kind);
      throw this.#crashed;
    }
    for (const fault of this.#faults) {
      if (fault.kinds && !fault.kinds.has(kind)) continue;
      fault.seen++;
      if (fault.seen === fault.nth || (fault.persistent && fault.fired)) {
        fault.fired = true;
        throw this.#fail(kind, fault.code, target.fd, target.path);
      }
    }
  }

  #fail(kind: OpKind, code: string, fd: number | undefined, path: string | undefined): Error {
    const failure: InjectedFailure = {
      index: this.#opCount,
      kind,
      code,
      ...(fd === undefined ? {} : { fd }),
      ...(path === undefined ? {} : { path }),
    };
    this.#failures.push(failure);
    return fsError(code, kind, path);
  }

  #sync(fd: number, call: 'fsync' | 'fdatasync'): void {
    const file = this.#fds.get(fd);
    this.#op(file?.node.type === 'dir' ? 'dirFsync' : call, { fd, ...(file ? { path: file.path } : {}) });
    if (!file) throw fsError('EBADF', call);
    const node = file.node;
    if (node.type === 'file') {
      // fdatasync also writes the size when it changed (it is needed to read the
      // data back), so both calls make the whole current content durable.
      node.durable = Buffer.from(node.data);
      node.pending = [];
    } else {
      node.durable = new Map(node.entries);
      node.pending = [];
    }
  }

  #newFd(node: Node, path: string, f: { readable: boolean; writable: boolean; append: boolean }): number {
    const fd = this.#nextFd++;
    this.#fds.set(fd, { node, path, readable: f.readable, writable: f.writable, append: f.append, position: 0 });
    return fd;
  }

  #newFile(mode: number, content: Buffer, unsynced = false): FileNode {
    return { type: 'file', id: this.#nextNodeId++, mode, durable: unsynced ? Buffer.alloc(0) : Buffer.from(content), data: Buffer.from(content), pending: [] };
  }

  #newDir(mode: number): DirNode {
    return { type: 'dir', id: this.#nextNodeId++, mode, durable: new Map(), entries: new Map(), pending: [] };
  }

  #fileWrite(node: FileNode, op: FileOp): void {
    node.data = applyFileOps(node.data, [op]);
    node.pending.push(op);
  }

  #dirChange(dir: DirNode, op: DirOp): void {
    if (op.kind === 'link') dir.entries.set(op.name, op.node);
    else if (op.kind === 'unlink') dir.entries.delete(op.name);
    else {
      dir.entries.delete(op.from);
      dir.entries.set(op.to, op.node);
    }
    dir.pending.push(op);
  }

  #lookup(path: string): Node | undefined {
    const parts = posix.resolve('/', path).split('/').filter((p) => p.length > 0);
    let node: Node = this.#root;
    for (const part of parts) {
      if (node.type !== 'dir') return undefined;
      const next: Node | undefined = node.entries.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  #parentDir(abs: string, syscall: string): DirNode {
    const parent = this.#lookup(posix.dirname(abs));
    if (!parent) throw fsError('ENOENT', syscall, abs);
    if (parent.type !== 'dir') throw fsError('ENOTDIR', syscall, abs);
    return parent;
  }

  static #parseFlags(flags: string | number): { readable: boolean; writable: boolean; append: boolean; create: boolean; exclusive: boolean; truncate: boolean } {
    if (typeof flags === 'number') {
      const access = flags & 3;
      return {
        readable: access === constants.O_RDONLY || access === constants.O_RDWR,
        writable: access === constants.O_WRONLY || access === constants.O_RDWR,
        append: (flags & constants.O_APPEND) !== 0,
        create: (flags & constants.O_CREAT) !== 0,
        exclusive: (flags & constants.O_EXCL) !== 0,
        truncate: (flags & constants.O_TRUNC) !== 0,
      };
    }
    const table: Record<string, [boolean, boolean, boolean, boolean, boolean, boolean]> = {
      // readable, writable, append, create, exclusive, truncate
      r: [true, false, false, false, false, false],
      'r+': [true, true, false, false, false, false],
      w: [false, true, false, true, false, true],
      wx: [false, true, false, true, true, true],
      'w+': [true, true, false, true, false, true],
      a: [false, true, true, true, false, false],
      ax: [false, true, true, true, true, false],
      'a+': [true, true, true, true, false, false],
    };
    const row = table[flags];
    if (!row) throw new RangeError(`crash-fs: unsupported open flags '${flags}'`);
    const [readable, writable, append, create, exclusive, truncate] = row;
    return { readable, writable, append, create, exclusive, truncate };
  }

  /** The content a file may have after power loss, by `variant`. */
  static #damage(node: FileNode, variant: PowerLossVariant, random: RandomSource): Buffer {
    const ops = node.pending;
    if (ops.length === 0 || variant === 'dropUnsynced' || variant === 'undoDirOps') return Buffer.from(node.durable);
    if (variant === 'keepPrefix') return applyFileOps(node.durable, ops.slice(0, randomInt(random, 0, ops.length)));
    let whole: number;
    let partialOp: WriteOp | undefined;
    let remaining: number;
    if (variant === 'tearAtByte') {
      // Every unsynced change but the last write, which is cut strictly inside when
      // it has more than one byte.
      const last = ops.findLastIndex((op) => op.kind === 'write');
      const lastWrite = ops[last] as WriteOp | undefined;
      whole = last === -1 ? ops.length : last;
      partialOp = lastWrite;
      remaining = lastWrite === undefined ? 0 : lastWrite.bytes.length > 1 ? randomInt(random, 1, lastWrite.bytes.length - 1) : 0;
    } else {
      // sizeBeforeData: a random byte prefix of the unsynced writes (in the order they
      // were made; truncations are points on that line), possibly none of it.
      const total = ops.reduce((n, op) => n + (op.kind === 'write' ? op.bytes.length : 0), 0);
      remaining = randomInt(random, 0, total);
      whole = 0;
      for (const op of ops) {
        if (op.kind === 'write' && (remaining < op.bytes.length || remaining === 0)) {
          partialOp = op;
          break;
        }
        if (op.kind === 'write') remaining -= op.bytes.length;
        whole++;
      }
    }
    const kept = applyFileOps(node.durable, ops.slice(0, whole), remaining, partialOp);
    if (variant === 'tearAtByte' || kept.length >= node.data.length) return kept;
    // sizeBeforeData: the file reached its page-cache size, but only part of the data did.
    const fill = Buffer.alloc(node.data.length - kept.length);
    if (random.next() < 0.5) random.fill(fill);
    return Buffer.concat([kept, fill]);
  }
}
