/**
 * A box that scrolls sideways on narrow screens (a wide table on a phone)
 * joins the Tab order while, and only while, its content is wider than it,
 * so keyboard users can scroll it with the arrow keys (WCAG 2.1.1).
 * Give the element an accessible name (aria-label) and role="group".
 */
export function scrollRegion(el: HTMLElement): { destroy(): void } {
  const update = () => {
    if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
    else el.removeAttribute('tabindex');
  };
  update();
  const observer = new ResizeObserver(update);
  observer.observe(el);
  return { destroy: () => observer.disconnect() };
}
