// Type declarations for wisp-onnx (web/index.js). Hand-written; checked by tests/types/usage.ts
// (tsc --strict, tests/js/types.test.js).

// ---- tensors ----

export type TensorType =
  | 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32'
  | 'int64' | 'uint64' | 'bool' | 'string';

/** The array a tensor of each type holds ('float16': Float16Array where the engine has it, else
 * Uint16Array holding the bits; 'bool': Uint8Array of 0/1). */
export interface TensorDataTypeMap {
  float32: Float32Array; float64: Float64Array; int8: Int8Array; uint8: Uint8Array; int16: Int16Array;
  uint16: Uint16Array; int32: Int32Array; uint32: Uint32Array; int64: BigInt64Array;
  uint64: BigUint64Array; bool: Uint8Array; string: string[]; float16: Uint16Array;
}
export type TensorData = TensorDataTypeMap[TensorType] | Uint8ClampedArray;

export interface ImageLike {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface TensorFromImageOptions {
  tensorFormat?: 'RGB' | 'BGR' | 'RGBA';
  tensorLayout?: 'NCHW' | 'NHWC';
  bitmapFormat?: 'RGBA' | 'RGB';
  dataType?: 'float32' | 'uint8';
  /** value = (pixel + bias) / mean; a number, or one per channel [R, G, B, A] */
  norm?: { mean?: number | number[]; bias?: number | number[] };
  /** browsers only (drawn on an OffscreenCanvas) */
  resizedWidth?: number;
  resizedHeight?: number;
}

export interface TensorToImageDataOptions {
  format?: 'RGB' | 'BGR' | 'RGBA';
  tensorLayout?: 'NCHW' | 'NHWC';
  /** pixel = (value - bias) * mean */
  norm?: { mean?: number | number[]; bias?: number | number[] };
}

export interface ImageDataLike {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export interface Tensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly data: TensorDataTypeMap[T];
  readonly dims: readonly number[];
  readonly size: number;
  readonly location: 'cpu';
  getData(releaseData?: boolean): Promise<TensorDataTypeMap[T]>;
  /** the same data with other dims (no copy) */
  reshape(dims: readonly number[]): Tensor<T>;
  dispose(): void;
  toImageData(options?: TensorToImageDataOptions): ImageDataLike;
}

export interface TensorConstructor {
  new <T extends TensorType>(type: T, data: TensorDataTypeMap[T] | readonly (number | bigint | boolean | string)[], dims?: readonly number[]): Tensor<T>;
  /** the type from the array, as onnxruntime-web */
  new (data: Float32Array, dims?: readonly number[]): Tensor<'float32'>;
  new (data: Float64Array, dims?: readonly number[]): Tensor<'float64'>;
  new (data: Int8Array, dims?: readonly number[]): Tensor<'int8'>;
  new (data: Uint8Array | Uint8ClampedArray, dims?: readonly number[]): Tensor<'uint8'>;
  new (data: Int16Array, dims?: readonly number[]): Tensor<'int16'>;
  new (data: Uint16Array, dims?: readonly number[]): Tensor<'uint16'>;
  new (data: Int32Array, dims?: readonly number[]): Tensor<'int32'>;
  new (data: Uint32Array, dims?: readonly number[]): Tensor<'uint32'>;
  new (data: BigInt64Array, dims?: readonly number[]): Tensor<'int64'>;
  new (data: BigUint64Array, dims?: readonly number[]): Tensor<'uint64'>;
  new (data: readonly number[], dims?: readonly number[]): Tensor<'float32'>;
  new (data: readonly boolean[], dims?: readonly number[]): Tensor<'bool'>;
  new (data: readonly string[], dims?: readonly number[]): Tensor<'string'>;
  readonly prototype: Tensor;
  /** an image as a (1, 3, H, W) tensor of (pixel + bias) / mean, as onnxruntime-web */
  fromImage(
    image: ImageLike | ImageBitmap | HTMLImageElement | OffscreenCanvas | HTMLCanvasElement | string | URL,
    options?: TensorFromImageOptions,
  ): Promise<Tensor<'float32' | 'uint8'>>;
}

export const Tensor: TensorConstructor;

export function float16ToFloat32(bits: Uint16Array | ArrayLike<number>): Float32Array;
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array;

// ---- the session ----

export interface ProgressEvent {
  status: 'initiate' | 'progress' | 'done' | 'ready';
  file: string;
  loaded: number;
  total: number;
  overall: { loaded: number; total: number };
}

export interface IoOptions {
  signal?: AbortSignal;
  progress?: (event: ProgressEvent) => void;
  /** browsers: the Cache API (true: cache 'wisp-models'; a string: that cache; false: none) */
  cache?: boolean | string;
  /** Node: a directory to keep downloaded files in */
  cacheDir?: string;
}

export type ModelSource = Uint8Array | ArrayBuffer | ArrayBufferView | Blob | string | URL;

export interface SessionOptions extends IoOptions {
  externalData?: (string | { path: string; data: ModelSource })[];
  /** intermediate values to return as outputs too */
  extraOutputs?: string[];
  /** where external files are looked up when the model is given as bytes */
  baseUrl?: string | URL;
  /** the most, in bytes, the WebAssembly heap may grow to (default 1 GiB, at most 4 GiB) */
  memoryLimit?: number;
  /** threads per run (default: every core up to 8 in Node and cross-origin-isolated pages, else
   * env.wasm.numThreads when > 0); 1 wherever SharedArrayBuffer is missing */
  numThreads?: number;
  /** onnxruntime-web options, accepted and ignored (wisp has one CPU backend) */
  executionProviders?: readonly unknown[];
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  freeDimensionOverrides?: Record<string, number>;
  preferredOutputLocation?: unknown;
}

export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: TensorType;
  /** declared shape: numbers, symbolic dims by name, -1 for unknown */
  shape?: (number | string)[];
}

