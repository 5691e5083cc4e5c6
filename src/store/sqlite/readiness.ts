// /readyz's question (contract §3.6): does the database answer, and is it the
// one this process opened?
//
// A SQLite connection keeps working on the file it opened even after that file
// is deleted or another is renamed over its path: reads go on answering from
// the orphaned file, while every other process — and this one after a restart
// — uses the new one (or none). So the path is compared, by device and inode,
// with what was opened. An in-memory database has no path and is ready while
// its connection is open.
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { guardStore } from './busy-timeout.js';
import { StoreUnavailableError } from '../store-errors.js';

interface OpenedFile {
  path: string;
  dev: bigint;
  ino: bigint;
}

const openedFiles = new WeakMap<Database.Database, OpenedFile>();

// Only a restart on the new file (or the old one put back) helps; probes may wait a while.
const GONE_RETRY_AFTER_SECONDS = 5;

/** Remembers which file `sqlite` opened at `path`. */
export function rememberOpenedFile(sqlite: Database.Database, path: string): void {
  const { dev, ino } = statSync(path, { bigint: true });
  openedFiles.set(sqlite, { path, dev, ino });
}

function currentFile(path: string) {
  try {
    return statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined; // a parent directory gone, replaced by a file, or unreadable
  }
}

/** Returns when ready; throws StoreUnavailableError saying why not. */
export function checkReady(sqlite: Database.Database): void {
  const opened = openedFiles.get(sqlite);
  if (opened) {
    const now = currentFile(opened.path);
    if (!now) throw new StoreUnavailableError('database file deleted', GONE_RETRY_AFTER_SECONDS);
    if (now.dev !== opened.dev || now.ino !== opened.ino) {
      throw new StoreUnavailableError('database file replaced', GONE_RETRY_AFTER_SECONDS);
    }
  }
  // Taking the write lock (and letting go, writing nothing) is what every
  // write needs: a lock another connection keeps holding makes the service
  // unable to serve writes, and not ready. Reads alone would not notice it.
  guardStore(sqlite, () => {
    sqlite.prepare('BEGIN IMMEDIATE').run();
    sqlite.prepare('ROLLBACK').run();
  });
}
