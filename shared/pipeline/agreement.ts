import type { ConfirmConfig } from "#shared/core/brand-config";
import {
  type AgreementTally,
  addTallies,
  agreementOf,
  decideModeSwitch,
  type ModeSwitch,
} from "#shared/core/confirm";
import { logger } from "#shared/logger";
import type { SentimentMode } from "#shared/sentiment/scoring-service";

export interface AgreementPorts {
  add(at: Date, tally: AgreementTally): Promise<void>;
  lastHours(hours: number, now: Date): Promise<AgreementTally[]>;
  modeSwitch(): Promise<ModeSwitch | undefined>;
  recordSwitch(decision: ModeSwitch): Promise<boolean>;
}

export interface SwitchableScorer {
  readonly mode: SentimentMode;
  switchTo(mode: SentimentMode): void;
}

export interface AgreementOutcome {
  /** Agreement over the last agreementHours, when anything was sampled. */
  agreement?: number;
  sampled: number;
  /** Set when this brand is (now) in cascade mode because of poor agreement. */
  switched?: ModeSwitch;
  /** True only for the run that recorded the switch (it tells ops). */
  switchedNow: boolean;
}

/**
 * After a page is scored in confirm mode: adds the sample's tally to the hour, and when the last
 * agreementHours show the local scorer reading this brand badly, switches the brand to cascade,
 * once (recorded in the table, so every container follows; ops hear it from the run that recorded it).
 */
export const recordAgreement = async (
  tally: AgreementTally,
  deps: {
    ports: AgreementPorts;
    scorer: SwitchableScorer;
    settings: ConfirmConfig;
    notifyOps: (subject: string, message: string) => Promise<void>;
    brandName: string;
    now: Date;
  },
): Promise<AgreementOutcome> => {
  const { ports, scorer, settings, now } = deps;
  if (scorer.mode !== "confirm") return { sampled: tally.sampled, switchedNow: false };
  const recorded = await ports.modeSwitch();
  if (recorded) {
    scorer.switchTo(recorded.mode);
    return { sampled: tally.sampled, switched: recorded, switchedNow: false };
  }
  await ports.add(now, tally);
  const total = addTallies(await ports.lastHours(settings.agreementHours, now));
  const agreement = agreementOf(total);
  const decision = decideModeSwitch(total, settings, now.toISOString());
  const base = { sampled: tally.sampled, ...(agreement !== undefined ? { agreement } : {}) };
  if (!decision) return { ...base, switchedNow: false };
  const switchedNow = await ports.recordSwitch(decision);
  scorer.switchTo(decision.mode);
  if (switchedNow) {
    logger.warn("sentiment mode switched to cascade", { ...decision });
    await deps.notifyOps(
      `[${deps.brandName}] sentiment switched to cascade`,
      [
        `Confirm mode scores mentions locally and asks Comprehend only near the alarm bar; ${decision.reason}.`,
        "From now on unclear mentions go to Comprehend at ingest (cascade mode), which costs more per mention.",
        'To go back, fix the cause (e.g. the brand\'s language) and delete the table item pk="SENTIMENT_MODE".',
      ].join("\n"),
    );
  }
  return { ...base, switched: decision, switchedNow };
};
