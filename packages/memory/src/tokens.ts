import llama3Tokenizer from "llama3-tokenizer-js";
import { countTokens as countO200kTokens } from "gpt-tokenizer/encoding/o200k_base";
import { LRUCache } from "lru-cache";
import type { PromptMessage, TokenCounter } from "./ports.ts";

export type TokenizerName = "llama3" | "o200k";

export interface TokenCountCacheLimits {
  /** Most texts remembered. */
  maxEntries: number;
  /** Most characters remembered across all texts; a text longer than an eighth of this is counted but not kept. */
  maxCharacters: number;
}

export interface TokenCountCacheStats {
  entries: number;
  characters: number;
  hits: number;
  misses: number;
}

export interface TokenCounterOptions {
  /** Ollama's model name: family "llama" also covers Llama 2 and Mistral, whose vocabularies are not Llama 3's. */
  modelName?: string;
  cache?: Partial<TokenCountCacheLimits>;
}

export interface ModelTokenCounter extends TokenCounter {
  readonly tokenizer: TokenizerName;
  /** True when the tokenizer is the model's own; false for an approximation that calibration must correct. */
  readonly exact: boolean;
  cacheStats(): TokenCountCacheStats;
}

export const defaultTokenCountCacheLimits: TokenCountCacheLimits = { maxEntries: 10_000, maxCharacters: 4_000_000 };

/** Ollama reports these families for models with Llama 3's 128k vocabulary (llama3, 3.1, 3.2, 3.3, 3.2-vision). */
const llama3Families = new Set(["llama", "mllama"]);
/** Models Ollama also labels "llama" that use the older 32k SentencePiece vocabulary. */
const olderLlamaVocabulary = /llama-?2|codellama|tinyllama|mistral|mixtral|vicuna|zephyr/i;
/** gpt-oss tokenizes text with o200k (its chat format adds only special tokens). */
const o200kFamilies = new Set(["gptoss", "gpt-oss"]);

function countLlama3Tokens(text: string): number {
  return llama3Tokenizer.encode(text, { bos: false, eos: false }).length;
}

/** An empty disallowed set: gpt-tokenizer throws on "<|endoftext|>" in user text otherwise. */
const noDisallowedSpecialTokens = { disallowedSpecial: new Set<string>() };

function countApproximateTokens(text: string): number {
  return countO200kTokens(text, noDisallowedSpecialTokens);
}

/** Least recently used memo of token counts, bounded by entries and by total characters. */
class TokenCountCache {
  private readonly counts: LRUCache<string, number>;
  private hits = 0;
  private misses = 0;

  constructor(limits: TokenCountCacheLimits) {
    this.counts = new LRUCache<string, number>({
      max: limits.maxEntries,
      maxSize: limits.maxCharacters,
      sizeCalculation: (_count, text) => Math.max(1, text.length),
      // One huge document would otherwise evict every message that is counted again next turn.
      maxEntrySize: Math.max(1, Math.floor(limits.maxCharacters / 8)),
    });
  }

  get(text: string): number | undefined {
    const count = this.counts.get(text);
    if (count === undefined) this.misses += 1;
    else this.hits += 1;
    return count;
  }

  set(text: string, count: number): void {
    this.counts.set(text, count);
  }

  stats(): TokenCountCacheStats {
    return { entries: this.counts.size, characters: this.counts.calculatedSize, hits: this.hits, misses: this.misses };
  }
}

export function usesLlama3Vocabulary(modelFamily: string | null, modelName?: string): boolean {
  if (modelFamily === null || !llama3Families.has(modelFamily.toLowerCase())) return false;
  return modelName === undefined || !olderLlamaVocabulary.test(modelName);
}

/**
 * Counts tokens with Llama 3's own tokenizer for Llama 3 models. Every other family gets o200k
 * (GPT-4o's BPE): modern local vocabularies (Qwen 2/3 at 151k, Gemma at 256k, Mistral Nemo at 131k)
 * are closer to its 200k entries and multilingual merges than to cl100k, and the calibration
 * corrects what remains. Counts are memoised because every message is counted again each turn;
 * create one counter per model and keep it.
 */
