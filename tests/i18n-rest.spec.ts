import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * The visit screen, the drug checks on the prescribe screen and the match
 * reviews in French and Swahili: a clinician switches the app's language in
 * the header and the visit note's screen (sections, dictation, template
 * picker and its notice), the alerts of the checks (severity, kind, the
 * override reason) and the match-review page follow at once. The alert's own
 * words come from the drug knowledge pack and stay as the pack words them.
 * Screenshots at phone and laptop widths go to test-results/i18n-rest/ for a
 * person to look at; the pages must not be wider than the screen and pass axe.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const LANGUAGES = {
  fr: {
    subjective: 'Subjectif',
    dictate: 'Dicter dans Subjectif',
    template: 'Modèle de visite',
    fill: 'Remplir les sections vides',
    added: 'Modèle ajouté à : Objectif, Évaluation, Plan.',
    diagnosis: 'Ajouter un diagnostic (ICD-10-CM)',
    signStart: 'Signer la note…',
    activeMeds: 'Médicaments en cours',
    checks: 'Vérifications avant signature',
    severity: 'Grave',
    kind: 'Médicament–allergie',
    override: 'Justification pour passer outre (obligatoire pour signer)',
    drug: 'Médicament',
    matchNav: 'Rapprochements à vérifier',
    more: 'Plus',
    matchHeading: 'Dossiers en attente de rapprochement',
    matchNone: 'Aucun dossier n’attend de rapprochement.'
  },
  sw: {
    subjective: 'Maelezo ya mgonjwa',
    dictate: 'Imla kwenye Maelezo ya mgonjwa',
    template: 'Kiolezo cha ziara',
    fill: 'Jaza sehemu zilizo tupu',
    added: 'Kiolezo kimeongezwa kwenye: Uchunguzi, Tathmini, Mpango.',
    diagnosis: 'Ongeza diagnosis (ICD-10-CM)',
    signStart: 'Saini maelezo…',
    activeMeds: 'Dawa zinazotumika',
    checks: 'Ukaguzi kabla ya kusaini',
    severity: 'Hatari',
    kind: 'Dawa–allergy',
    override: 'Sababu ya override (inahitajika ili kusaini)',
    drug: 'Dawa',
    matchNav: 'Ukaguzi wa ulinganishaji',
    more: 'Zaidi',
    matchHeading: 'Rekodi zinazosubiri kulinganishwa',
    matchNone: 'Hakuna rekodi zinazosubiri kulinganishwa.'
  }
} as const;

async function look(page: Page, name: string, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')} (${Math.round(e.getBoundingClientRect().right)}px)`)
  );
  expect(overflow, `${name} at ${width}px overflows: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `test-results/i18n-rest/${width}-${name}.png`, fullPage: true });
  await expectAccessible(page, `${name} at ${width}px`);
}

for (const width of [390, 1280]) for (const [code, t] of Object.entries(LANGUAGES)) {
  test(`visit, drug checks and match reviews in ${code} at ${width}px`, async ({ browser }) => {
    // Three screens, each checked by axe, after an English positive control.
    test.setTimeout(180_000);
    const device = await Device.open(browser, clinic, { width, height: width < 600 ? 844 : 860 });
    const { page } = device;
    await device.signIn('dr.demo');
    const patient = width < 600 ? 'Tanaka, Omar' : 'Hermiston, Asa';
    await device.openPatient(patient);

    // A penicillin allergy, so that amoxicillin raises a drug–allergy alert.
    const allergies = page.getByTestId('allergy');
    if (!(await allergies.filter({ hasText: /penicillin/i }).count())) {
      await page.getByRole('button', { name: 'Add allergy' }).click();
      await page.getByLabel('Substance').fill('Penicillin');
      await page.getByLabel('Category').selectOption('medication');
      await page.getByLabel('Reaction', { exact: true }).fill('Hives');
      await page.getByRole('button', { name: 'Save allergy' }).click();
      await expect(allergies.filter({ hasText: 'Penicillin' })).toBeVisible();
    }

    // Positive control: the visit screen in English first.
    await page.getByLabel('Reason for visit').fill(`Follow-up ${width} ${code}`);
    await page.getByRole('button', { name: 'Start visit' }).click();
    await page.waitForURL(/\/visit\/[0-9a-f-]{36}$/);
    const visitUrl = new URL(page.url()).pathname;
    await expect(page.getByRole('button', { name: 'Dictate into Subjective' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Fill empty sections' })).toBeVisible();
    await page.getByLabel('Subjective').pressSequentially('Cough for a week.');

    {
      await page.locator('#app-language').selectOption(code);
      await expect(page.locator('html')).toHaveAttribute('lang', code);

      // The visit screen, without a reload.
      // In-app history back to the visit (a page load would lock the app: the key lives in memory only).
      for (let i = 0; i < 3 && new URL(page.url()).pathname !== visitUrl; i++) await page.goBack();
      await page.waitForURL((u) => u.pathname === visitUrl);
      await expect(page.getByLabel(t.subjective, { exact: true })).toBeVisible();
      await expect(page.getByRole('button', { name: t.dictate })).toBeVisible();
      await expect(page.getByLabel(t.diagnosis)).toBeVisible();
      await expect(page.getByRole('heading', { name: t.activeMeds })).toBeVisible();
      await expect(page.getByRole('button', { name: t.signStart })).toBeVisible();
      // The template fills the three empty sections.
      await page.getByLabel(t.template, { exact: true }).selectOption('hypertension');
      await page.getByRole('button', { name: t.fill }).click();
      await expect(page.getByTestId('visit-work-notice')).toHaveText(t.added);
      await look(page, `visit-${code}`, width);

      // The drug checks on the prescribe screen, reached from the visit.
      await page.getByTestId('visit-prescribe').click();
      await page.getByLabel(t.drug, { exact: true }).fill('amoxi');
      await page.getByRole('button', { name: /^amoxicillin/ }).first().click();
      await expect(page.getByRole('heading', { name: t.checks })).toBeVisible();
      const alert = page.locator('[data-testid="check-alert"][data-kind="drug-allergy"]').first();
      await expect(alert).toBeVisible();
      await expect(alert).toContainText(t.severity);
      await expect(alert).toContainText(t.kind);
      // The knowledge pack's own words are shown as written.
      await expect(alert).toContainText('Penicillin allergy: ordered drug is a penicillin');
      await expect(alert.getByLabel(t.override)).toBeVisible();
      await look(page, `checks-${code}`, width);

      // The match reviews, from the header's "More" menu.
      await page.locator('header.bar').getByText(t.more, { exact: true }).click();
      const nav = page.locator('nav a[href="/match-reviews"]');
      await expect(nav).toHaveText(t.matchNav);
      await nav.click();
      await expect(page.getByRole('heading', { level: 1, name: t.matchHeading })).toBeVisible();
      await expect(page.getByText(t.matchNone)).toBeVisible();
      await look(page, `match-reviews-${code}`, width);
    }
    await device.close();
  });
}