/** An output: a Tensor, or (ZipMap outputs) one {label: score} object per row. */
export type OutputValue = Tensor | Record<string, number>[];

export class InferenceSession {
  private constructor();
  static create(model: ModelSource, options?: SessionOptions): Promise<InferenceSession>;
  static create(buffer: ArrayBuffer, byteOffset: number, byteLength?: number, options?: SessionOptions): Promise<InferenceSession>;
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly inputMetadata: ValueMetadata[];
  readonly outputMetadata: ValueMetadata[];
  /** which kernels this build picked and the threads a run uses, e.g.
   * "f32_gemm=f32_gemm_4x8__wasmsimd,… threads=4" */
  readonly kernelConfig: string;
  /** threads each run uses */
  readonly numThreads: number;
  run(feeds: Record<string, Tensor>, fetches?: readonly string[] | Record<string, unknown>, options?: unknown): Promise<Record<string, OutputValue>>;
  release(): Promise<void>;
}

/** onnxruntime-web's env. wisp honours wasm.wasmPaths and wasm.relaxedSimd (read when the first
 * session is made), wasm.numThreads (0: the default; > 0: the default numThreads of sessions)
 * and logLevel (its warnings). */
export const env: {
  wasm: {
    numThreads: number;
    simd: boolean;
    relaxedSimd: boolean | undefined;
    /** where wisp.wasm and wisp_relaxed.wasm are: a prefix the names are appended to, or each file's URL (wisp_extra.wasm, for the models that need it, is next to wisp.wasm) */
    wasmPaths: string | URL | { wasm?: string | URL; relaxed?: string | URL } | undefined;
    proxy: boolean;
    initTimeout: number;
    trace: boolean;
    [key: string]: unknown;
  };
  webgpu: Record<string, unknown>;
  logLevel: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  debug: boolean;
  trace: boolean;
  versions: Record<string, string>;
  [key: string]: unknown;
};

// ---- errors ----

export type WispErrorCode =
  | 'WISP_BAD_MODEL' | 'WISP_UNSUPPORTED_OP' | 'WISP_BAD_INPUT' | 'WISP_NO_MEMORY' | 'WISP_RUNTIME'
  | 'WISP_ERROR' | 'WISP_NETWORK' | 'WISP_NOT_FOUND' | 'WISP_IO' | 'WISP_ABORTED' | (string & {});

export class WispError extends Error {
  constructor(code: WispErrorCode, message: string, extra?: { cause?: unknown; url?: string | URL; status?: number });
  readonly name: 'WispError';
  readonly code: WispErrorCode;
  /** network and file errors: what was being read */
  readonly url?: string;
  /** HTTP errors: the status */
  readonly status?: number;
}

// ---- models: load() and their task methods ----

export type Dtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';
export type ModelKind = 'image' | 'text' | 'tabular' | 'multimodal';

/** A dtype per model file of the folder: 'model', or a two-tower folder's 'text_model' and
 * 'vision_model'; files left out are fp32, a key naming no file is an error. */
export type DtypeByFile = Partial<Record<'model' | 'text_model' | 'vision_model', Dtype>>;

export interface LoadOptions extends IoOptions {
  /** one precision for every model file, or one per file */
  dtype?: Dtype | DtypeByFile;
  kind?: ModelKind;
  /** hub ids: where and which revision (default https://huggingface.co, 'main') */
  host?: string;
  revision?: string;
  memoryLimit?: number;
  numThreads?: number;
  /** run the model in a Worker (worker_threads in Node) */
  worker?: boolean;
}

/** An image for an image model: ImageData, {data, width, height, channels} or (browsers) an
 * image, canvas or bitmap. */
export type ImageInput =
  | ImageLike & { channels?: number }
  | ImageData | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas;
/** A tabular row: features by name, or numbers in feature_names order. */
export type TabularRow = Record<string, number | null> | readonly number[];
export type ModelInput = string | ImageInput | TabularRow;

export interface Label { label: string; score: number }
export interface ClassifyOptions { topk?: number; batchSize?: number; signal?: AbortSignal }
/** Zero-shot classify of an NLI text model (config.json id2label has an 'entailment' label): each
 * label is filled into the template and scored as the hypothesis of the text, as Transformers.js's
 * zero-shot-classification pipeline scores it. */
