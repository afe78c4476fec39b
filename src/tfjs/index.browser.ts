// simdnet/tfjs in browsers (and the part of it Node shares): simdnet networks as TensorFlow.js
// models in memory (artifacts.ts: layersModelHandler for tf.loadLayersModel, networkFromTfjsModel
// back), the LayersModel format (layers-format.ts) and the batch schedule (../schedule.ts). None of
// it loads tfjs; an app that uses tfjs brings its own.
export * from './layers-format.js';
export * from './artifacts.js';
export * from '../schedule.js';
