export { FineTuner, type FineTunerOptions } from './fineTune.js';
export { installGradients } from './gradients.js';
export { decodeModelUpdate, encodeModelUpdate, maxUpdateBytes, updateBytes, DEFAULT_MAX_ABS_WEIGHT, MAX_VARIANT_NAME, UPDATE_MAGIC, UPDATE_VERSION, type DecodeExpectations, type DecodedUpdate, type EncodeOptions, type UpdateEncoding } from './modelUpdate.js';
export { ModelUpdateError, type ModelUpdateErrorCode } from './ModelUpdateError.js';
export { ModelUpdateGate, type GateOptions, type GateVerdict } from './ModelUpdateGate.js';
export { areaResize, buildTrainingPairs, cropDetail, cropPairs, sendPair, type CropOptions, type PairOptions, type RgbFrame, type TrainingBatch } from './trainingPairs.js';
export { createUpdateBase, foldedValues, updateBaseFromWeights, valuesToWeights, weightBytes, type UpdateBase } from './updateBase.js';
