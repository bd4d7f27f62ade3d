import { expect, test, type Page } from '@playwright/test';
import { noteText } from '../src/lib/chart/chart-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician dictates into the visit note. What is heard waits in
 * a review box; only Insert puts it into the section, Discard drops it.
 *
 * A stand-in recognizer: Chrome's real SpeechRecognition sends the audio to
 * Google's online speech service, which tests cannot reach (and headless
 * Chromium has no speech service at all). The stand-in, installed with
 * addInitScript before the app loads, has the Web Speech API's shape
 * (start/stop/abort, onresult with a cumulative result list, onerror,
 * onend); the test makes it "hear" words, stop or fail. Everything else —
 * the app, the server, sync — is real.
 */

const STAND_IN = () => {
  type Handler = ((e: unknown) => void) | null;
  class StandInRecognition {
    lang = '';
    continuous = false;
    interimResults = false;
    onresult: Handler = null;
    onerror: Handler = null;
    onend: Handler = null;
    start() {
      const w = window as unknown as { __speech: { started: number; lang: string; live: StandInRecognition | null } };
      w.__speech.started += 1;
      w.__speech.lang = this.lang;
      w.__speech.live = this;
    }
    stop() {
      this.finish();
    }
    abort() {
      this.finish();
    }
    finish() {
      const w = window as unknown as { __speech: { live: StandInRecognition | null } };
      if (w.__speech.live !== this) return;
      w.__speech.live = null;
      this.onend?.({});
    }
  }
  (window as unknown as { __speech: unknown }).__speech = { started: 0, lang: '', live: null };
  (window as unknown as { webkitSpeechRecognition: unknown }).webkitSpeechRecognition = StandInRecognition;
  (window as unknown as { SpeechRecognition: unknown }).SpeechRecognition = StandInRecognition;
};

type Heard = [transcript: string, isFinal: boolean][];

/** Makes the live stand-in deliver its cumulative result list. */
async function hear(page: Page, results: Heard) {
  await page.evaluate((rs) => {
    const live = (window as unknown as { __speech: { live: { onresult: ((e: unknown) => void) | null } | null } }).__speech.live;
    if (!live) throw new Error('the recognizer is not listening');
    const list = rs.map(([transcript, isFinal]) => Object.assign([{ transcript }], { isFinal }));
    live.onresult?.({ results: list, resultIndex: 0 });
  }, results);
}

async function failWith(page: Page, code: string) {
  await page.evaluate((c) => {
    const live = (window as unknown as { __speech: { live: { onerror: ((e: unknown) => void) | null; finish(): void } | null } }).__speech.live;
    if (!live) throw new Error('the recognizer is not listening');
    live.onerror?.({ error: c });
    live.finish();
  }, code);
}

const speech = (page: Page) => page.evaluate(() => (window as unknown as { __speech: { started: number; lang: string } }).__speech);

let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

async function startVisit(dr: Device, reason: string): Promise<{ patientId: string; encounterId: string }> {
  const { page } = dr;
  const chartUrl = await dr.openPatient('Hermiston, Asa');
  await page.getByLabel('Reason for visit').fill(reason);
  await page.getByRole('button', { name: 'Start visit' }).click();
  await page.waitForURL(/\/visit\/[0-9a-f-]{36}$/);
  return { patientId: chartUrl.split('/patients/')[1], encounterId: new URL(page.url()).pathname.split('/visit/')[1] };
}

