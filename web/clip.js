// clip.js — two-tower folders (CLIP, in the Transformers.js layout): onnx/text_model.onnx and
// onnx/vision_model.onnx map text and images into one embedding space.
//
//   const clip = await load('Xenova/clip-vit-base-patch32');
//   const [t, i] = await clip.embed(['a photo of a cat', image]);   // unit vectors, same space
//   cosineSimilarity(t, i);
//   await clip.classify(image, { labels: ['cat', 'dog'] });        // [{label, score}], zero-shot
//
// Each tower is a Model of its own (text.js tokenizes, image.js preprocesses); embed takes the
// tower's text_embeds / image_embeds output. Zero-shot scores are CLIP's: softmax over the labels
// of exp(logit_scale) · cosine(image, "This is a photo of {label}"), as the
// zero-shot-image-classification pipeline of Transformers.js computes them.

import { Model } from './model.js';
import { warn } from './env.js';

const TOWERS = { text: 'text_model', vision: 'vision_model' };
// The projected embedding of each tower, as Transformers.js's CLIP*ModelWithProjection name it.
const EMBEDS = { text: 'text_embeds', vision: 'image_embeds' };
const TEMPLATE = 'This is a photo of {}';
const DEFAULT_LOGIT_SCALE = 2.6592; // transformers' CLIPConfig default, ln(1 / 0.07)

// files: {config, tokenizer, tokenizerConfig, preprocessor}; how: load()'s readModel(name) ->
// {modelFile, bytes}, openSession({modelFile, bytes}), its progress tracker, and the base URL.
export async function createTwoTower(files, { readModel, openSession, tracker, base }) {
  const { config } = files;
  if (config.model_type !== 'clip') {
    throw new Error(`wisp.load: two-tower folders of model_type '${config.model_type}' are not supported (only 'clip')`);
  }
  const read = await Promise.all(Object.values(TOWERS).map((name) => readModel(name)));
  const towers = {};
  try {
    for (const [i, key] of Object.keys(TOWERS).entries()) {
      const session = towers[key] = await openSession(read[i]);
      if (!session.outputNames.includes(EMBEDS[key])) {
        throw new Error(`wisp.load: ${read[i].modelFile} has no ${EMBEDS[key]} output (its outputs: ${session.outputNames.join(', ')})`);
      }
    }
    const info = {
      base,
      modelFiles: { text: read[0].modelFile, vision: read[1].modelFile },
      bytes: read[0].bytes.byteLength + read[1].bytes.byteLength,
    };
    const text = await Model.create(towers.text, 'text', {
      config: { ...config.text_config, embedding_output: EMBEDS.text },
      tokenizer: files.tokenizer, tokenizerConfig: files.tokenizerConfig,
    }, { ...info, modelFile: info.modelFiles.text });
    const vision = await Model.create(towers.vision, 'image', {
      config: { ...config.vision_config, embedding_output: EMBEDS.vision },
      preprocessor: files.preprocessor,
    }, { ...info, modelFile: info.modelFiles.vision });
    tracker.ready(info.modelFiles.vision);
    return new TwoTowerModel(text, vision, config, info);
  } catch (e) {
    await Promise.all(Object.values(towers).map((s) => s.release()));
    throw e;
  }
}

function softmax(row) {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

export class TwoTowerModel {
  #text; #vision;

  constructor(text, vision, config, info) {
    this.#text = text;
    this.#vision = vision;
    this.kind = 'multimodal';
    this.config = config;
    this.labels = []; // zero-shot: the labels come with each classify call
    this.info = info;
  }

  get sessions() {
    return { text: this.#text.session, vision: this.#vision.session };
  }

  // The multiplier of the cosines: exp(logit_scale). config.json's logit_scale_init_value is the
  // value training started from; a trained model's own is in its weights (CLIP ViT-B: ln 100), so
  // a folder may state it as "logit_scale", and options.logitScale overrides both.
  #scale(logitScale) {
    const s = logitScale ?? this.config.logit_scale ?? this.config.logit_scale_init_value ?? DEFAULT_LOGIT_SCALE;
    if (logitScale === undefined && this.config.logit_scale === undefined) {
      warn(`wisp: CLIP zero-shot uses logit scale ${s}, the value training started from; a trained model's ` +
        'is in its weights (ln 100 for CLIP ViT-B), so scores may be flatter than Transformers.js\'s: set ' +
        '"logit_scale" in config.json or pass options.logitScale');
    }
    if (!Number.isFinite(s)) throw new RangeError(`wisp: logitScale must be a finite number, got ${JSON.stringify(s)}`);
    return Math.exp(s);
  }

  // embed(text | image | array of both, {normalize: true}) -> Float32Array (an array for an
  // array): strings go through the text tower, anything else through the vision tower. CLIP
  // compares unit vectors; normalize: false gives the raw projections.
  async embed(input, { normalize = true } = {}) {
    const batch = Array.isArray(input);
    const items = batch ? input : [input];
    const isText = items.map((x) => typeof x === 'string');
    const texts = items.filter((_, i) => isText[i]), images = items.filter((_, i) => !isText[i]);
    const t = texts.length ? await this.#text.embed(texts, { normalize }) : [];
    const v = images.length ? await this.#vision.embed(images, { normalize }) : [];
    let ti = 0, vi = 0;
    const out = items.map((_, i) => (isText[i] ? t[ti++] : v[vi++]));
    return batch ? out : out[0];
  }

  // classify(image | image[], {labels, hypothesisTemplate, topk, logitScale}) -> [{label, score}]
  // over all labels (or the topk best), sorted by score; an array of those for a batch. Each label
  // is put into the template ('This is a photo of {}' as Transformers.js; hypothesis_template is
  // accepted too).
  async classify(input, options = {}) {
    const { labels, topk = Infinity, logitScale } = options;
    const template = options.hypothesisTemplate ?? options.hypothesis_template ?? TEMPLATE;
    if (!Array.isArray(labels) || !labels.length || !labels.every((l) => typeof l === 'string')) {
      throw new TypeError('wisp: zero-shot classify needs options.labels, a non-empty array of strings');
    }
    if (typeof template !== 'string') throw new TypeError(`wisp: hypothesisTemplate must be a string, got ${typeof template}`);
    if (!(topk === Infinity || (Number.isSafeInteger(topk) && topk >= 1))) {
      throw new RangeError(`wisp: topk must be a positive integer, got ${typeof topk === 'number' ? topk : typeof topk}`);
    }
    const scale = this.#scale(logitScale);
    const batch = Array.isArray(input);
    const images = batch ? input : [input];
    if (images.some((x) => typeof x === 'string')) throw new TypeError('wisp: classify takes images; the labels go in options.labels');
    if (!images.length) return [];
    const textEmbeds = await this.#text.embed(labels.map((l) => template.replace('{}', l)), { normalize: true });
    const imageEmbeds = await this.#vision.embed(images, { normalize: true });
    const results = imageEmbeds.map((img) => softmax(textEmbeds.map((t) => scale * dot(img, t)))
      .map((score, i) => ({ label: labels[i], score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topk));
    return batch ? results : results[0];
  }

  async predict() {
    throw new Error('wisp: predict() is for regression models; this two-tower model has embed() and classify()');
  }

  async release() {
    await Promise.all([this.#text.release(), this.#vision.release()]);
  }
}
