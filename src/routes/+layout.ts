// A single-page app: nothing renders on the server, nothing is prerendered.
export const ssr = false;
export const prerender = false;
