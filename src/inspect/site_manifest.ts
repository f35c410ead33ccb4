/** site.json: what the page loads at start (URLs relative to the page, so a static copy works). */
export interface SiteManifest {
  model: { name: string; url: string } | null;
  results: { name: string; url: string } | null;
  /** the WFDB records served under `url` (<url><record>.hea / .dat / .atr) */
  demo: { records: string[]; url: string } | null;
}
