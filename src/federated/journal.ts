/**
 * The journal of the open round: one append-only file of length-prefixed envelopes. Appends go to
 * the page cache at once (so a process killed with kill -9 loses nothing written); an upload is
 * acknowledged only after an fsync covering its record, and one fsync covers every append made
 * while the previous one ran (group commit), so the disk cost does not grow with concurrent clients.
 * A record cut short by a crash (power loss mid-append) is ignored on reading: its client was never
 * acknowledged and sends it again.
 */
import { closeSync, existsSync, fsync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';

export class Journal {
  private fd: number | null;
  private appended = 0;
  private synced = 0;
  private syncing: Promise<void> | null = null;

  /**
   * Opens (creating) `path` for appending. A torn record at its end (a crash mid-append) is cut
   * off first, so new records do not follow half a record.
   */
  constructor(readonly path: string) {
    if (existsSync(path)) {
      const valid = Journal.scan(new Uint8Array(readFileSync(path))).validBytes;
      if (valid < statSync(path).size) truncateSync(path, valid);
    }
    this.fd = openSync(path, 'a', 0o600);
  }

  /** Appends one record (synchronously, to the page cache). */
  append(bytes: Uint8Array): void {
    if (this.fd === null) return;
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    writeSync(this.fd, Buffer.concat([length, bytes]));
    this.appended++;
  }

  /** Resolves once every record appended so far is on disk. */
  async flushed(): Promise<void> {
    const want = this.appended;
    while (this.synced < want && this.fd !== null) {
      if (this.syncing === null) {
        const upTo = this.appended;
        const fd = this.fd;
        this.syncing = new Promise<void>((resolve) => fsync(fd, () => resolve())).then(() => {
          this.synced = Math.max(this.synced, upTo);
          this.syncing = null;
        });
      }
      await this.syncing;
    }
  }

  /** Closes the file (pending flushes resolve). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  /** The complete records of a journal file (none when it does not exist). */
  static read(path: string): Uint8Array[] {
    return existsSync(path) ? Journal.scan(new Uint8Array(readFileSync(path))).records : [];
  }

  private static scan(bytes: Uint8Array): { records: Uint8Array[]; validBytes: number } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const records: Uint8Array[] = [];
    let at = 0;
    while (at + 4 <= bytes.length) {
      const n = view.getUint32(at, true);
      if (at + 4 + n > bytes.length) break;
      records.push(bytes.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    return { records, validBytes: at };
  }
}
