import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepStaleTempFiles, tempPathFor, writeFileAtomic } from '../../src/io/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-temp-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has already exited (its pid is free unless the system reuses it at once). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { timeout: 60_000 });
  return Number(child.stdout.toString());
}

describe('tempPathFor', () => {
  it('names the target, this host and this process, next to the target', () => {
    const temp = tempPathFor(join(dir, 'model.safetensors'));
    expect(temp.startsWith(dir)).toBe(true);
    expect(basename(temp)).toMatch(new RegExp(`^\\.model\\.safetensors\\.dadm-[0-9a-f]{8}-${process.pid}-\\d+\\.tmp$`));
    expect(tempPathFor(join(dir, 'model.safetensors'))).not.toBe(temp);
  });

  it('sweeps the folder before its first temporary file, so the next write removes what a killed writer left', () => {
    const host = /\.dadm-([0-9a-f]{8})-/.exec(basename(tempPathFor(join(tmpdir(), 'probe'))))![1]!;
    const stale = `.scores.npy.dadm-${host}-${deadPid()}-1.tmp`;
    writeFileSync(join(dir, stale), 'partial');
    writeFileAtomic(join(dir, 'scores.npy'), Uint8Array.of(1, 2));
    expect(readdirSync(dir)).toEqual(['scores.npy']);
  });
});

describe('sweepStaleTempFiles', () => {
  it('removes temp files and folders of dead processes on this host, and nothing else', () => {
    const mine = basename(tempPathFor(join(dir, 'a.npy')));
    const host = /\.dadm-([0-9a-f]{8})-/.exec(mine)![1]!;
    const dead = deadPid();
    const staleFile = `.metrics.json.dadm-${host}-${dead}-3.tmp`;
    const staleDir = `.out.dadm-${host}-${dead}-4.tmp`;
    const live = `.b.npy.dadm-${host}-${process.ppid}-1.tmp`;
    const otherHost = `.c.npy.dadm-${host === '00000000' ? '11111111' : '00000000'}-${dead}-1.tmp`;
    const oldStyle = `.d.npy.${dead}.1.tmp`;
    for (const name of [mine, staleFile, live, otherHost, oldStyle, 'model.safetensors']) writeFileSync(join(dir, name), 'x');
    mkdirSync(join(dir, staleDir));
    writeFileSync(join(dir, staleDir, 'model.safetensors'), 'x');
    const removed = sweepStaleTempFiles(dir);
    expect(removed.sort()).toEqual([join(dir, staleDir), join(dir, staleFile)].sort());
    expect(readdirSync(dir).sort()).toEqual([mine, live, otherHost, oldStyle, 'model.safetensors'].sort());
  });

  it('never fails on a folder it cannot read', () => {
    expect(sweepStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  it('finds nothing to sweep after a successful atomic write', () => {
    writeFileAtomic(join(dir, 'x.bin'), Uint8Array.of(1));
    expect(sweepStaleTempFiles(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['x.bin']);
  });
});