for (const size of [
  { name: 'laptop', width: 1280, height: 860 },
  { name: 'phone', width: 390, height: 844 }
]) {
  test(`dictation (${size.name}): heard text waits for review, Insert adds it, Discard drops it, errors and offline are explained`, async ({ browser }) => {
    const dr = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = dr;
    await page.addInitScript(STAND_IN);
    await dr.signIn('dr.demo');
    const { patientId, encounterId } = await startVisit(dr, `Dictation ${size.name}`);

    const subjective = page.getByLabel('Subjective', { exact: true });
    await subjective.fill('Headache.');
    await page.getByRole('button', { name: 'Dictate into Subjective' }).click();
    const panel = page.getByTestId('dictation-subjective');
    await expect(panel.getByText('Listening… speak now, then press Stop.')).toBeVisible();
    await expect(panel).toContainText("In Chrome and Edge, speech is sent to the browser maker's online speech service (Google or Microsoft)");
    // The recognizer speaks the app's language (English; the browser prefers en-US).
    expect(await speech(page)).toMatchObject({ started: 1, lang: 'en-US' });

    await hear(page, [['cough for', false]]);
    await expect(panel.getByTestId('dictation-heard')).toHaveText('Heard so far: cough for');
    await hear(page, [['cough for three days', true], ['dry', false]]);
    await expect(panel.getByTestId('dictation-heard')).toHaveText('Heard so far: cough for three days dry');
    await expect(subjective).toHaveValue('Headache.');
    await expectAccessible(page, `visit screen, dictation listening (${size.name})`);
    await page.screenshot({ path: `test-results/dictation-listening-${size.name}.png`, fullPage: true });

    await panel.getByRole('button', { name: 'Stop' }).click();
    const review = panel.getByLabel('Dictated text (check and edit before inserting)');
    await expect(review).toHaveValue('cough for three days dry');
    await review.fill('Cough for three days, dry.');
    // Still only in the review box.
    await expect(subjective).toHaveValue('Headache.');
    await expectAccessible(page, `visit screen, dictation review (${size.name})`);
    await page.screenshot({ path: `test-results/dictation-review-${size.name}.png`, fullPage: true });
    await panel.getByRole('button', { name: 'Insert' }).click();
    await expect(subjective).toHaveValue('Headache. Cough for three days, dry.');
    await expect(page.getByTestId('dictation-outcome-subjective')).toHaveText('Dictated text added to Subjective.');
    await expect(panel).toBeHidden();

    // Discard: heard, reviewed, dropped.
    await page.getByRole('button', { name: 'Dictate into Plan' }).click();
    const plan = page.getByTestId('dictation-plan');
    await hear(page, [['start amoxicillin', true]]);
    await plan.getByRole('button', { name: 'Stop' }).click();
    await expect(plan.getByLabel('Dictated text (check and edit before inserting)')).toHaveValue('start amoxicillin');
    await plan.getByRole('button', { name: 'Discard' }).click();
    await expect(page.getByTestId('dictation-outcome-plan')).toHaveText('Dictated text discarded; the note is unchanged.');
    await expect(page.getByLabel('Plan', { exact: true })).toHaveValue('');

    // A blocked microphone is explained, not shown as a code.
    await page.getByRole('button', { name: 'Dictate into Objective' }).click();
    const objective = page.getByTestId('dictation-objective');
    await failWith(page, 'not-allowed');
    await expect(objective.getByRole('alert')).toHaveText(
      "The microphone is blocked for this site. Allow it in the browser's site settings (the icon at the left of the address bar), then press Dictate again."
    );
    // Words heard before a network failure are kept for review.
    await objective.getByRole('button', { name: 'Dictate again' }).click();
    await hear(page, [['pulse 88', true]]);
    await failWith(page, 'network');
    await expect(objective.getByRole('alert')).toHaveText('The online speech service could not be reached. Check the connection and try again.');
    await expect(objective.getByLabel('Dictated text (check and edit before inserting)')).toHaveValue('pulse 88');
    await objective.getByRole('button', { name: 'Discard' }).click();
    await expect(page.getByLabel('Objective', { exact: true })).toHaveValue('');

    // Offline: dictation is turned off with the reason, and no recognizer starts.
    const startedBefore = (await speech(page)).started;
    await dr.offline();
    await page.getByRole('button', { name: 'Dictate into Assessment' }).click();
    const assessment = page.getByTestId('dictation-assessment');
    await expect(assessment.getByTestId('dictation-offline')).toHaveText(
      'You are offline. Dictation needs the network, so it is turned off until the connection returns; type the note instead.'
    );
    await expect(assessment.getByRole('button', { name: 'Dictate again' })).toBeDisabled();
    expect((await speech(page)).started).toBe(startedBefore);
    await page.screenshot({ path: `test-results/dictation-offline-${size.name}.png`, fullPage: true });
    await dr.online();
    await expect(assessment.getByRole('button', { name: 'Dictate again' })).toBeEnabled();
    await assessment.getByRole('button', { name: 'Close' }).click();

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the visit screen overflows horizontally').toBeLessThanOrEqual(0);

    await dr.waitSynced();
    const chart = (await serverDoc(clinic, `chart:${patientId}`))!;
    expect(noteText(chart, encounterId)).toEqual({ subjective: 'Headache. Cough for three days, dry.', objective: '', assessment: '', plan: '' });
    await dr.close();
  });
}

test('dictation says plainly when the browser has no speech recognition', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const { page } = dr;
  await page.addInitScript(() => {
    delete (window as unknown as { webkitSpeechRecognition?: unknown }).webkitSpeechRecognition;
    delete (window as unknown as { SpeechRecognition?: unknown }).SpeechRecognition;
  });
  await dr.signIn('dr.demo');
  await startVisit(dr, 'No speech API');
  await page.getByRole('button', { name: 'Dictate into Subjective' }).click();
  await expect(page.getByTestId('dictation-unavailable')).toHaveText(
    'Dictation is not available in this browser. Type the note, or open Outpost in a browser that offers speech recognition (Chrome or Edge).'
  );
  await expect(page.getByTestId('dictation-subjective').getByRole('button', { name: 'Stop' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/dictation-unavailable-laptop.png', fullPage: true });
  await dr.close();
});
