/** Public API of src/data: readers, pipelines, downloads. */
export type { Dataset, SplitName } from './dataset.ts';
export { SPLIT_CODE, splitIndices } from './dataset.ts';

// --- WFDB ---
export { parseHeader, type WfdbHeader, type WfdbSignalSpec } from './wfdb/header.ts';
export { decodeSignals, readRecord, readHeaderFile, findSignal, toPhysical, fileByteSource, memoryByteSource, type WfdbRecord, type ByteSource } from './wfdb/signal.ts';
export { parseAnnotations, readAnnotationFile, mnemonics, type Annotations } from './wfdb/annotation.ts';
export { ANNOTATION_MNEMONICS, BEAT_CODES, mnemonicOf, codeOf } from './wfdb/codes.ts';
export { encodeSignals, encodeAnnotations, formatHeader, signalChecksum } from './wfdb/writer.ts';

// --- MIT-BIH ---
export { AAMI_CLASSES, AAMI_OF_MNEMONIC, PACED_RECORDS, DS1, DS2, BINARY_CLASSES } from './mitbih/aami.ts';
export { recordBeats, resampleWindow, DEFAULT_BEAT_OPTIONS, RR_FEATURE_NAMES, type BeatOptions, type RecordBeats } from './mitbih/beats.ts';
export { loadMitbih, loadMitbihBeats, MITBIH_RECORDS, type LoadMitbihOptions, type MitbihBeats } from './mitbih/load.ts';
export { mitbihStats, recordClassCounts, type MitbihStats, type ClassCounts } from './mitbih/stats.ts';
export { chooseValidationRecords, type ValidationOptions } from './mitbih/split.ts';

// --- Apnea-ECG ---
export { loadApnea, apneaSplits, type LoadApneaOptions } from './apnea/load.ts';
export { diagnoseRecords, formatDiagnosis, DEFAULT_AHI_THRESHOLD, type DiagnosisSummary, type RecordDiagnosis } from './apnea/diagnosis.ts';
export { minuteLabels, APNEA_CLASSES, APNEA_LEARNING_RECORDS, APNEA_TEST_RECORDS } from './apnea/labels.ts';

// --- PTB-XL ---
export { loadPtbxl, findPtbxlDatabase, PTBXL_LEADS, parsePtbxlDatabase, parseScpStatements, superclassTargets, PTBXL_SUPERCLASSES, type LoadPtbxlOptions, type PtbxlRow } from './ptbxl/load.ts';
export { parseCsv, csvRecords } from './ptbxl/csv.ts';
export { parseScpCodes } from './ptbxl/scp_codes.ts';

// --- downloads ---
export { downloadDataset, PHYSIONET_DATABASES, type DownloadOptions, type DownloadReport } from './download/download.ts';
export { fetchFile, sha256File } from './download/fetch_file.ts';
export { parseSha256Sums } from './download/sha256sums.ts';

// --- audio (Speech Commands): exports added by the audio helper below this line ---
export * from './audio/index.ts';
