/** The browser suite's ports (its stack, the Playwright config and the specs read them): its own, beside npm start's. */
export const BROWSER_PORTS = {
  api: Number(process.env.BROWSER_API_PORT ?? 3500),
  payments: Number(process.env.BROWSER_PAYMENTS_PORT ?? 4500),
  temporal: Number(process.env.BROWSER_TEMPORAL_PORT ?? 7500),
  ui: Number(process.env.BROWSER_UI_PORT ?? 8500),
  codecServer: Number(process.env.BROWSER_CODEC_PORT ?? 8600),
  idp: Number(process.env.BROWSER_IDP_PORT ?? 8700),
};