export function createTokenCounter(modelFamily: string | null, options: TokenCounterOptions = {}): ModelTokenCounter {
  const family = modelFamily?.toLowerCase() ?? null;
  const llama3 = usesLlama3Vocabulary(family, options.modelName);
  const countUncached = llama3 ? countLlama3Tokens : countApproximateTokens;
  const cache = new TokenCountCache({ ...defaultTokenCountCacheLimits, ...options.cache });
  return {
    tokenizer: llama3 ? "llama3" : "o200k",
    exact: llama3 || (family !== null && o200kFamilies.has(family)),
    count(text: string): number {
      if (text.length === 0) return 0;
      const cached = cache.get(text);
      if (cached !== undefined) return cached;
      const count = countUncached(text);
      cache.set(text, count);
      return count;
    },
    cacheStats: () => cache.stats(),
  };
}

/** What calibration needs to know about a prompt: its content tokens by the base counter, and how many messages carry them. */
export interface PromptShape {
  contentTokens: number;
  messageCount: number;
}

/** The learned correction: true prompt tokens ≈ ratio × content tokens + perMessageTokens × messages + fixedTokens. */
export interface TokenCalibration {
  readonly ratio: number;
  readonly perMessageTokens: number;
  readonly fixedTokens: number;
  /** Observations that taught the calibration something. */
  readonly samples: number;
  /** Observations refused as impossible (zero, negative, wildly off). */
  readonly rejected: number;
  /** Recent mean of |estimate − truth| / truth, measured before each observation was learned; null before any. */
  readonly relativeError: number | null;
}

export interface CalibrationPrior {
  ratio: number;
  perMessageTokens: number;
  fixedTokens: number;
}

export interface CalibrationOptions {
  /** Where the calibration starts (for instance a snapshot saved before a restart). */
  prior?: Partial<CalibrationPrior>;
  /** How much each older observation still counts when a new one arrives (0-1). */
  decay?: number;
}

export type ObservationOutcome =
  | { accepted: true; estimate: number; error: number }
  | { accepted: false; reason: "not-a-count" | "empty-prompt" | "implausible" };

/**
 * Llama 3's template costs 5 tokens per message (role header and end-of-turn) and about 5 per prompt
 * (begin-of-text and the assistant header); newer templates add a few lines of system text.
 */
const templatePrior = { perMessageTokens: 5, fixedTokens: 8 };
/** An approximate tokenizer starts 10% high: over-counting costs a little context, under-counting overflows it. */
const approximateRatioPrior = 1.1;
const parameterBounds = { ratio: [0.5, 3], perMessageTokens: [0, 64], fixedTokens: [0, 4096] } as const;
/** Truth this far from the uncalibrated estimate is a broken report, not a tokenizer difference. */
const plausibleRatio = { min: 1 / 3, max: 3 };
/** Once a few samples agree, a lone sample further off than this counts quadratically less. */
const robustThreshold = 0.15;
const robustAfterSamples = 3;
/**
 * The prior is a ridge penalty in parameter space, scaled so one unit of strength weighs like one
 * observation. The ratio's fades fast (a tokenizer mismatch shows at once); the template overheads'
 * fade slowly, so the first samples move the ratio and only a spread of prompt shapes moves them.
 */
const priorStrength = {
  ratio: (samples: number) => Math.max(0.02, 0.5 ** samples),
  overhead: (samples: number) => Math.max(0.05, 2 * 0.7 ** samples),
};
/** Shapes at which one observation's weight is measured, spanning short and long prompts. */
const priorShapes: readonly PromptShape[] = [
  { contentTokens: 200, messageCount: 2 },
  { contentTokens: 1000, messageCount: 6 },
  { contentTokens: 3000, messageCount: 20 },
];

type Vector3 = [number, number, number];
type Matrix3 = [Vector3, Vector3, Vector3];

function features(shape: PromptShape): Vector3 {
  return [shape.contentTokens, shape.messageCount, 1];
}

