import { mediaProblemOf, type MediaProblem } from './media-errors';

/**
 * The pre-join device check: opens the camera and microphone once so the
 * person can see themselves, watch the microphone level move and hear a
 * test tone before the clinician sees them. Plain browser media APIs; the
 * call opens its own tracks after admit, so stop() releases everything here.
 */
export type DeviceCheckStatus = 'idle' | 'starting' | 'ready' | 'failed';

export class DeviceCheck {
  #status = $state<DeviceCheckStatus>('idle');
  #problem = $state<MediaProblem | null>(null);
  #stream = $state.raw<MediaStream | null>(null);
  #level = $state(0);
  #tonePlaying = $state(false);
  #audio: AudioContext | null = null;
  #frame = 0;

  get status(): DeviceCheckStatus {
    return this.#status;
  }
  get problem(): MediaProblem | null {
    return this.#problem;
  }
  get stream(): MediaStream | null {
    return this.#stream;
  }
  get hasCamera(): boolean {
    return (this.#stream?.getVideoTracks().length ?? 0) > 0;
  }
  get hasMicrophone(): boolean {
    return (this.#stream?.getAudioTracks().length ?? 0) > 0;
  }
  /** Microphone loudness, 0 to 1. */
  get level(): number {
    return this.#level;
  }
  get tonePlaying(): boolean {
    return this.#tonePlaying;
  }

  /** Asks for camera and microphone; without a camera, the microphone alone is enough to go on. */
  async start(): Promise<void> {
    this.stop();
    this.#status = 'starting';
    this.#problem = null;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#fail('insecure');
      return;
    }
    try {
      this.#stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: true });
    } catch (first) {
      try {
        if (mediaProblemOf(first) === 'blocked') throw first;
        this.#stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.#problem = mediaProblemOf(first);
      } catch (e) {
        this.#fail(mediaProblemOf(e));
        return;
      }
    }
    this.#status = 'ready';
    this.#meter();
  }

  /** A short tone through the speakers or headphones. */
  async playTone(): Promise<void> {
    const ctx = this.#context();
    if (!ctx || this.#tonePlaying) return;
    await ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 523;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 1.2);
    osc.connect(gain).connect(ctx.destination);
    this.#tonePlaying = true;
    osc.onended = () => (this.#tonePlaying = false);
    osc.start();
    osc.stop(ctx.currentTime + 1.25);
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
    this.#level = 0;
    void this.#audio?.close();
    this.#audio = null;
  }

  #fail(problem: MediaProblem): void {
    this.#problem = problem;
    this.#status = 'failed';
  }

  #context(): AudioContext | null {
    if (typeof AudioContext === 'undefined') return null;
    this.#audio ??= new AudioContext();
    return this.#audio;
  }

  /** Loudness from an AnalyserNode: the RMS of the waveform, scaled so speech fills most of the meter. */
  #meter(): void {
    const ctx = this.#context();
    if (!ctx || !this.#stream || !this.hasMicrophone) return;
    void ctx.resume();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(this.#stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const tick = () => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += ((s - 128) / 128) ** 2;
      this.#level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      this.#frame = requestAnimationFrame(tick);
    };
    tick();
  }
}
