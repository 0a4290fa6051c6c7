// How the report's checks and benchmarks start Debian's Chromium: headless,
// with every background service that would reach the network turned off.
// Requests a page makes are aborted by each caller's route handler too.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Defence in depth: a host name that slips past the route handler (a
  // WebSocket) does not resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND',
];
