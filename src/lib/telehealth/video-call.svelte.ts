import {
  ConnectionQuality,
  ConnectionState,
  Room,
  RoomEvent,
  Track,
  VideoPresets,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication
} from 'livekit-client';
import { roleOfIdentity, type ParticipantRole } from '../domain/telehealth/participants';
import { callEndFor, CHAT_TOPIC, decodeChat, encodeChat, isPoor, shouldDropVideo, type CallEnd, type CallQuality } from './call-policy';
import { mediaProblemText, type Text } from '../i18n/patient-texts';
import { m } from '../paraglide/messages';
import { mediaProblemOf } from './media-errors';

/**
 * The one place the app talks to LiveKit. Components read this class's
 * state and call its intent methods; they never touch livekit-client.
 * It keeps the connection state (connecting, connected, reconnecting,
 * ended with a reason), each participant's connection quality, audio-only
 * mode (chosen, or switched on when the link stays poor), chat over the
 * data channel, screen sharing and a one-tap rejoin with the same join
 * credentials while they are still valid.
 */

export type CallPhase =
  | { status: 'idle' }
  | { status: 'connecting' }
  | { status: 'connected' }
  | { status: 'reconnecting' }
  | { status: 'disconnected'; end: CallEnd };

export interface CallParticipant {
  identity: string;
  role: ParticipantRole | null;
  label: string;
  isLocal: boolean;
  quality: CallQuality;
  cameraTrack: string | null;
  screenTrack: string | null;
  microphoneOn: boolean;
}

export interface ChatLine {
  id: number;
  from: string;
  mine: boolean;
  text: string;
  sentAt: number;
}

export interface CallCredentials {
  serverUrl: string;
  token: string;
  /** ISO time after which the token can no longer be used to connect. */
  expiresAt: string;
}

export interface VideoCallOptions {
  /** The viewer's role: it decides what they may publish (only a clinician shares a screen). */
  role: ParticipantRole;
  /** Tests pass a Room they drive with LiveKit's own events. */
  room?: Room;
  /** Where remote sound is played; the document body by default. */
  audioSink?: () => HTMLElement | null;
}

const QUALITY: Record<ConnectionQuality, CallQuality> = {
  [ConnectionQuality.Excellent]: 'excellent',
  [ConnectionQuality.Good]: 'good',
  [ConnectionQuality.Poor]: 'poor',
  [ConnectionQuality.Lost]: 'lost',
  [ConnectionQuality.Unknown]: 'unknown'
};

const ROLE_LABEL: Record<ParticipantRole, string> = { clinician: 'Clinician', patient: 'Patient', guest: 'Guest' };

/** A room tuned for rural links: only the layers someone watches are sent and received. */
export function createRoom(): Room {
  return new Room({
    adaptiveStream: true,
    dynacast: true,
    publishDefaults: { simulcast: true },
    videoCaptureDefaults: { resolution: VideoPresets.h540.resolution }
  });
}

export class VideoCall {
  readonly role: ParticipantRole;
  readonly #room: Room;
  readonly #audioSink: () => HTMLElement | null;
  #phase = $state.raw<CallPhase>({ status: 'idle' });
  #participants = $state.raw<CallParticipant[]>([]);
  #audioOnly = $state(false);
  #audioOnlyAutomatic = $state(false);
  #cameraOn = $state(true);
  #microphoneOn = $state(true);
  #screenSharing = $state(false);
  #canPlayAudio = $state(true);
  #chat = $state.raw<ChatLine[]>([]);
  #problem = $state.raw<Text | null>(null);
  #quality = new Map<string, CallQuality>();
  #poorSince: number | null = null;
  #qualityTimer: ReturnType<typeof setInterval> | null = null;
  #credentials: CallCredentials | null = null;
  #chatSeq = 0;
  #unsubscribe: () => void;

  constructor(opts: VideoCallOptions) {
    this.role = opts.role;
    this.#room = opts.room ?? createRoom();
    this.#audioSink = opts.audioSink ?? (() => (typeof document === 'undefined' ? null : document.body));
    this.#unsubscribe = this.#listen();
  }