function zeroMatrix(): Matrix3 {
  return [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
}

/** Gaussian elimination with partial pivoting; null when the system is singular. */
function solve3(matrix: Matrix3, vector: Vector3): Vector3 | null {
  const rows = matrix.map((row, index) => [...row, vector[index] ?? 0]);
  for (let column = 0; column < 3; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < 3; row += 1) {
      if (Math.abs(rows[row]![column]!) > Math.abs(rows[pivot]![column]!)) pivot = row;
    }
    const pivotRow = rows[pivot]!;
    if (Math.abs(pivotRow[column]!) < 1e-12) return null;
    rows[pivot] = rows[column]!;
    rows[column] = pivotRow;
    for (let row = 0; row < 3; row += 1) {
      if (row === column) continue;
      const factor = rows[row]![column]! / pivotRow[column]!;
      for (let entry = column; entry < 4; entry += 1) rows[row]![entry]! -= factor * pivotRow[entry]!;
    }
  }
  return [rows[0]![3]! / rows[0]![0]!, rows[1]![3]! / rows[1]![1]!, rows[2]![3]! / rows[2]![2]!];
}

function isPlausible(ratio: number): boolean {
  return ratio >= plausibleRatio.min && ratio <= plausibleRatio.max;
}

function clamp(value: number, [min, max]: readonly [number, number]): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * A token counter for one model that learns from the prompt_eval_count Ollama reports after each
 * call (the truth, chat template included). It fits truth ≈ ratio × content + per-message + fixed
 * by weighted least squares over recent observations, each weighted by 1/estimate so relative error
 * counts; old observations fade, absurd ones are refused, a lone outlier is down-weighted and a
 * repeated one is taken as a change.
 */
export class CalibratedTokenCounter implements TokenCounter {
  private readonly base: TokenCounter;
  private readonly prior: CalibrationPrior;
  private readonly decay: number;
  private readonly normal: Matrix3 = zeroMatrix();
  private readonly moment: Vector3 = [0, 0, 0];
  private parameters: CalibrationPrior;
  /** What one observation adds to each diagonal of the normal matrix, on average: the unit of prior strength. */
  private readonly oneObservationWeight: Vector3;
  private samples = 0;
  private rejected = 0;
  private relativeError: number | null = null;
  private lastOutlierSign = 0;

  constructor(base: TokenCounter & { readonly exact?: boolean }, options: CalibrationOptions = {}) {
    this.base = base;
    this.prior = {
      ratio: options.prior?.ratio ?? (base.exact === false ? approximateRatioPrior : 1),
      perMessageTokens: options.prior?.perMessageTokens ?? templatePrior.perMessageTokens,
      fixedTokens: options.prior?.fixedTokens ?? templatePrior.fixedTokens,
    };
    this.decay = options.decay ?? 0.85;
    if (!(this.decay > 0 && this.decay < 1)) throw new RangeError(`Calibration decay is between 0 and 1; got ${this.decay}.`);
    this.parameters = { ...this.prior };
    this.oneObservationWeight = [0, 1, 2].map((index) => {
      let total = 0;
      for (const shape of priorShapes) total += features(shape)[index]! ** 2 / this.estimateShape(shape);
      return total / priorShapes.length;
    }) as Vector3;
  }

  get calibration(): TokenCalibration {
    return { ...this.parameters, samples: this.samples, rejected: this.rejected, relativeError: this.relativeError };
  }

  /** Tokens of a text on its own, scaled by the learned ratio (no message overhead). */
  count(text: string): number {
    return Math.ceil(this.parameters.ratio * this.base.count(text));
  }

  /** Tokens a message costs inside a prompt, template overhead included. */
  countMessage(message: PromptMessage): number {
    return Math.ceil(this.parameters.ratio * this.base.count(message.content) + this.parameters.perMessageTokens);
  }

  measure(messages: readonly PromptMessage[]): PromptShape {
    let contentTokens = 0;
    for (const message of messages) contentTokens += this.base.count(message.content);
    return { contentTokens, messageCount: messages.length };
  }

  estimatePrompt(messages: readonly PromptMessage[]): number {
    return this.estimateShape(this.measure(messages));
  }

