/**
 * Focus for screen changes the browser does not see as page loads.
 *
 * After a client-side navigation the new screen's main heading takes focus,
 * so keyboard and screen-reader users start where the new content starts.
 * Screens that load their data after the navigation (the chart paints a
 * stored summary, then the chart) replace their heading: for a few seconds,
 * until the user presses a key or touches the screen, focus that the page
 * dropped (the focused heading was removed) goes to the new heading.
 */

const SETTLE_MS = 8000;

let stopWatching: (() => void) | null = null;

function mainElement(): HTMLElement | null {
  return document.querySelector<HTMLElement>('main#main') ?? document.querySelector<HTMLElement>('main');
}

/** The screen's main heading: the first h1 of the main landmark. */
function mainHeading(main: HTMLElement | null): HTMLElement | null {
  return main?.querySelector<HTMLElement>('h1') ?? null;
}

function focusQuietly(el: HTMLElement): void {
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
}

/**
 * Moves focus to the main heading of the screen now shown (the main landmark
 * while it has none yet), and keeps it there while the screen finishes
 * loading. `announce` receives the page title once a heading has focus.
 */
export function focusMainHeading(announce: (title: string) => void = () => {}): void {
  stopWatching?.();
  let announced = false;
  const place = (first = false) => {
    const active = document.activeElement;
    const main = mainElement();
    const heading = mainHeading(main);
    // After the first move, only focus the page dropped (or left on the landmark) is moved.
    const free = first || !active || active === document.body || (active === main && !!heading);
    if (free) {
      if (heading) focusQuietly(heading);
      else if (main) focusQuietly(main);
    }
    if (heading && !announced && document.activeElement === heading) {
      announced = true;
      // The page sets its title as it renders: read it once that is painted.
      requestAnimationFrame(() => announce(document.title));
    }
  };
  place(true);

  const observer = new MutationObserver(() => place());
  observer.observe(document.body, { childList: true, subtree: true });
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
    for (const e of userEvents) window.removeEventListener(e, stop, true);
    if (stopWatching === stop) stopWatching = null;
  };
  const userEvents = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
  for (const e of userEvents) window.addEventListener(e, stop, { capture: true, passive: true });
  const timer = setTimeout(stop, SETTLE_MS);
  stopWatching = stop;
}

/**
 * A new screen from scratch (after signing in or unlocking): focus goes to
 * the start of the document, as on a page load, so the first Tab reaches the
 * skip link and a screen reader reads from the top (the demo notice first).
 */
export function focusDocumentStart(): void {
  stopWatching?.();
  const body = document.body;
  const tabindex = body.getAttribute('tabindex');
  body.tabIndex = -1;
  body.focus({ preventScroll: true });
  if (tabindex === null) body.removeAttribute('tabindex');
  else body.setAttribute('tabindex', tabindex);
}

/** The skip link: focus (and show) the main landmark without adding a history entry. */
export function skipToMain(event: MouseEvent): void {
  const main = mainElement();
  if (!main) return;
  event.preventDefault();
  stopWatching?.();
  focusQuietly(main);
  main.scrollIntoView({ block: 'start' });
}
