import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import { createAuditLog, readAuditLogId, verifyAuditChain } from './audit-log';
import { canonicalJson } from './canonical-json';

const dirs: string[] = [];
const fixed = () => new Date('2026-01-01T00:00:00.000Z');

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function freshLog(): { db: Database.Database; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-audit-edges-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  migratePlatformTables(db);
  return { db, dir };
}

/**
 * The database as the log sees it, with `beforeInsert` run just before each
 * insert of an entry: where another process (the admin CLI) may append first.
 */
function withRace(db: Database.Database, beforeInsert: (attempt: number) => void): Database.Database {
  let attempt = 0;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!sql.includes('INSERT INTO audit_log')) return statement;
          return {
            run: (params: unknown) => {
              attempt += 1;
              beforeInsert(attempt);
              return statement.run(params);
            }
          };
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    }
  });
}

describe('appending while another process appends', () => {
  it('retries on the new tail when another process took the seq, so the chain does not fork', () => {
    const { db, dir } = freshLog();
    const other = new Database(path.join(dir, 'outpost.sqlite'));
    const cli = createAuditLog(other, fixed);
    const attempts: number[] = [];
    const audit = createAuditLog(
      withRace(db, (attempt) => {
        attempts.push(attempt);
        if (attempt <= 2) cli.record({ action: 'user.create', outcome: 'success', target: `cli-${attempt}` });
      }),
      fixed
    );
    audit.record({ action: 'logout', outcome: 'success', target: 'server' });
    other.close();
    expect(attempts).toEqual([1, 2, 3]);
    expect(db.prepare('SELECT seq, target FROM audit_log ORDER BY seq').all()).toEqual([
      { seq: 1, target: 'cli-1' },
      { seq: 2, target: 'cli-2' },
      { seq: 3, target: 'server' }
    ]);
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 3 });
    db.close();
  });

  it('gives up after the fifth attempt and throws the conflict', () => {
    const { db, dir } = freshLog();
    const other = new Database(path.join(dir, 'outpost.sqlite'));
    const cli = createAuditLog(other, fixed);
    const attempts: number[] = [];
    const audit = createAuditLog(
      withRace(db, (attempt) => {
        attempts.push(attempt);
        cli.record({ action: 'user.create', outcome: 'success', target: `cli-${attempt}` });
      }),
      fixed
    );
    let thrown: unknown;
    try {
      audit.record({ action: 'logout', outcome: 'success', target: 'server' });
    } catch (err) {
      thrown = err;
    }
    other.close();
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect((thrown as { code?: unknown }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE target = 'server'").get()).toEqual({ n: 0 });
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 5 });
    db.close();
  });

  it('any other failure is thrown at once, without a retry', () => {
    const { db } = freshLog();
    const failures: unknown[] = [
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      new Error('no code'),
      'a string',
      null,
      undefined
    ];
    for (const failure of failures) {
      const attempts: number[] = [];
      const audit = createAuditLog(
        withRace(db, (attempt) => {
          attempts.push(attempt);
          throw failure;
        }),
        fixed
      );
      let thrown: unknown = 'nothing thrown';
      try {
        audit.record({ action: 'logout', outcome: 'success' });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBe(failure);
      expect(attempts).toEqual([1]);
    }
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 0 });
    db.close();
  });
});

describe('readAuditLogId', () => {
  it('says how to give a database its log id when it has none', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    expect(() => readAuditLogId(db)).toThrow(
      new Error(
        'This database has no audit log id yet: start the server on it once (it migrates the database and writes the first checkpoint)'
      )
    );
    db.close();
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [{ z: 1, y: undefined, x: 2 }] } })).toBe('{"a":{"c":[{"x":2,"z":1}]},"b":1}');
    expect(canonicalJson({ when: new Date('2026-01-01T00:00:00.000Z') })).toBe('{"when":"2026-01-01T00:00:00.000Z"}');
  });
});
