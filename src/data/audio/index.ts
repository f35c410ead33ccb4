/** Audio data: WAV I/O, the MFCC / log-mel front end, and the Speech Commands kws12 pipeline. */
export { readWav, readWavFile, writeWav, type WavData, type WavEncoding, type ReadWavOptions, type WriteWavOptions, type WavSampleFormat } from './wav.ts';
export { RealFft } from './fft.ts';
export { hannWindow } from './window.ts';
export { hzToMel, melToHz, melFilterbank, applyMel, type MelFilterbank } from './mel.ts';
export { MfccFrontEnd, mfcc, dctMatrix, fitClip, DEFAULT_FRONT_END, type FrontEndConfig } from './mfcc.ts';
export {
  loadSpeechCommands,
  speechCommandsStats,
  planSpeechCommands,
  scanSpeechCommands,
  whichSet,
  speakerId,
  cropNoise,
  SpeechAugmenter,
  KWS_KEYWORDS,
  SILENCE_CLASS,
  UNKNOWN_CLASS,
  V002_ONLY_WORDS,
  type SpeechCommandsOptions,
  type SpeechCommandsStats,
  type SpeechCommandsPlan,
  type SpeechCommandsLayout,
  type PlannedExample,
  type AugmentOptions,
  type SplitCounts,
} from './speech_commands.ts';
