import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { TableRef } from "#shared/store/client";
import { keys } from "#shared/store/keys";

/**
 * How long a claim on an outbox entry lasts. It must outlast one publish, retries included, or a
 * second invocation re-claims a notice that is still being sent and pages twice: the SNS sink
 * makes at most 3 calls of 3 SDK attempts with a 5 s request timeout (~50 s with back-off).
 * A notice whose publisher crashed waits this long before another invocation sends it.
 */
export const OUTBOX_LEASE_MS = 90_000;

/** A notice queued by DetectionStore.commit in the transaction of the state change that caused it. */
export interface OutboxEntry {
  notificationId: string;
  incidentId: string;
  kind: string;
  createdAt: string;
  /** The message exactly as it will be published (built when the state changed). */
  message: Record<string, unknown>;
}

/** A queued notice as the queue listing sees it (no message: claiming returns that). */
export interface QueuedNotice {
  notificationId: string;
  incidentId: string;
  createdAt: string;
  /** Epoch ms until which another invocation holds it; absent when nobody does. */
  leaseUntil?: number;
}

/** An entry this invocation holds until `leaseUntil`: publish it, then complete, release or dead-letter it. */
export interface OutboxClaim {
  entry: OutboxEntry;
  leaseId: string;
  leaseUntil: number;
}

export interface DeadNotice extends OutboxEntry {
  deadAt: string;
  reason: string;
}

export interface OutboxStoreOptions {
  leaseMs?: number;
  /** Epoch ms; the lease clock (tests move it to let a lease lapse). */
  now?: () => number;
}

const QUEUE_PK = keys.outbox("").pk;
const DEAD_PK = keys.outboxDead("").pk;
const LEASE_NAMES = { "#leaseId": "leaseId", "#leaseUntil": "leaseUntil" };

const entryFromItem = (item: Record<string, unknown>): OutboxEntry => ({
  notificationId: String(item.notificationId),
  incidentId: String(item.incidentId),
  kind: String(item.kind),
  createdAt: String(item.createdAt),
  message: JSON.parse(String(item.message)) as Record<string, unknown>,
});

/**
 * Delivery side of the notification outbox (DetectionStore.commit queues entries in the same
 * transaction as the state change that caused them). An entry is claimed with a conditional
 * lease before it is published and deleted only while that lease is still ours, so concurrent
 * invocations never publish the same notice at once; a lease left by a crashed invocation lapses
 * and the entry is claimed again (at-least-once: a duplicate only after a crash mid-publish).
 */
export class OutboxStore {
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly table: TableRef,
    options: OutboxStoreOptions = {},
  ) {
    // OUTBOX_LEASE_MS: the soak, whose poller crashes every few seconds against an SNS stand-in
    // that answers in milliseconds, shortens the wait a crashed invocation's lease imposes.
    this.leaseMs = options.leaseMs ?? (Number(process.env.OUTBOX_LEASE_MS) || OUTBOX_LEASE_MS);
    this.now = options.now ?? Date.now;
  }

  /** Every queued notice, oldest first, with its lease if one is held (keys and times only). */
  async queued(): Promise<QueuedNotice[]> {
    const items = await this.queryPartition(QUEUE_PK, "sk, incidentId, createdAt, #leaseUntil", {
      "#leaseUntil": "leaseUntil",
    });
    return items
      .map((item) => ({
        notificationId: String(item.sk),
        incidentId: String(item.incidentId),
        createdAt: String(item.createdAt),
        ...(typeof item.leaseUntil === "number" ? { leaseUntil: item.leaseUntil } : {}),
      }))
      .sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.notificationId.localeCompare(b.notificationId),
      );
  }

  /** True when nobody holds the notice now (never claimed, released, or its lease lapsed). */
  isClaimable(notice: QueuedNotice): boolean {
    return notice.leaseUntil === undefined || notice.leaseUntil < this.now();
  }

  /**
   * Takes the entry for this invocation; undefined when another invocation holds a live lease
   * or the entry is gone (delivered meanwhile).
   */
  async claim(notificationId: string): Promise<OutboxClaim | undefined> {
    const now = this.now();
    const leaseId = randomUUID();
    const leaseUntil = now + this.leaseMs;
    try {
      const out = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: marshall(keys.outbox(notificationId)),
          UpdateExpression: "SET #leaseId = :leaseId, #leaseUntil = :leaseUntil",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)",
          ExpressionAttributeNames: LEASE_NAMES,
          ExpressionAttributeValues: marshall({
            ":leaseId": leaseId,
            ":leaseUntil": leaseUntil,
            ":now": now,
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      if (!out.Attributes) return undefined;
      return { entry: entryFromItem(unmarshall(out.Attributes)), leaseId, leaseUntil };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * After a successful publish: removes the entry if the lease is still ours. False when it
   * lapsed and another invocation took the entry (it may publish the notice a second time).
   */
  async complete(claim: OutboxClaim): Promise<boolean> {
    return this.whileHeld(() =>
      this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.tableName,
          Key: marshall(keys.outbox(claim.entry.notificationId)),
          ...this.heldBy(claim),
        }),
      ),
    );
  }

  /** After a failed publish worth retrying: the next invocation may take the entry at once. */
  async release(claim: OutboxClaim): Promise<boolean> {
    return this.whileHeld(() =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: marshall(keys.outbox(claim.entry.notificationId)),
          UpdateExpression: "REMOVE #leaseId, #leaseUntil",
          ...this.heldBy(claim),
          ExpressionAttributeNames: LEASE_NAMES,
        }),
      ),
    );
  }

  /**
   * A notice the channel refused as invalid: moved, with the reason, to a dead-letter record in
   * one transaction (never retried, never blocking the queue). False when the lease was lost.
   */
  async deadLetter(claim: OutboxClaim, reason: string, at: Date): Promise<boolean> {
    const dead: DeadNotice = { ...claim.entry, deadAt: at.toISOString(), reason };
    try {
      await this.table.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.tableName,
                Item: marshall({
                  ...keys.outboxDead(claim.entry.notificationId),
                  ...dead,
                  message: JSON.stringify(dead.message),
                }),
              },
            },
            {
              Delete: {
                TableName: this.table.tableName,
                Key: marshall(keys.outbox(claim.entry.notificationId)),
                ...this.heldBy(claim),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed")
      ) {
        return false;
      }
      throw error;
    }
  }

  /** Queued entries with their messages, oldest first (tests, soak checks, the local page). */
  async pending(): Promise<OutboxEntry[]> {
    const items = await this.queryPartition(QUEUE_PK);
    return items.map(entryFromItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Notices set aside as invalid, with why. */
  async deadLetters(): Promise<DeadNotice[]> {
    const items = await this.queryPartition(DEAD_PK);
    return items.map((item) => ({
      ...entryFromItem(item),
      deadAt: String(item.deadAt),
      reason: String(item.reason),
    }));
  }

  private heldBy(claim: OutboxClaim) {
    return {
      ConditionExpression: "#leaseId = :leaseId",
      ExpressionAttributeNames: { "#leaseId": "leaseId" },
      ExpressionAttributeValues: marshall({ ":leaseId": claim.leaseId }),
    };
  }

  /** Runs a write conditioned on our lease: false when the lease is no longer ours. */
  private async whileHeld(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async queryPartition(
    pk: string,
    projection?: string,
    names?: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: marshall({ ":pk": pk }),
          ConsistentRead: true,
          ...(projection === undefined ? {} : { ProjectionExpression: projection }),
          ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(unmarshall(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}
