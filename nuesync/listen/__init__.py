"""`nuesync listen`: the live loop — Nue webhooks and Salesforce's Sync Order button, synced within seconds.

Why it is built this way:

- **Durability first.** An HTTP handler only verifies a delivery, commits it to the journal's
  delivery queue (SQLite, WAL, fsync per commit) and answers; it never waits for Nue or
  Salesforce. What was acknowledged is on disk, so a `kill -9` loses nothing: the next start
  processes every delivery still pending.
- **Deliveries are hints.** Nue documents no payload, signature or order-updated event, and
  Salesforce delivers Outbound Messages at least once, out of order, and again after an ack. So
  a delivery only names an order; the worker re-reads both systems before acting, deduplicates
  by event or notification id, and a periodic reconciliation (`--since last`) catches edits and
  lost deliveries.
- **No second sync engine.** The worker coalesces deliveries that arrive within the batch window
  into one scoped plan per direction and runs it through the same `SyncRun` plan → apply →
  verify → journal path as `pull`, `push` and `activate`, under the same run lock (waited for,
  not failed, while cron holds it).
- **Nothing fails silently.** A batch that fails is retried with capped exponential backoff; a
  delivery that still fails after `max_attempts`, or that needs a person (a blocked order), stays
  in the journal with its error until `nuesync retry` replays it.
"""
