import { transcriptOf, type HeardResult } from '../domain/dictation';

/**
 * The browser's speech recognizer (Web Speech API), behind the few calls
 * dictation needs. Chrome and Edge expose it as `webkitSpeechRecognition`
 * and send the audio to their makers' online speech services; Firefox has
 * none. Nothing here decides what the screen shows: that is
 * domain/dictation.ts.
 */

interface RecognitionAlternative {
  transcript: string;
}
interface RecognitionResult {
  readonly isFinal: boolean;
  readonly length: number;
  [index: number]: RecognitionAlternative;
}
interface RecognitionResultList {
  readonly length: number;
  [index: number]: RecognitionResult;
}
interface BrowserRecognition {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  onresult: ((e: { results: RecognitionResultList }) => void) | null;
  onerror: ((e: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}
type RecognitionConstructor = new () => BrowserRecognition;

function recognitionConstructor(): RecognitionConstructor | null {
  const g = globalThis as { SpeechRecognition?: RecognitionConstructor; webkitSpeechRecognition?: RecognitionConstructor };
  return g.SpeechRecognition ?? g.webkitSpeechRecognition ?? null;
}

/** True when this browser offers speech recognition at all. */
export function speechRecognitionAvailable(): boolean {
  return recognitionConstructor() !== null;
}

export interface RecognizerHandlers {
  onResult(final: string, interim: string): void;
  onError(code: string): void;
  onEnd(): void;
}

export interface Recognizer {
  /** Ends listening; the words heard so far still arrive, then `onEnd`. */
  stop(): void;
  /** Ends listening and drops what was not yet delivered. */
  abort(): void;
}

/** Starts listening in `lang` (BCP-47); null when the browser has no recognizer. */
export function startRecognizer(lang: string, handlers: RecognizerHandlers): Recognizer | null {
  const Ctor = recognitionConstructor();
  if (!Ctor) return null;
  const r = new Ctor();
  r.lang = lang;
  r.continuous = true;
  r.interimResults = true;
  r.onresult = (e) => {
    const results: HeardResult[] = [];
    for (let i = 0; i < e.results.length; i++) results.push({ transcript: e.results[i][0]?.transcript ?? '', isFinal: e.results[i].isFinal });
    const { final, interim } = transcriptOf(results);
    handlers.onResult(final, interim);
  };
  r.onerror = (e) => handlers.onError(e.error);
  r.onend = () => handlers.onEnd();
  r.start();
  return { stop: () => r.stop(), abort: () => r.abort() };
}