  estimateShape(shape: PromptShape): number {
    const { ratio, perMessageTokens, fixedTokens } = this.parameters;
    return Math.ceil(ratio * shape.contentTokens + perMessageTokens * shape.messageCount + fixedTokens);
  }

  /** Learns from what Ollama counted for a prompt; pass the messages sent, or their shape. */
  observe(prompt: readonly PromptMessage[] | PromptShape, promptEvalCount: number): ObservationOutcome {
    if (!Number.isFinite(promptEvalCount) || promptEvalCount <= 0) return this.reject("not-a-count");
    const shape = Array.isArray(prompt) ? this.measure(prompt as readonly PromptMessage[]) : (prompt as PromptShape);
    if (!(shape.messageCount >= 1) || !(shape.contentTokens >= 0)) return this.reject("empty-prompt");
    const uncalibrated = shape.contentTokens + this.prior.perMessageTokens * shape.messageCount + this.prior.fixedTokens;
    const estimate = this.estimateShape(shape);
    // Either reference may vouch: a large system template makes small prompts look far off the uncalibrated guess.
    if (!isPlausible(promptEvalCount / uncalibrated) && !(this.samples > 0 && isPlausible(promptEvalCount / estimate))) {
      return this.reject("implausible");
    }

    const error = Math.abs(estimate - promptEvalCount) / promptEvalCount;
    this.relativeError = this.relativeError === null ? error : 0.7 * this.relativeError + 0.3 * error;
    const outlierSign = this.samples >= robustAfterSamples && error > robustThreshold ? Math.sign(promptEvalCount - estimate) : 0;
    let weight = 1;
    if (outlierSign !== 0 && outlierSign === this.lastOutlierSign) {
      // A second miss the same way is a change (a new template or system prompt), not an accident: forget faster.
      this.fade(0.5);
    } else if (outlierSign !== 0) {
      weight = (robustThreshold / error) ** 2;
    }
    this.lastOutlierSign = outlierSign;
    this.fade(this.decay);
    this.accumulate(shape, estimate, promptEvalCount, weight);
    this.samples += 1;
    this.parameters = this.fit();
    return { accepted: true, estimate, error };
  }

  private reject(reason: "not-a-count" | "empty-prompt" | "implausible"): ObservationOutcome {
    this.rejected += 1;
    return { accepted: false, reason };
  }

  private fade(factor: number): void {
    for (let row = 0; row < 3; row += 1) {
      this.moment[row]! *= factor;
      for (let column = 0; column < 3; column += 1) this.normal[row]![column]! *= factor;
    }
  }

  /** Weighted by 1/estimate, not 1/truth, so a low report does not also weigh more. */
  private accumulate(shape: PromptShape, estimate: number, truth: number, weight: number): void {
    const x = features(shape);
    const scaled = weight / Math.max(1, estimate);
    for (let row = 0; row < 3; row += 1) {
      this.moment[row]! += scaled * x[row]! * truth;
      for (let column = 0; column < 3; column += 1) this.normal[row]![column]! += scaled * x[row]! * x[column]!;
    }
  }

  private fit(): CalibrationPrior {
    const strengths = [priorStrength.ratio(this.samples), priorStrength.overhead(this.samples), priorStrength.overhead(this.samples)];
    const priorValues = [this.prior.ratio, this.prior.perMessageTokens, this.prior.fixedTokens];
    const normal = this.normal.map((row) => [...row]) as Matrix3;
    const moment = [...this.moment] as Vector3;
    for (let index = 0; index < 3; index += 1) {
      const penalty = strengths[index]! * this.oneObservationWeight[index]!;
      normal[index]![index]! += penalty;
      moment[index]! += penalty * priorValues[index]!;
    }
    const solution = solve3(normal, moment);
    if (solution === null) return this.parameters;
    return {
      ratio: clamp(solution[0], parameterBounds.ratio),
      perMessageTokens: clamp(solution[1], parameterBounds.perMessageTokens),
      fixedTokens: clamp(solution[2], parameterBounds.fixedTokens),
    };
  }

}
