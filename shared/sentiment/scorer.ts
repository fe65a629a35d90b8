import type { Sentiment } from "#shared/core/mention";

export interface TextToScore {
  text: string;
  /** Language tag of the text when known ("en", "pt-BR"...). */
  lang?: string;
}

/** Scores texts in order: result[i] belongs to texts[i]. Never silently drops or reorders. */
export interface SentimentScorer {
  readonly name: string;
  score(texts: readonly TextToScore[]): Promise<Sentiment[]>;
}
