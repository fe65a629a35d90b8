import { buildSnsMessage } from "#shared/core/alert-text";
import type { BrandConfig } from "#shared/core/brand-config";
import { isNegative } from "#shared/core/mention";
import { nextWindow } from "#shared/core/windows";
import type { MessageComposer } from "#shared/pipeline/detect";
import type { MentionStore } from "#shared/store/mentions";

/** Windows of mentions an alert explains (the latest few of the episode); a resolved notice covers all of it. */
const EXPLAINED_WINDOWS = 3;
const BASELINE_HOURS = 24;
const MAX_EXPLAINED_MENTIONS = 5_000;
const BASELINE_SAMPLE = 2_000;

/** Who a link is issued to: the SMS subscribers or the email subscribers of the alert topic. */
export type AlertRecipient = "sms" | "email";

export interface ComposerDeps {
  config: BrandConfig;
  mentions: Pick<MentionStore, "mentionsBetween" | "authorsPositiveBefore">;
  /**
   * The incident's link for one channel's recipients (a capability link to the incident page, or
   * the report under alerts.reportBaseUrl): the email's and the SMS's may differ.
   */
  reportUrl?: (
    incidentId: string,
    recipient: AlertRecipient,
  ) => string | undefined | Promise<string | undefined>;
  /** The command on-call runs to silence an incident (shown in the email's checklist). */
  silenceCommand?: (incidentId: string) => string;
}

/**
 * Builds the SNS message for a notice from the mentions it is about, read once per transition
 * through the time index: the alarming windows (the why), a day before them (what "new" is
 * measured against) and the authors' history (existing customers vs new voices).
 */
export const createComposer =
  ({ config, mentions, reportUrl, silenceCommand }: ComposerDeps): MessageComposer =>
  async ({ notification, route }) => {
    const minutes = config.detection.windowMinutes;
    const incident = notification.incident;
    const to = nextWindow(notification.at, minutes);
    const recent = nextWindow(notification.at, minutes, 1 - EXPLAINED_WINDOWS);
    const from =
      notification.kind === "resolved" || recent < incident.startedAt ? incident.startedAt : recent;
    const baselineFrom = new Date(Date.parse(incident.startedAt) - BASELINE_HOURS * 3_600_000).toISOString();
    const [windowMentions, baselineMentions] = await Promise.all([
      mentions.mentionsBetween(from, to, MAX_EXPLAINED_MENTIONS, true),
      mentions.mentionsBetween(baselineFrom, incident.startedAt, BASELINE_SAMPLE, true),
    ]);
    const priorPositiveAuthors = await mentions.authorsPositiveBefore(
      windowMentions.filter((m) => isNegative(m.sentiment)),
      incident.startedAt,
    );
    const [link, smsLink] = await Promise.all([
      reportUrl?.(incident.id, "email"),
      reportUrl?.(incident.id, "sms"),
    ]);
    const message = buildSnsMessage(
      {
        brand: { displayName: config.displayName, brand: config.brand, match: config.match },
        notification,
        windowMentions,
        baselineMentions,
        priorPositiveAuthors,
        windowMinutes: minutes,
        ...(link ? { reportUrl: link } : {}),
        ...(smsLink && smsLink !== link ? { smsReportUrl: smsLink } : {}),
        replyChecklist: config.alerts.replyChecklist,
        ...(silenceCommand ? { silenceCommand: silenceCommand(incident.id) } : {}),
        ...(config.alerts.quietHours ? { timeZone: config.alerts.quietHours.timeZone } : {}),
      },
      route,
    );
    // Why each channel got it or not (quiet hours, cap, no recipients...): visible to anyone
    // debugging a subscription filter, and printed by the local runtime.
    message.MessageAttributes.route = {
      DataType: "String",
      StringValue: `sms:${route.reasons.sms} email:${route.reasons.email}`,
    };
    // Data time of the window behind the notice (the local page plots alerts on it).
    message.MessageAttributes.window = { DataType: "String", StringValue: notification.at };
    return message;
  };
