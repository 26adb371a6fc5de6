import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, LimitError } from '../../src/errors.js';
import { NpyRowReader, inputPathError, readInputFile, readInputText, readNpyFile, readNpzFile, readSafetensorsFile, writeNpyFile } from '../../src/io/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

let dir: string;
let fifo: string;
let socketPath: string;
let server: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-input-'));
  fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  socketPath = join(dir, 'sock');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const re = (path: string, rest: string): RegExp => new RegExp(`^${escapeRegExp(path)}: ${rest}$`);

describe('readInputFile (the checked open)', () => {
  it('reads a regular file whole', () => {
    const path = join(dir, 'ok.bin');
    writeFileSync(path, Uint8Array.of(1, 2, 3));
    expect(Array.from(readInputFile(path))).toEqual([1, 2, 3]);
    writeFileSync(path, '\ufeffa: 1\n');
    expect(readInputText(path)).toBe('a: 1\n');
  });

  it('refuses /dev/zero up front, naming the path and the option (it would grow forever)', () => {
    const err = expectError(() => readInputFile('/dev/zero', { option: '--model', what: 'model' }), InvalidOptionError, /^\/dev\/zero: model \(--model\) must be a regular file, got a character device$/);
    expect(err.option).toBe('--model');
  });

  it('refuses a FIFO without blocking', () => {
    expectError(() => readInputFile(fifo, { option: '--data' }), InvalidOptionError, re(fifo, 'input file \\(--data\\) must be a regular file, got a FIFO \\(named pipe\\)'));
  });

  it('refuses a socket and a directory', () => {
    expectError(() => readInputFile(socketPath), InvalidOptionError, re(socketPath, 'input file must be a regular file, got a socket'));
    expectError(() => readInputFile(dir, { option: '--labels' }), InvalidOptionError, re(dir, 'input file \\(--labels\\) must be a regular file, got a directory'));
  });

  it('maps ENOENT and ENOTDIR to one line naming the path', () => {
    const missing = join(dir, 'missing.npy');
    expectError(() => readInputFile(missing, { option: '--background' }), InvalidOptionError, re(missing, 'input file \\(--background\\) must exist, got ENOENT \\(no such file or directory\\)'));
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'x');
    const below = join(plain, 'x.npy');
    expectError(() => readInputFile(below), InvalidOptionError, re(below, 'input file must exist, got ENOTDIR \\(a part of the path is a file\\)'));
  });

  // A real EACCES cannot be provoked where the tests run as root (CI does); readInputFile sends every
  // system error through inputPathError (the ENOENT/ENOTDIR case above), so the mapping is tested here.
  it('maps a system EACCES to one line naming the path and the option', () => {
    const sys = Object.assign(new Error("EACCES: permission denied, open 'x.npy'"), { code: 'EACCES', errno: -13, syscall: 'open' });
    const mapped = inputPathError('x.npy', sys, 'input file (--labels)', '--labels');
    expect(mapped).toBeInstanceOf(InvalidOptionError);
    expect((mapped as Error).message).toBe('x.npy: input file (--labels) must be readable, got EACCES (permission denied)');
    const bug = new TypeError('bug');
    expect(inputPathError('x.npy', bug, 'input file')).toBe(bug);
  });

  it('refuses a file over the size limit before reading it', () => {
    const path = join(dir, 'big.bin');
    writeFileSync(path, new Uint8Array(100));
    const err = expectError(() => readInputFile(path, { limits: { maxFileBytes: 99 } }), LimitError, re(path, 'input file size must be at most 99 bytes \\(raise limits.max_file_bytes\\), got 100 bytes'));
    expect([err.limit, err.allowed, err.requested]).toEqual(['maxFileBytes', 99, 100]);
  });
});

describe('every path-taking reader goes through the checked open', () => {
  it('readNpyFile, readNpzFile, readSafetensorsFile refuse devices, FIFOs and directories', () => {
    expectError(() => readNpyFile('/dev/zero'), InvalidOptionError, /^\/dev\/zero: input file must be a regular file, got a character device$/);
    expectError(() => readNpzFile(fifo, { option: '--reference' }), InvalidOptionError, re(fifo, 'input file \\(--reference\\) must be a regular file, got a FIFO \\(named pipe\\)'));
    expectError(() => readSafetensorsFile(dir, { option: '--model' }), InvalidOptionError, re(dir, 'input file \\(--model\\) must be a regular file, got a directory'));
  });

  it('NpyRowReader refuses a FIFO without blocking and still streams a regular file', () => {
    expectError(() => new NpyRowReader(fifo, { option: '--data' }), InvalidOptionError, re(fifo, 'input file \\(--data\\) must be a regular file, got a FIFO \\(named pipe\\)'));
    const path = join(dir, 'rows.npy');
    writeNpyFile(path, { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] });
    const reader = new NpyRowReader(path, { limits: { maxFileBytes: 1 } });
    expect(Array.from(reader.readRows(1, 1))).toEqual([3, 4]);
    reader.close();
  });

  it('readNpyFile refuses an array over maxTensorBytes after checking the file length', () => {
    const path = join(dir, 'wide.npy');
    writeNpyFile(path, { data: new Float64Array(16), shape: [4, 4] });
    expectError(() => readNpyFile(path, { limits: { maxTensorBytes: 63 } }), LimitError, re(path, 'array <f8 \\[4,4\\] must be at most 63 bytes \\(raise limits.max_tensor_bytes\\), got 64 bytes'));
    expect(readNpyFile(path, { limits: { maxTensorBytes: 64 } }).shape).toEqual([4, 4]);
  });

  it('an unreadable folder in the path is named too', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expectError(() => readNpyFile(join(sub, 'nope.npy')), InvalidOptionError, /must exist, got ENOENT/);
  });
});
