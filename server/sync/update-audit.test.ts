import { describe, expect, it } from 'vitest';
import { UpdateAuditLog } from './update-audit';
import { RecordingAudit } from './sync-test-server';

const source = { docName: 'chart:x', userId: 'u1', via: 'websocket' as const };

describe('UpdateAuditLog', () => {
  it('folds one connection’s keystrokes into one entry pointing at the stored rows', () => {
    const audit = new RecordingAudit();
    const log = new UpdateAuditLog(audit, 60_000);
    const conn = {};
    log.note(conn, source, 10, 7);
    log.note(conn, source, 12, 9);
    log.note(conn, source, 11, 12);
    expect(audit.events).toEqual([]);
    log.flush(conn);
    expect(audit.events).toEqual([
      {
        action: 'doc.update',
        outcome: 'success',
        userId: 'u1',
        target: 'chart:x',
        ip: null,
        detail: { via: 'websocket', updates: 3, bytes: 33, firstSeq: 7, lastSeq: 12 }
      }
    ]);
  });

  it('writes the fold when the window ends, and one entry per update with a zero window', async () => {
    const audit = new RecordingAudit();
    const log = new UpdateAuditLog(audit, 20);
    log.note({}, source, 1, 1);
    log.note({}, source, 1, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(audit.events).toHaveLength(2);

    const each = new RecordingAudit();
    const unfolded = new UpdateAuditLog(each, 0);
    const conn = {};
    unfolded.note(conn, source, 1, 1);
    unfolded.note(conn, source, 1, 2);
    expect(each.events.map((e) => e.detail?.lastSeq)).toEqual([1, 2]);
  });
});