  get phase(): CallPhase {
    return this.#phase;
  }
  get participants(): CallParticipant[] {
    return this.#participants;
  }
  get remoteParticipants(): CallParticipant[] {
    return this.#participants.filter((p) => !p.isLocal);
  }
  get local(): CallParticipant | undefined {
    return this.#participants.find((p) => p.isLocal);
  }
  get audioOnly(): boolean {
    return this.#audioOnly;
  }
  /** True when audio-only was switched on because the connection stayed poor, not by the person. */
  get audioOnlyAutomatic(): boolean {
    return this.#audioOnlyAutomatic;
  }
  get cameraOn(): boolean {
    return this.#cameraOn && !this.#audioOnly;
  }
  get microphoneOn(): boolean {
    return this.#microphoneOn;
  }
  get screenSharing(): boolean {
    return this.#screenSharing;
  }
  get canShareScreen(): boolean {
    return this.role === 'clinician';
  }
  /** False when the browser blocked autoplay of the other side's sound until a tap. */
  get canPlayAudio(): boolean {
    return this.#canPlayAudio;
  }
  get chat(): ChatLine[] {
    return this.#chat;
  }
  /** A problem worth telling the person about (camera blocked, rejoin impossible); null when all is well. */
  get problem(): string | null {
    return this.#problem?.() ?? null;
  }
  /** True while the join credentials can still open the room (Rejoin is possible). */
  get canRejoin(): boolean {
    return this.#credentials !== null && Date.parse(this.#credentials.expiresAt) > Date.now();
  }