export interface NliZeroShotOptions extends ClassifyOptions {
  labels: readonly string[];
  /** default 'This example is {}.' */
  hypothesisTemplate?: string;
  /** score each label alone (entailment vs contradiction) instead of a softmax over the labels */
  multiLabel?: boolean;
}
export interface EmbedOptions { pooling?: 'mean' | 'cls'; normalize?: boolean }
export type Prediction = { value: number } | { values: number[] };

export interface ModelInfo { base: string; modelFile: string; bytes: number }

export interface ModelConfig {
  id2label?: Record<string, string>;
  feature_names?: string[];
  embedding_output?: string;
  logits_output?: string;
  problem_type?: string;
  [key: string]: unknown;
}

/** What load() returns (with {worker: true}, the same methods run in a Worker). */
export interface LoadedModel {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly labels: string[];
  readonly info: ModelInfo;
  classify(input: readonly string[], options: NliZeroShotOptions): Promise<Label[][]>;
  classify(input: string, options: NliZeroShotOptions): Promise<Label[]>;
  classify(input: readonly ModelInput[] | ImageInput[], options?: ClassifyOptions): Promise<Label[][]>;
  classify(input: ModelInput, options?: ClassifyOptions): Promise<Label[]>;
  embed(input: readonly ModelInput[] | ImageInput[], options?: EmbedOptions): Promise<Float32Array[]>;
  embed(input: ModelInput, options?: EmbedOptions): Promise<Float32Array>;
  predict(input: readonly TabularRow[]): Promise<Prediction[]>;
  predict(input: TabularRow): Promise<Prediction>;
  release(): Promise<void>;
}

/** Zero-shot options of a two-tower (CLIP) folder: the labels come with each call. */
export interface ZeroShotOptions {
  labels: readonly string[];
  hypothesisTemplate?: string;
  topk?: number;
  logitScale?: number;
}

/** What load() returns for a two-tower (CLIP) folder: text and images embed into one space. */
export class TwoTowerModel {
  private constructor();
  readonly kind: 'multimodal';
  readonly config: ModelConfig;
  readonly labels: string[];
  readonly info: ModelInfo;
  readonly sessions: { text: InferenceSession; vision: InferenceSession };
  classify(input: readonly ImageInput[], options: ZeroShotOptions): Promise<Label[][]>;
  classify(input: ImageInput, options: ZeroShotOptions): Promise<Label[]>;
  embed(input: readonly (string | ImageInput)[], options?: { normalize?: boolean }): Promise<Float32Array[]>;
  embed(input: string | ImageInput, options?: { normalize?: boolean }): Promise<Float32Array>;
  predict(input: unknown): Promise<never>;
  release(): Promise<void>;
}

/** The members of LoadedModel, merged into the class below. */
export interface Model extends LoadedModel {}
export class Model {
  private constructor();
  static kindOf(files: { config: ModelConfig; preprocessor?: object | null; tokenizer?: object | null }): ModelKind;
  static create(session: InferenceSession, kind: ModelKind, files: {
    config: ModelConfig; preprocessor?: object | null; tokenizer?: object | null; tokenizerConfig?: object | null;
  }, info: ModelInfo): Promise<Model>;
  readonly session: InferenceSession;
}

export function load(source: string | URL, options?: LoadOptions & { worker?: false }): Promise<Model>;
export function load(source: string | URL, options: LoadOptions & { worker: true }): Promise<LoadedModel>;
export function load(source: string | URL, options?: LoadOptions): Promise<LoadedModel>;

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number;

// ---- images ----

export interface PreprocessorConfig {
  do_resize?: boolean;
  size?: number | { height?: number; width?: number; shortest_edge?: number; longest_edge?: number };
  resample?: 0 | 1 | 2 | 3 | 4 | 5;
  do_center_crop?: boolean;
  crop_size?: number | { height: number; width: number };
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number | number[];
  image_std?: number | number[];
  do_convert_grayscale?: boolean;
  num_channels?: number;
  [key: string]: unknown;
}

export interface ResolvedImageConfig {
  resize: [number, number] | null;
  resample: number;
  crop: [number, number] | null;
  rescale: number;
  channels: 1 | 3;
  normalize: boolean;
  mean: number[];
  std: number[];
}

export function imageToTensor(images: ImageInput | ImageInput[], preprocessorConfig?: PreprocessorConfig): Promise<{ data: Float32Array; dims: [number, number, number, number] }>;
export function resolveImageConfig(preprocessorConfig: PreprocessorConfig, width: number, height: number): ResolvedImageConfig;

// ---- the cache ----

export interface CachedFile { url: string; size: number; path?: string }
export function listCached(options?: { cache?: string; cacheDir?: string }): Promise<CachedFile[]>;
export function deleteCached(prefix?: string | URL, options?: { cache?: string; cacheDir?: string }): Promise<number>;
