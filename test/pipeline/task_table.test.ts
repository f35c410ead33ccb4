import { describe, expect, it } from 'vitest';
import { DEFAULT_KNOBS } from '../../src/hyper/config.ts';
import { contextMinutesOf, DEMO_MITDB, defaultDataDir, exampleCostOf, knobBaseOf, largePresetOf, SHARED_APNEA, SHARED_PTBXL, SHARED_SPEECH, smallPresetOf, TASKS } from '../../src/pipeline/data.ts';

describe('the task table', () => {
  it('gives each task its presets, knob family, context, cost and data directory', () => {
    const rows = Object.fromEntries(TASKS.map((t) => [t, [smallPresetOf(t), largePresetOf(t), knobBaseOf(t), contextMinutesOf(t), exampleCostOf(t)]]));
    expect(rows).toEqual({
      'mitbih-aami': ['small', 'large', 'mitbih', 0, 1],
      'mitbih-aami5': ['small', 'large', 'mitbih', 0, 1],
      'mitbih-binary': ['small', 'large', 'mitbih', 0, 1],
      kws12: ['kws', 'kws', 'kws', 0, 1],
      apnea: ['apnea', 'apnea-large', 'apnea', 0, 6],
      'apnea-5min': ['apnea', 'apnea-large', 'apnea', 2, 30],
      ptbxl: ['ptbxl', 'ptbxl-large', 'ptbxl', 0, 3],
      'ptbxl-lead2': ['ptbxl', 'ptbxl-large', 'ptbxl', 0, 3],
    });
    // KWS has a knob family of its own name, with the values it always had (Apnea-ECG's (6, 16, 4))
    expect(DEFAULT_KNOBS.kws).toEqual(DEFAULT_KNOBS.apnea);
    expect(defaultDataDir('kws12').dir).toBe(SHARED_SPEECH);
    expect(defaultDataDir('apnea-5min').dir).toBe(SHARED_APNEA);
    expect(defaultDataDir('ptbxl-lead2').dir).toBe(SHARED_PTBXL);
    const m = defaultDataDir('mitbih-binary');
    expect(m.demo ? m.dir === DEMO_MITDB : m.dir !== DEMO_MITDB).toBe(true);
  });
});
