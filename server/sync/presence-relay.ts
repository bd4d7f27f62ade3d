import { parseDocName } from '../../src/lib/domain/doc-names';
import type { DocRegistry } from './doc-registry';
import type { FanOut } from './fan-out';
import type { LiveDoc, Peer } from './live-doc';
import { MalformedMessageError, readAwarenessEntries } from './protocol';

/** Another server process, as the owner of the presence entries its editors introduced. */
class RemoteNode implements Peer {
  readonly remote = true as const;
  constructor(readonly id: string) {}
  send(): void {
    // Nothing is sent to another process through a document: it hears the channel.
  }
}

/**
 * Presence (Yjs awareness) across server processes, through the fan-out's
 * presence channel, as the document updates are: what this process's
 * editors change on a document is published; what another process
 * publishes is applied to the document here, if it is held, and relayed to
 * the editors here. An update from another process is checked like a
 * client's (format, at most 8 states of at most 4,096 characters) and owned
 * by that process: it cannot set or clear an entry an editor here or a
 * third process introduced. When a process stops (it says so, or its
 * heartbeat stops: fan-out.ts), its editors' presence is removed here.
 */
export class PresenceRelay {
  private readonly nodes = new Map<string, RemoteNode>();
  /** Updates from other processes dropped (malformed, or touching entries they do not own); for tests and diagnostics. */
  refused = 0;

  constructor(
    private readonly fanOut: FanOut,
    private readonly registry: DocRegistry
  ) {}

  /** A document was loaded here: its editors' changes go out, and the others are asked who is present on it. */
  opened(live: LiveDoc): void {
    live.onLocalPresence = (update) => this.fanOut.publishPresence(live.name, update);
    this.fanOut.queryPresence(live.name);
  }

  /** Messages may have been missed: asks again for every document held. */
  resync(): void {
    for (const name of this.registry.names()) this.fanOut.queryPresence(name);
  }

  received(node: string, name: string, update: Uint8Array): void {
    if (!parseDocName(name)) return void this.refused++;
    const live = this.registry.get(name);
    if (!live) return; // not held here: asked for when opened
    let entries: ReturnType<typeof readAwarenessEntries>;
    try {
      entries = readAwarenessEntries(update);
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err;
      this.refused++;
      return;
    }
    let peer = this.nodes.get(node);
    if (!peer) {
      peer = new RemoteNode(node);
      this.nodes.set(node, peer);
    }
    if (!live.applyPresence(entries.update, entries.entries, peer)) this.refused++;
  }

  /** Another process opened a document: the presence of this process's editors on it, if it is held here. */
  queried(name: string): void {
    const live = this.registry.get(name);
    const update = live?.encodeLocalPresence();
    if (live && update) this.fanOut.publishPresence(live.name, update);
  }

  /** Another process stopped: its editors leave every document here. */
  gone(node: string): void {
    const peer = this.nodes.get(node);
    if (!peer) return;
    this.nodes.delete(node);
    for (const name of this.registry.names()) this.registry.get(name)?.dropPresence(peer);
  }
}