  /** Connects and starts the microphone and (unless audio-only) the camera. */
  async join(credentials: CallCredentials): Promise<void> {
    this.#credentials = credentials;
    this.#problem = null;
    this.#setPhase({ status: 'connecting' });
    try {
      await this.#room.connect(credentials.serverUrl, credentials.token, { autoSubscribe: true });
    } catch {
      // The room may already have reported a disconnect; either way the screen offers Rejoin.
      if (this.#phase.status !== 'disconnected') this.#setPhase({ status: 'disconnected', end: 'lost' });
      return;
    }
    this.#setPhase({ status: 'connected' });
    await this.#startMedia();
  }

  /** One tap after a dropped connection: the same credentials, while they last. */
  async rejoin(): Promise<void> {
    if (!this.#credentials || !this.canRejoin) {
      this.#problem = () => m.error_call_link_expired();
      return;
    }
    await this.join(this.#credentials);
  }

  async leave(): Promise<void> {
    await this.#room.disconnect();
    this.#setPhase({ status: 'disconnected', end: 'left' });
  }

  /** Sound only: stops sending our camera and stops receiving others' video, to keep the voice clear on a weak link. */
  async setAudioOnly(on: boolean): Promise<void> {
    this.#audioOnly = on;
    if (!on) this.#audioOnlyAutomatic = false;
    for (const p of this.#room.remoteParticipants.values()) this.#applyAudioOnly(p);
    if (this.#phase.status === 'connected') await this.#publish(() => this.#room.localParticipant.setCameraEnabled(!on && this.#cameraOn));
    this.#refresh();
  }

  async toggleCamera(): Promise<void> {
    this.#cameraOn = !this.#cameraOn;
    if (this.#audioOnly) return;
    await this.#publish(() => this.#room.localParticipant.setCameraEnabled(this.#cameraOn));
    this.#refresh();
  }

  async toggleMicrophone(): Promise<void> {
    this.#microphoneOn = !this.#microphoneOn;
    await this.#publish(() => this.#room.localParticipant.setMicrophoneEnabled(this.#microphoneOn));
    this.#refresh();
  }

  async toggleScreenShare(): Promise<void> {
    if (!this.canShareScreen) return;
    const next = !this.#screenSharing;
    try {
      await this.#room.localParticipant.setScreenShareEnabled(next, { audio: false });
      this.#screenSharing = next;
    } catch (e) {
      // Closing the browser's picker without choosing is not a problem to report.
      if (mediaProblemOf(e) !== 'blocked') this.#problem = () => m.error_screen_share();
    }
    this.#refresh();
  }

  async sendChat(text: string): Promise<void> {
    const sentAt = Date.now();
    const bytes = encodeChat(text, sentAt);
    await this.#room.localParticipant.publishData(bytes, { reliable: true, topic: CHAT_TOPIC });
    this.#appendChat({ from: 'You', mine: true, text: text.trim(), sentAt });
  }

  /** Plays the other side's sound after a tap, when the browser blocked autoplay. */
  async startAudio(): Promise<void> {
    await this.#room.startAudio();
    this.#canPlayAudio = this.#room.canPlaybackAudio;
  }

  /** Shows a participant's camera or shared screen in a video element; returns the undo. */
  attachVideo(identity: string, source: 'camera' | 'screen', el: HTMLVideoElement): () => void {
    const p = this.#findParticipant(identity);
    const pub = p?.getTrackPublication(source === 'camera' ? Track.Source.Camera : Track.Source.ScreenShare);
    const track = pub?.track;
    if (!track) return () => {};
    track.attach(el);
    return () => void track.detach(el);
  }

  /** Leaves the room and forgets the credentials; the page is going away. */
  async destroy(): Promise<void> {
    this.#unsubscribe();
    this.#stopQualityWatch();
    this.#credentials = null;
    await this.#room.disconnect();
  }

  #listen(): () => void {
    const room = this.#room;
    const refresh = () => this.#refresh();
    const handlers: [RoomEvent, (...args: never[]) => void][] = [
      [RoomEvent.ConnectionStateChanged, (s: ConnectionState) => this.#onConnectionState(s)],
      [RoomEvent.Reconnecting, () => this.#setPhase({ status: 'reconnecting' })],
      [RoomEvent.SignalReconnecting, () => this.#setPhase({ status: 'reconnecting' })],
      [RoomEvent.Reconnected, () => this.#setPhase({ status: 'connected' })],
      [RoomEvent.Disconnected, (reason?: number) => this.#setPhase({ status: 'disconnected', end: callEndFor(reason) })],
      [RoomEvent.ConnectionQualityChanged, (q: ConnectionQuality, p: Participant) => this.#onQuality(q, p)],
      [RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _kind?: unknown, topic?: string) => this.#onData(payload, p, topic)],
      [RoomEvent.TrackSubscribed, (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => this.#onSubscribed(track, pub, p)],
      [RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => this.#onUnsubscribed(track)],
      [RoomEvent.AudioPlaybackStatusChanged, () => (this.#canPlayAudio = room.canPlaybackAudio)],
      [RoomEvent.LocalTrackUnpublished, () => this.#onLocalUnpublished()],
      ...[
        RoomEvent.ParticipantConnected,
        RoomEvent.ParticipantDisconnected,
        RoomEvent.TrackMuted,
        RoomEvent.TrackUnmuted,
        RoomEvent.LocalTrackPublished,
        RoomEvent.ParticipantNameChanged
      ].map((e) => [e, refresh] as [RoomEvent, () => void])
    ];
    for (const [event, fn] of handlers) room.on(event, fn as never);
    return () => {
      for (const [event, fn] of handlers) room.off(event, fn as never);
    };
  }

  #onConnectionState(state: ConnectionState): void {
    if (state === ConnectionState.Connected) this.#setPhase({ status: 'connected' });
    else if (state === ConnectionState.Reconnecting || state === ConnectionState.SignalReconnecting) this.#setPhase({ status: 'reconnecting' });
    else if (state === ConnectionState.Connecting) this.#setPhase({ status: 'connecting' });
    // Disconnected is handled by RoomEvent.Disconnected, which carries the reason.
  }

  #setPhase(phase: CallPhase): void {
    // Once the call is over for a reason, a later generic event does not overwrite why.
    if (this.#phase.status === 'disconnected' && phase.status === 'disconnected') return;
    this.#phase = phase;
    if (phase.status === 'connected') this.#startQualityWatch();
    if (phase.status === 'disconnected') {
      this.#stopQualityWatch();
      this.#screenSharing = false;
      this.#quality.clear();
    }
    this.#refresh();
  }

  #onQuality(q: ConnectionQuality, p: Participant): void {
    const quality = QUALITY[q] ?? 'unknown';
    this.#quality.set(p.identity, quality);
    if (p === this.#room.localParticipant) {
      if (!isPoor(quality)) this.#poorSince = null;
      else this.#poorSince ??= Date.now();
      this.#checkPoorQuality();
    }
    this.#refresh();
  }

  #startQualityWatch(): void {
    this.#qualityTimer ??= setInterval(() => this.#checkPoorQuality(), 1000);
  }

  #stopQualityWatch(): void {
    if (this.#qualityTimer) clearInterval(this.#qualityTimer);
    this.#qualityTimer = null;
    this.#poorSince = null;
  }

  #checkPoorQuality(): void {
    if (this.#audioOnly || !shouldDropVideo(this.#poorSince, Date.now())) return;
    this.#audioOnlyAutomatic = true;
    void this.setAudioOnly(true);
  }

  #onData(payload: Uint8Array, from: RemoteParticipant | undefined, topic: string | undefined): void {
    if (topic !== CHAT_TOPIC || !from) return;
    const msg = decodeChat(payload);
    if (!msg) return;
    this.#appendChat({ from: this.#labelOf(from), mine: false, text: msg.text, sentAt: msg.sentAt });
  }

  #appendChat(line: Omit<ChatLine, 'id'>): void {
    this.#chat = [...this.#chat, { id: ++this.#chatSeq, ...line }];
  }

  #onSubscribed(track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant): void {
    if (track.kind === Track.Kind.Audio) {
      const el = track.attach();
      el.dataset.outpostSound = '';
      this.#audioSink()?.append(el);
    } else if (this.#audioOnly && pub.source === Track.Source.Camera) {
      pub.setSubscribed(false);
    }
    this.#refresh();
    void p;
  }

  #onUnsubscribed(track: RemoteTrack): void {
    for (const el of track.detach()) el.remove();
    this.#refresh();
  }

  #onLocalUnpublished(): void {
    // The browser's own "Stop sharing" button ends a screen share without going through us.
    this.#screenSharing = !!this.#room.localParticipant.getTrackPublication(Track.Source.ScreenShare)?.track;
    this.#refresh();
  }

  #applyAudioOnly(p: RemoteParticipant): void {
    p.getTrackPublication(Track.Source.Camera)?.setSubscribed(!this.#audioOnly);
  }

  async #startMedia(): Promise<void> {
    await this.#publish(() => this.#room.localParticipant.setMicrophoneEnabled(this.#microphoneOn));
    if (!this.#audioOnly) await this.#publish(() => this.#room.localParticipant.setCameraEnabled(this.#cameraOn));
    this.#refresh();
  }

  /** Camera and microphone failures are told to the person; the call itself carries on. */
  async #publish(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (e) {
      const problem = mediaProblemOf(e);
      this.#problem = () => mediaProblemText(problem);
    }
  }

  #findParticipant(identity: string): Participant | undefined {
    const local = this.#room.localParticipant;
    if (local.identity === identity) return local;
    return this.#room.remoteParticipants.get(identity);
  }

  #labelOf(p: Participant): string {
    const role = roleOfIdentity(p.identity);
    // The patient joins without a display name (it would reach the video service); the role names them.
    if (role === 'patient') return 'Patient';
    return p.name || (role ? ROLE_LABEL[role] : 'Participant');
  }

  #snapshot(p: Participant, isLocal: boolean): CallParticipant {
    const camera = p.getTrackPublication(Track.Source.Camera);
    const screen = p.getTrackPublication(Track.Source.ScreenShare);
    const mic = p.getTrackPublication(Track.Source.Microphone);
    return {
      identity: p.identity,
      role: roleOfIdentity(p.identity),
      label: isLocal ? 'You' : this.#labelOf(p),
      isLocal,
      quality: this.#quality.get(p.identity) ?? 'unknown',
      cameraTrack: camera?.track && !camera.isMuted ? (camera.trackSid ?? 'camera') : null,
      screenTrack: screen?.track ? (screen.trackSid ?? 'screen') : null,
      microphoneOn: !!mic?.track && !mic.isMuted
    };
  }

  #refresh(): void {
    const room = this.#room;
    const live = this.#phase.status === 'connected' || this.#phase.status === 'reconnecting';
    this.#participants = live ? [this.#snapshot(room.localParticipant, true), ...[...room.remoteParticipants.values()].map((p) => this.#snapshot(p, false))] : [];
  }
}
